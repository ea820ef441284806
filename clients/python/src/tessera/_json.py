"""Reading parsed JSON without trusting its shape."""

from __future__ import annotations

from typing import Any, cast

JsonObject = dict[str, Any]


def as_object(value: Any) -> JsonObject | None:
    return cast(JsonObject, value) if isinstance(value, dict) else None


def as_list(value: Any) -> list[Any] | None:
    return cast(list[Any], value) if isinstance(value, list) else None


def string(value: JsonObject | None, key: str) -> str | None:
    """``value[key]`` when ``value`` is an object and that field a string, else None."""
    field = None if value is None else value.get(key)
    return field if isinstance(field, str) else None
