"""oidc_login against a live Tessera, once it serves POST /oidc-login (federated sign-in, issue 18)."""

from __future__ import annotations

import json
import unittest
import urllib.error
import urllib.request

import live

from tessera import Client, TesseraError


def served(url: str) -> bool:
    """Whether the server has the route at all (404 until federated sign-in lands)."""
    request = urllib.request.Request(
        url + "/oidc-login",
        data=json.dumps({"id_token": "probe"}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10):
            return True
    except urllib.error.HTTPError as error:
        return error.code != 404


class OidcLoginTest(unittest.TestCase):
    def test_an_unverifiable_id_token_is_refused_and_no_token_is_kept(self) -> None:
        url = live.url()
        if not served(url):
            self.skipTest("POST /oidc-login is not served by this Tessera yet (federated sign-in, issue 18)")
        client = Client(url)
        with self.assertRaises(TesseraError) as caught:
            client.oidc_login("not.a.jwt")
        self.assertIn(caught.exception.status, (400, 401))
        self.assertIsNone(client.access_token)


if __name__ == "__main__":
    unittest.main()
