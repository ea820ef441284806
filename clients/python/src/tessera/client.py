"""The client scripts use: sign in, call the APIs, keep the tokens fresh and on disk."""

from __future__ import annotations

from typing import Any

from ._json import as_object, string
from ._token_file import read_tokens
from .admin import AdminApi
from .errors import AuthenticationError, ProtocolError
from .token_provider import TokenProvider

User = dict[str, Any]


class Client(AdminApi):
    """A Tessera session API client.

    ``Client(base_url)`` (or ``TESSERA_URL``) then ``login(username, password)``; or a service
    token passed as ``token=`` or found in ``TESSERA_SERVICE_TOKEN``; or a ``token_provider`` such
    as :class:`tessera.ClientCredentials`. Safe to share between threads.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        token: str | None = None,
        token_provider: TokenProvider | None = None,
        timeout: float = 30.0,
        max_rate_limit_wait: float = 10.0,
    ) -> None:
        super().__init__(
            base_url,
            token=token,
            token_provider=token_provider,
            timeout=timeout,
            max_rate_limit_wait=max_rate_limit_wait,
        )
        self._user: User | None = None

    @property
    def user(self) -> User | None:
        """The signed-in user as the last login or ``me()`` returned it."""
        return self._user

    def login(self, username: str, password: str) -> User:
        """POST /login; keeps both tokens and returns the user."""
        return self._sign_in("/login", {"username": username, "password": password})

    def oidc_login(self, id_token: str) -> User:
        """POST /oidc-login with an id_token from a configured upstream OIDC provider."""
        return self._sign_in("/oidc-login", {"id_token": id_token})

    def logout(self) -> None:
        """Ends the session on the server (its tokens stop working at once) and forgets the tokens.

        A session that had already ended counts as logged out.
        """
        try:
            self.request("POST", "/logout")
        except AuthenticationError:
            pass
        self._set_tokens(None, None)
        self._user = None
        self._tokens_changed()

    def me(self) -> User:
        """GET /me: the user behind the current token."""
        body = self.request("GET", "/me")
        user = as_object(body)
        if user is None:
            raise ProtocolError("GET /me answered something other than a user", body=body)
        self._user = user
        return user

    @classmethod
    def load(cls, path: str, base_url: str | None = None, **options: Any) -> Client:
        """A client with the tokens saved by :meth:`save`; later refreshes rewrite the file."""
        saved = read_tokens(path)
        client = cls(base_url or saved.get("base_url"), **options)
        client._set_tokens(saved.get("access_token"), saved.get("refresh_token"))
        client._token_path = path
        return client

    def _sign_in(self, path: str, payload: dict[str, str]) -> User:
        answer = as_object(self.request("POST", path, json=payload, authenticated=False))
        access_token, refresh_token = string(answer, "access_token"), string(answer, "refresh_token")
        user = None if answer is None else as_object(answer.get("user"))
        if access_token is None or refresh_token is None or user is None:
            raise ProtocolError(f"POST {path} answered without tokens and a user", body=answer)
        self._set_tokens(access_token, refresh_token)
        self._user = user
        self._tokens_changed()
        return user
