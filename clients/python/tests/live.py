"""The live Tessera these tests run against, as packages/server/test/compat/python-package.test.ts
starts and seeds it (the tests skip themselves when run without it)."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import unittest
import uuid
from typing import Any, Callable, TypeVar

T = TypeVar("T")


def setting(name: str) -> str:
    value = os.environ.get(name)
    if not value:
        raise unittest.SkipTest(
            f"{name} is not set: run through packages/server/test/compat/python-package.test.ts"
        )
    return value


def url() -> str:
    """A Tessera with a 3-second session access-token lifetime."""
    return setting("TESSERA_TEST_URL")


def limited_url() -> str:
    """A Tessera that allows 2 GET /me per token per 1-second window."""
    return setting("TESSERA_TEST_LIMITED_URL")


def person() -> tuple[str, str]:
    """A person with the can_run_pipelines permission, on both servers."""
    return setting("TESSERA_TEST_USERNAME"), setting("TESSERA_TEST_PASSWORD")


def admin() -> tuple[str, str]:
    return setting("TESSERA_TEST_ADMIN_USERNAME"), setting("TESSERA_TEST_ADMIN_PASSWORD")


def machine_client() -> tuple[str, str]:
    """A client-credentials client whose access tokens last 2 seconds."""
    return setting("TESSERA_TEST_CLIENT_ID"), setting("TESSERA_TEST_CLIENT_SECRET")


def federated() -> tuple[str, str]:
    """(issuer, subject) of the upstream account the id_tokens are for; the upstream is an
    identity provider of :func:`url`'s server."""
    return setting("TESSERA_TEST_OIDC_ISSUER"), setting("TESSERA_TEST_OIDC_SUBJECT")


def id_tokens() -> tuple[str, str]:
    """Two fresh id_tokens of that account; each is accepted once (a replay is refused)."""
    return setting("TESSERA_TEST_ID_TOKEN"), setting("TESSERA_TEST_ID_TOKEN_2")


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def claims(token: str) -> dict[str, Any]:
    payload = token.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return decoded


def wait_until_expired(token: str) -> None:
    """Sleeps until the server (same machine, same clock) refuses ``token`` as expired."""
    remaining = claims(token)["exp"] + 0.1 - time.time()
    assert remaining < 10, f"token expires in {remaining:.1f}s: not a short-lived test token"
    if remaining > 0:
        time.sleep(remaining)


class Counted:
    """Wraps a callable and counts its calls (thread-safe), optionally slowing each one down."""

    def __init__(self, wrapped: Callable[..., Any], delay: float = 0.0) -> None:
        self.wrapped = wrapped
        self.delay = delay
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            self.calls += 1
        if self.delay:
            time.sleep(self.delay)
        return self.wrapped(*args, **kwargs)


def in_threads(
    count: int, work: Callable[[], T], timeout: float = 20.0
) -> tuple[list[T], list[BaseException]]:
    """Runs ``work`` in ``count`` threads released together; (results, errors), each thread bounded."""
    barrier = threading.Barrier(count, timeout=timeout)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            barrier.wait()
            result = work()
            with lock:
                results.append(result)
        except BaseException as error:  # noqa: BLE001 - reported to the test
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=run, daemon=True) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    return results, errors
