"""Errors raised by the client, built from Tessera's two error shapes.

The session, admin and self-service APIs answer ``{"errors": [{"message", "extensions": {"code"}}]}``;
the OAuth endpoints answer RFC 6749 ``{"error", "error_description"}``. Both become one of the
classes below, carrying the HTTP status, the code and the parsed body.
"""

from __future__ import annotations

from typing import Any

from ._json import as_list, as_object, string


class TesseraError(Exception):
    """Base of every error this package raises (network failures too, with ``status`` None)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.body = body


class AuthenticationError(TesseraError):
    """401: wrong credentials, an expired or revoked token, a session that has ended, no token at all."""


class PermissionError(TesseraError):
    """403: authenticated, but not allowed (not an admin, a disabled account signing in).

    It shadows the builtin ``PermissionError`` wherever it is imported by that name, so prefer
    ``tessera.PermissionError`` or ``from tessera import TesseraPermissionError``.
    """


TesseraPermissionError = PermissionError


class RateLimitError(TesseraError):
    """429 that the client did not wait out: ``retry_after`` seconds exceed the wait budget left."""

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None,
        status: int | None = 429,
        code: str | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message, status=status, code=code, body=body)
        self.retry_after = retry_after


class ProtocolError(TesseraError):
    """The server answered something this client cannot read (not JSON, a field missing)."""


def describe(status: int, body: Any) -> tuple[str, str | None]:
    """(message, code) of an error body in either shape, or a generic message for anything else."""
    envelope = as_object(body)
    if envelope is not None:
        errors = as_list(envelope.get("errors"))
        first = as_object(errors[0]) if errors else None
        if first is not None:
            code = string(as_object(first.get("extensions")), "code")
            return (string(first, "message") or f"HTTP {status}", code)
        error = string(envelope, "error")
        if error is not None:
            return (string(envelope, "error_description") or error, error)
    if isinstance(body, str) and body.strip():
        return (f"HTTP {status}: {body.strip()[:200]}", None)
    return (f"HTTP {status}", None)


def error_for(status: int, body: Any, retry_after: float | None = None) -> TesseraError:
    """The exception for a non-2xx answer."""
    message, code = describe(status, body)
    if status == 401:
        return AuthenticationError(message, status=status, code=code, body=body)
    if status == 403:
        return PermissionError(message, status=status, code=code, body=body)
    if status == 429:
        return RateLimitError(message, retry_after=retry_after, status=status, code=code, body=body)
    return TesseraError(message, status=status, code=code, body=body)
