"""Helpers over the admin API (``/admin/api/…``); the caller must be an administrator."""

from __future__ import annotations

import urllib.parse
from typing import Any

from ._json import as_object
from ._session import Session
from .errors import ProtocolError

User = dict[str, Any]


class AdminApi(Session):
    def create_user(
        self,
        username: str,
        email: str,
        first_name: str | None = None,
        last_name: str | None = None,
        *,
        password: str | None = None,
        is_admin: bool = False,
        is_service_account: bool = False,
        groups: list[str] | None = None,
        permissions: list[str] | None = None,
    ) -> User:
        """Creates a person or, with ``is_service_account=True``, a service account.

        Returns the user object; a person created without ``password`` carries the generated one
        as ``password`` (shown this once).
        """
        body: dict[str, Any] = {"username": username, "email": email}
        optional = {
            "first_name": first_name,
            "last_name": last_name,
            "password": password,
            "groups": groups,
            "permissions": permissions,
        }
        body.update({key: value for key, value in optional.items() if value is not None})
        if is_admin:
            body["is_admin"] = True
        if is_service_account:
            body["is_service_account"] = True
        return _object(self.post("/admin/api/users", body))

    def generate_service_token(self, user_id: str, expires_in_days: int = 365) -> dict[str, Any]:
        """A long-lived token for a service account: ``{"token", "jti", "expires_at"}``, the token
        shown this once (1 to 365 days)."""
        path = f"/admin/api/users/{_segment(user_id)}/service-tokens"
        return _object(self.post(path, {"expires_in_days": expires_in_days}))

    def revoke_service_token(self, jti: str) -> None:
        """That token alone is refused from now on."""
        self.delete(f"/admin/api/service-tokens/{_segment(jti)}")

    def disable_user(self, user_id: str) -> User:
        """Ends every session of the account and refuses all its tokens at once."""
        return _object(self.post(f"/admin/api/users/{_segment(user_id)}/disable"))

    def enable_user(self, user_id: str) -> User:
        """Lets the account sign in again (its ended sessions stay ended)."""
        return _object(self.post(f"/admin/api/users/{_segment(user_id)}/enable"))


def _segment(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def _object(body: Any) -> dict[str, Any]:
    value = as_object(body)
    if value is None:
        raise ProtocolError("expected a JSON object", body=body)
    return value
