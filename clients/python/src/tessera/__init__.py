"""Tessera's Python client: ``from tessera import Client``.

``tessera.PermissionError`` shadows the builtin wherever it is imported by that name; it is left
out of ``__all__`` so ``from tessera import *`` does not, and ``TesseraPermissionError`` is the
same class under a name that shadows nothing.
"""

from .client import Client
from .client_credentials import ClientCredentials
from .errors import (
    AuthenticationError,
    ProtocolError,
    RateLimitError,
    TesseraError,
    TesseraPermissionError,
)
from .errors import PermissionError as PermissionError  # re-exported, though not in __all__
from .token_provider import TokenProvider

__version__ = "0.1.0"

__all__ = [
    "AuthenticationError",
    "Client",
    "ClientCredentials",
    "ProtocolError",
    "RateLimitError",
    "TesseraError",
    "TesseraPermissionError",
    "TokenProvider",
]
