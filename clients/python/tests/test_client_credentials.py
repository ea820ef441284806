# pyright: reportPrivateUsage=false
"""The client-credentials token provider against a live Tessera (the client's tokens last 2 s)."""

from __future__ import annotations

import time
import unittest

import live

from tessera import AuthenticationError, ClientCredentials


class ClientCredentialsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.url = live.url()
        cls.client_id, cls.client_secret = live.machine_client()

    def provider(self) -> tuple[ClientCredentials, live.Counted]:
        provider = ClientCredentials(self.url, self.client_id, self.client_secret)
        fetches = live.Counted(provider._fetch)
        provider._fetch = fetches  # type: ignore[method-assign]
        return provider, fetches

    def test_one_token_request_for_several_calls_then_a_new_one_near_expiry(self) -> None:
        provider, fetches = self.provider()
        started = time.monotonic()
        tokens = [provider.token() for _ in range(5)]
        self.assertLess(time.monotonic() - started, 1.5, "too slow to observe the cache")
        self.assertEqual(len(set(tokens)), 1)
        self.assertEqual(fetches.calls, 1)
        claims = live.claims(tokens[0])
        self.assertEqual(claims["client_id"], self.client_id)
        self.assertEqual(claims["exp"] - claims["iat"], 2)

        # Renewed a tenth of its lifetime before it expires: after 1.8 s, whatever the rounding.
        time.sleep(max(0.0, started + 2.0 - time.monotonic()))
        renewed = provider.token()
        self.assertNotEqual(renewed, tokens[0])
        self.assertEqual(fetches.calls, 2)
        self.assertEqual(provider.token(), renewed)
        self.assertEqual(fetches.calls, 2)

    def test_threads_asking_at_once_share_one_token_request(self) -> None:
        provider, fetches = self.provider()
        tokens, errors = live.in_threads(10, provider.token)
        self.assertEqual(errors, [])
        self.assertEqual(len(set(tokens)), 1)
        self.assertEqual(fetches.calls, 1)

    def test_invalidate_drops_only_the_token_it_names(self) -> None:
        provider, fetches = self.provider()
        first = provider.token()
        provider.invalidate("some older token")
        self.assertEqual(provider.token(), first)
        provider.invalidate(first)
        self.assertNotEqual(provider.token(), first)
        self.assertEqual(fetches.calls, 2)

    def test_a_wrong_secret_is_an_authentication_error(self) -> None:
        provider = ClientCredentials(self.url, self.client_id, "tsk_" + "x" * 43)
        with self.assertRaises(AuthenticationError) as caught:
            provider.token()
        self.assertEqual(caught.exception.status, 401)
        self.assertEqual(caught.exception.code, "invalid_client")


if __name__ == "__main__":
    unittest.main()
