"""oidc_login against a live Tessera whose federated provider issued the id_tokens (issue 18)."""

from __future__ import annotations

import unittest

import live

from tessera import AuthenticationError, Client, TesseraError


class OidcLoginTest(unittest.TestCase):
    def test_an_upstream_id_token_signs_in_once_and_a_second_one_is_the_same_account(self) -> None:
        url = live.url()
        issuer, subject = live.federated()
        first, second = live.id_tokens()

        client = Client(url)
        user = client.oidc_login(first)
        self.assertEqual(user["oidc_issuer"], issuer)
        self.assertEqual(user["oidc_subject"], subject)
        self.assertEqual(user["email"], "fed@acme.example")
        self.assertIs(client.user, user)
        self.assertIsNotNone(client.access_token)
        self.assertIsNotNone(client.refresh_token)
        self.assertEqual(live.claims(client.access_token or "")["sub"], user["id"])
        self.assertEqual(client.me()["id"], user["id"])

        # An id_token is accepted once: the replay is refused and leaves the other client alone.
        replaying = Client(url)
        with self.assertRaises(AuthenticationError) as caught:
            replaying.oidc_login(first)
        self.assertEqual(caught.exception.status, 401)
        self.assertIn("already been used", caught.exception.message)
        self.assertIsNone(replaying.access_token)
        self.assertIsNone(replaying.user)
        self.assertEqual(client.me()["id"], user["id"])

        again = Client(url)
        self.assertEqual(again.oidc_login(second)["id"], user["id"])
        again.logout()
        client.logout()

    def test_an_unverifiable_id_token_is_refused_and_no_token_is_kept(self) -> None:
        client = Client(live.url())
        with self.assertRaises(TesseraError) as caught:
            client.oidc_login("not.a.jwt")
        self.assertIn(caught.exception.status, (400, 401))
        self.assertIsNone(client.access_token)


if __name__ == "__main__":
    unittest.main()
