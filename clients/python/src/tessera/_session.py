"""Authenticated requests to one Tessera: bearer tokens, one refresh per expiry, 429 waits."""

from __future__ import annotations

import os
import threading
import urllib.parse
from collections.abc import Mapping
from typing import Any

from ._http import Answer, json_body, send
from ._json import as_object, string
from ._rate_limit import retry_after, waiting_out_429
from ._token_file import write_tokens
from .errors import AuthenticationError, ProtocolError, TesseraError, error_for
from .token_provider import TokenProvider

Params = Mapping[str, Any]


class Session:
    """Base of :class:`tessera.Client`: the request machinery, without the sign-in methods."""

    def __init__(
        self,
        base_url: str | None = None,
        *,
        token: str | None = None,
        token_provider: TokenProvider | None = None,
        timeout: float = 30.0,
        max_rate_limit_wait: float = 10.0,
    ) -> None:
        base = base_url or os.environ.get("TESSERA_URL")
        if not base:
            raise ValueError("base_url is required (or set TESSERA_URL)")
        if urllib.parse.urlsplit(base).scheme not in ("http", "https"):
            raise ValueError(f"base_url must be an http(s) URL, not {base!r}")
        if token is not None and token_provider is not None:
            raise ValueError("pass either token or token_provider, not both")
        self.base_url = base.rstrip("/")
        self.timeout = timeout
        self.max_rate_limit_wait = max_rate_limit_wait
        self._token_provider = token_provider
        if token is None and token_provider is None:
            # Automation runs with a service account's token from the environment.
            token = os.environ.get("TESSERA_SERVICE_TOKEN") or None
        self._access_token: str | None = token
        self._refresh_token: str | None = None
        # Bumped whenever the tokens change: a thread whose request was refused with generation N
        # refreshes only if the tokens are still generation N, else it just retries with the new ones.
        self._generation = 0
        self._state_lock = threading.Lock()
        self._refresh_lock = threading.Lock()
        self._file_lock = threading.Lock()
        self._token_path: str | None = None

    @property
    def access_token(self) -> str | None:
        return self._access_token

    @access_token.setter
    def access_token(self, value: str | None) -> None:
        self._set_tokens(value, self._refresh_token)

    @property
    def refresh_token(self) -> str | None:
        return self._refresh_token

    @refresh_token.setter
    def refresh_token(self, value: str | None) -> None:
        self._set_tokens(self._access_token, value)

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Params | None = None,
        authenticated: bool = True,
    ) -> Any:
        """Sends a request and returns its JSON body (None for an empty one).

        A 401 is answered by one refresh and one retry (however many threads meet it at once); a
        429 is waited out while its Retry-After fits in ``max_rate_limit_wait``. Anything else that
        is not a 2xx raises the matching :class:`tessera.TesseraError`.
        """
        answer = self._exchange(method.upper(), self._url(path, params), json, authenticated)
        if 200 <= answer.status < 300:
            return answer.json_or_raise()
        raise self._error(answer)

    def get(self, path: str, params: Params | None = None) -> Any:
        return self.request("GET", path, params=params)

    def post(self, path: str, json: Any = None) -> Any:
        return self.request("POST", path, json=json)

    def patch(self, path: str, json: Any = None) -> Any:
        return self.request("PATCH", path, json=json)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def refresh(self) -> None:
        """Exchanges the refresh token for new tokens now (requests do this by themselves on a 401)."""
        with self._state_lock:
            generation = self._generation
        self._refresh_after(generation)

    def save(self, path: str) -> None:
        """Writes base_url and both tokens to ``path`` (mode 0600, atomically) and keeps the file
        current: every later login and refresh rewrites it, because a refresh rotates the refresh
        token and the saved one then stops working.
        """
        self._token_path = path
        self._write_token_file()

    def _exchange(self, method: str, url: str, payload: Any, authenticated: bool) -> Answer:
        data = None if payload is None else json_body(payload)
        if not authenticated:
            return self._send(method, url, None, data)
        bearer, generation = self._credentials()
        answer = self._send(method, url, bearer, data)
        if answer.status != 401:
            return answer
        if self._token_provider is not None:
            self._token_provider.invalidate(bearer)
        elif self._refresh_token is not None:
            self._refresh_after(generation)
        else:
            return answer
        bearer, _ = self._credentials()
        return self._send(method, url, bearer, data)

    def _credentials(self) -> tuple[str, int]:
        if self._token_provider is not None:
            return self._token_provider.token(), 0
        with self._state_lock:
            token, generation = self._access_token, self._generation
        if token is None:
            raise AuthenticationError(
                "no access token: sign in with login(), or pass a token (or set TESSERA_SERVICE_TOKEN)"
            )
        return token, generation

    def _refresh_after(self, generation: int) -> None:
        """One refresh for every thread that saw tokens of ``generation`` refused."""
        with self._refresh_lock:
            with self._state_lock:
                if self._generation != generation:
                    return  # another thread refreshed while this one waited for the lock
                refresh_token = self._refresh_token
            if refresh_token is None:
                raise AuthenticationError("the access token was refused and there is no refresh token")
            try:
                access_token, rotated = self._exchange_refresh_token(refresh_token)
            except AuthenticationError:
                # The session is over (logged out, revoked, expired): waiting threads must not retry it.
                with self._state_lock:
                    if self._generation == generation:
                        self._access_token, self._refresh_token = None, None
                        self._generation += 1
                raise
            self._set_tokens(access_token, rotated or refresh_token)
            self._tokens_changed()

    def _exchange_refresh_token(self, refresh_token: str) -> tuple[str, str | None]:
        """GET /token with the refresh token: a new access token and the rotated refresh token."""
        answer = self._send("GET", self._url("/token", None), refresh_token, None)
        if not 200 <= answer.status < 300:
            raise self._error(answer)
        body = as_object(answer.json_or_raise())
        access_token = string(body, "access_token")
        if access_token is None:
            raise ProtocolError(
                "GET /token answered without an access_token", status=answer.status, body=body
            )
        return access_token, string(body, "refresh_token")

    def _set_tokens(self, access_token: str | None, refresh_token: str | None) -> None:
        with self._state_lock:
            self._access_token, self._refresh_token = access_token, refresh_token
            self._generation += 1

    def _tokens_changed(self) -> None:
        if self._token_path is not None:
            self._write_token_file()

    def _write_token_file(self) -> None:
        path = self._token_path
        if path is None:
            return
        with self._file_lock:
            with self._state_lock:
                contents = {
                    "base_url": self.base_url,
                    "access_token": self._access_token,
                    "refresh_token": self._refresh_token,
                }
            write_tokens(path, contents)

    def _send(self, method: str, url: str, bearer: str | None, data: bytes | None) -> Answer:
        content_type = None if data is None else "application/json"

        def attempt() -> Answer:
            return send(
                method, url, bearer=bearer, data=data, content_type=content_type, timeout=self.timeout
            )

        return waiting_out_429(attempt, self.max_rate_limit_wait)

    def _url(self, path: str, params: Params | None) -> str:
        if path.startswith(("http://", "https://")):
            # Tokens go to this Tessera only, never to a URL that merely looks related.
            if not path.startswith(self.base_url + "/"):
                raise ValueError(f"{path} is not under {self.base_url}")
            url = path
        else:
            url = self.base_url + (path if path.startswith("/") else "/" + path)
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(params, doseq=True)
        return url

    @staticmethod
    def _error(answer: Answer) -> TesseraError:
        return error_for(answer.status, answer.body, retry_after(answer.headers))
