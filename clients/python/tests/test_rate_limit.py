"""429s against a live Tessera that allows 2 GET /me per token per 1-second window."""

from __future__ import annotations

import time
import unittest

import live

from tessera import Client, RateLimitError


class RateLimitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.url = live.limited_url()
        cls.username, cls.password = live.person()

    def test_a_429_is_waited_out_within_the_budget(self) -> None:
        client = Client(self.url)
        client.login(self.username, self.password)
        started = time.monotonic()
        users = [client.me() for _ in range(5)]
        elapsed = time.monotonic() - started
        self.assertEqual([user["username"] for user in users], [self.username] * 5)
        # Five calls at two per window cross two window boundaries: the client waited for them.
        self.assertGreaterEqual(elapsed, 1.0)

    def test_a_retry_after_beyond_the_budget_raises_at_once(self) -> None:
        client = Client(self.url, max_rate_limit_wait=0.5)
        client.login(self.username, self.password)
        for _ in range(10):
            started = time.monotonic()
            try:
                client.me()
            except RateLimitError as error:
                took = time.monotonic() - started
                self.assertEqual(error.retry_after, 1)
                self.assertEqual(error.status, 429)
                self.assertEqual(error.code, "RATE_LIMITED")
                self.assertLess(took, 0.9, "the client slept on a Retry-After beyond its budget")
                return
        self.fail("ten calls at two per second never met a 429")


if __name__ == "__main__":
    unittest.main()
