# pyright: reportPrivateUsage=false
"""Signing in, refreshing, signing out and keeping tokens on disk, against a live Tessera."""

from __future__ import annotations

import json
import os
import stat
import tempfile
import unittest

import live

from tessera import AuthenticationError, Client


class SessionTest(unittest.TestCase):
    aging: dict[str, Client]

    @classmethod
    def setUpClass(cls) -> None:
        cls.url = live.url()
        cls.username, cls.password = live.person()
        # Sessions whose access tokens are left to expire, signed in together so the waits overlap.
        cls.aging = {name: cls.signed_in() for name in ("refresh", "threads", "saved")}

    @classmethod
    def signed_in(cls) -> Client:
        client = Client(cls.url)
        client.login(cls.username, cls.password)
        return client

    def setUp(self) -> None:
        self.scratch = tempfile.mkdtemp(prefix="tessera-python-")

    def tearDown(self) -> None:
        for name in os.listdir(self.scratch):
            os.unlink(os.path.join(self.scratch, name))
        os.rmdir(self.scratch)

    def test_login_keeps_both_tokens_and_the_user(self) -> None:
        client = Client(self.url)
        user = client.login(self.username, self.password)
        self.assertEqual(user["username"], self.username)
        self.assertIs(user["can_run_pipelines"], True)
        self.assertEqual(user["groups"], ["staff"])
        self.assertIs(client.user, user)
        self.assertIsNotNone(client.access_token)
        self.assertIsNotNone(client.refresh_token)
        self.assertEqual(client.me()["id"], user["id"])

    def test_a_wrong_password_is_an_authentication_error(self) -> None:
        client = Client(self.url)
        with self.assertRaises(AuthenticationError) as caught:
            client.login(self.username, "wrong password")
        self.assertEqual(caught.exception.status, 401)
        self.assertEqual(caught.exception.code, "INVALID_CREDENTIALS")
        self.assertEqual(caught.exception.message, "Invalid username or password")
        self.assertIsNone(client.access_token)
        with self.assertRaises(AuthenticationError):
            client.me()  # no token: refused before any request

    def test_an_expired_access_token_is_refreshed_once_and_the_refresh_token_rotates(self) -> None:
        client = self.aging["refresh"]
        access_token, refresh_token = client.access_token, client.refresh_token
        assert access_token is not None
        live.wait_until_expired(access_token)
        with self.assertRaises(AuthenticationError):
            Client(self.url, token=access_token).me()  # really expired: no refresh token, no retry

        self.assertEqual(client.me()["username"], self.username)
        self.assertNotEqual(client.access_token, access_token)
        self.assertNotIn(client.refresh_token, (None, refresh_token))

    def test_twenty_threads_with_an_expired_token_share_one_refresh(self) -> None:
        client = self.aging["threads"]
        assert client.access_token is not None
        live.wait_until_expired(client.access_token)
        # Every thread that met the 401 enters _refresh_after; only one may reach the server. The
        # exchange is slowed so that the others arrive while it is in flight.
        entered = live.Counted(client._refresh_after)
        exchanged = live.Counted(client._exchange_refresh_token, delay=0.5)
        client._refresh_after = entered  # type: ignore[method-assign]
        client._exchange_refresh_token = exchanged  # type: ignore[method-assign]

        results, errors = live.in_threads(20, client.me)

        self.assertEqual(errors, [])
        self.assertEqual([user["username"] for user in results], [self.username] * 20)
        self.assertEqual(exchanged.calls, 1)
        self.assertGreaterEqual(entered.calls, 2, "the threads did not meet the expiry together")

    def test_logout_ends_the_session_and_forgets_the_tokens(self) -> None:
        client = self.signed_in()
        access_token = client.access_token
        client.logout()
        self.assertIsNone(client.access_token)
        self.assertIsNone(client.refresh_token)
        self.assertIsNone(client.user)
        with self.assertRaises(AuthenticationError) as caught:
            Client(self.url, token=access_token).me()
        self.assertEqual(caught.exception.code, "UNAUTHENTICATED")

    def test_save_writes_0600_atomically_and_load_starts_from_the_file(self) -> None:
        path = os.path.join(self.scratch, "tokens.json")
        client = self.signed_in()
        client.save(path)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(os.listdir(self.scratch), ["tokens.json"])  # no temporary file left behind
        with open(path) as handle:
            self.assertEqual(
                json.load(handle),
                {
                    "base_url": self.url,
                    "access_token": client.access_token,
                    "refresh_token": client.refresh_token,
                },
            )

        loaded = Client.load(path)
        self.assertEqual(loaded.base_url, self.url)
        self.assertEqual(loaded.access_token, client.access_token)
        self.assertEqual(loaded.me()["username"], self.username)

    def test_a_loaded_client_rewrites_the_file_when_it_refreshes(self) -> None:
        path = os.path.join(self.scratch, "tokens.json")
        saved = self.aging["saved"]
        saved.save(path)
        assert saved.access_token is not None
        live.wait_until_expired(saved.access_token)

        first_run = Client.load(path)
        self.assertEqual(first_run.me()["username"], self.username)  # refreshed: the refresh token rotated
        self.assertNotEqual(first_run.refresh_token, saved.refresh_token)
        with open(path) as handle:
            self.assertEqual(json.load(handle)["refresh_token"], first_run.refresh_token)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)

        second_run = Client.load(path)
        second_run.refresh()
        self.assertEqual(second_run.me()["username"], self.username)


if __name__ == "__main__":
    unittest.main()
