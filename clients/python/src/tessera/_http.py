"""One HTTP exchange over urllib, answered as (status, headers, parsed body) whatever the status."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ProtocolError, TesseraError

USER_AGENT = "tessera-python/0.1.0"


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: Any
    """Parsed JSON; the raw text when it is not JSON; None when empty."""

    def json_or_raise(self) -> Any:
        """The body of a success, which must be JSON (or empty)."""
        if isinstance(self.body, str):
            raise ProtocolError(f"expected JSON, got {self.body[:100]!r}", status=self.status, body=self.body)
        return self.body


def send(
    method: str,
    url: str,
    *,
    bearer: str | None = None,
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
    content_type: str | None = None,
    timeout: float,
) -> Answer:
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Accept", "application/json")
    request.add_header("User-Agent", USER_AGENT)
    if content_type is not None:
        request.add_header("Content-Type", content_type)
    for name, value in (headers or {}).items():
        # Unredirected: a redirect to another host must not carry credentials along.
        request.add_unredirected_header(name, value)
    if bearer is not None:
        request.add_unredirected_header("Authorization", "Bearer " + bearer)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        with error:
            return _answer(error.code, error.headers, error.read())
    except (urllib.error.URLError, socket.timeout, ConnectionError) as error:
        reason = getattr(error, "reason", error)
        raise TesseraError(f"{method} {url} failed: {reason}") from error


def json_body(payload: Any) -> bytes:
    return json.dumps(payload).encode("utf-8")


def _answer(status: int, raw_headers: Any, raw: bytes) -> Answer:
    headers: dict[str, str] = {}
    if raw_headers is not None:
        for name, value in raw_headers.items():
            headers[name.lower()] = value
    return Answer(status=status, headers=headers, body=_parse(raw))


def _parse(raw: bytes) -> Any:
    text = raw.decode("utf-8", errors="replace")
    if not text.strip():
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text
