"""Access tokens for a machine client (client id + secret), cached until shortly before they expire."""

from __future__ import annotations

import base64
import os
import threading
import time
import urllib.parse
from typing import Callable

from ._http import Answer, send
from ._json import as_object, string
from ._rate_limit import retry_after, waiting_out_429
from .errors import ProtocolError, error_for

# A cached token is renewed this long before it expires (at most; a tenth of its lifetime when
# that is shorter), so a request never leaves with a token that expires on the way.
_EARLY_RENEWAL = 30.0


class ClientCredentials:
    """``grant_type=client_credentials`` at ``{base_url}/oauth/token``, thread-safe.

    ``token()`` returns the cached token while it has time left and otherwise fetches one; threads
    that ask while a fetch is in flight wait for it instead of fetching their own. Pass it to
    ``Client(base_url, token_provider=...)`` to call APIs with it, or call ``token()`` directly.
    """

    def __init__(
        self,
        base_url: str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        *,
        scope: str | None = None,
        timeout: float = 30.0,
        max_rate_limit_wait: float = 10.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        base = base_url or os.environ.get("TESSERA_URL")
        client_id = client_id or os.environ.get("TESSERA_CLIENT_ID")
        client_secret = client_secret or os.environ.get("TESSERA_CLIENT_SECRET")
        if not base or not client_id or not client_secret:
            raise ValueError(
                "base_url, client_id and client_secret are required "
                "(or TESSERA_URL, TESSERA_CLIENT_ID, TESSERA_CLIENT_SECRET)"
            )
        self.token_url = base.rstrip("/") + "/oauth/token"
        self.client_id = client_id
        self.scope = scope
        self.timeout = timeout
        self.max_rate_limit_wait = max_rate_limit_wait
        self._authorization = _basic(client_id, client_secret)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._token: str | None = None
        self._renew_at = 0.0

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._monotonic() >= self._renew_at:
                self._token, self._renew_at = self._fetch()
            return self._token

    def invalidate(self, token: str | None = None) -> None:
        """Drops the cached token (only if it is ``token``, when given: a stale refusal of an
        older token must not throw away the one that replaced it)."""
        with self._lock:
            if token is None or token == self._token:
                self._token = None

    def _fetch(self) -> tuple[str, float]:
        started = self._monotonic()
        fields = {"grant_type": "client_credentials"}
        if self.scope:
            fields["scope"] = self.scope
        data = urllib.parse.urlencode(fields).encode("ascii")

        def attempt() -> Answer:
            return send(
                "POST",
                self.token_url,
                headers={"Authorization": self._authorization},
                data=data,
                content_type="application/x-www-form-urlencoded",
                timeout=self.timeout,
            )

        answer = waiting_out_429(attempt, self.max_rate_limit_wait)
        if answer.status != 200:
            raise error_for(answer.status, answer.body, retry_after(answer.headers))
        body = as_object(answer.json_or_raise())
        token = string(body, "access_token")
        if body is None or token is None:
            raise ProtocolError("the token endpoint answered without an access_token", status=200, body=body)
        expires_in = body.get("expires_in")
        if not isinstance(expires_in, (int, float)) or isinstance(expires_in, bool) or expires_in <= 0:
            return token, started  # no lifetime given: use it once, fetch again next time
        return token, started + expires_in - min(_EARLY_RENEWAL, expires_in / 10)


def _basic(client_id: str, client_secret: str) -> str:
    # RFC 6749 §2.3.1: both parts form-urlencoded before base64.
    def encode(value: str) -> str:
        return urllib.parse.quote_plus(value, safe="")

    pair = f"{encode(client_id)}:{encode(client_secret)}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")
