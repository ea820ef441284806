"""What a Client needs from something that hands out access tokens (e.g. ClientCredentials)."""

from __future__ import annotations

from typing import Protocol


class TokenProvider(Protocol):
    def token(self) -> str:
        """A current access token, fetched or cached."""
        ...

    def invalidate(self, token: str) -> None:
        """The server refused ``token``: forget it, if it is still the cached one."""
        ...
