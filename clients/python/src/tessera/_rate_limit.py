"""Waiting out a 429 within a budget, so a script neither hammers the server nor blocks for long."""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping
from typing import Callable

from ._http import Answer

# A Retry-After of 0 (or a past date) still waits this long, so a retry loop never spins.
_SHORTEST_WAIT = 0.05
# What a 429 without Retry-After waits (Tessera always sends one).
_DEFAULT_WAIT = 1.0


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), None if absent or unreadable."""
    value = headers.get("retry-after")
    if value is None:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def waiting_out_429(
    attempt: Callable[[], Answer],
    budget: float,
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> Answer:
    """Calls ``attempt`` until it is not a 429, sleeping each Retry-After, as long as the total stays
    within ``budget`` seconds. A 429 whose wait would pass the budget is returned at once (the
    caller raises RateLimitError), never slept on.
    """
    started = monotonic()
    while True:
        answer = attempt()
        if answer.status != 429:
            return answer
        delay = retry_after(answer.headers)
        wait = max(_SHORTEST_WAIT, _DEFAULT_WAIT if delay is None else delay)
        if monotonic() - started + wait > budget:
            return answer
        sleep(wait)
