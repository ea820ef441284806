"""Admin helpers over the admin API, and service tokens for automation, against a live Tessera."""

from __future__ import annotations

import builtins
import os
import unittest
from unittest import mock

import live

import tessera
from tessera import AuthenticationError, Client


class AdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls) -> None:
        cls.url = live.url()
        cls.admin = Client(cls.url)
        cls.admin.login(*live.admin())

    def test_a_service_account_token_from_the_environment_works_until_the_account_is_disabled(self) -> None:
        name = live.unique("robot")
        robot = self.admin.create_user(
            name, f"{name}@example.com", is_service_account=True, permissions=["can_run_pipelines"]
        )
        self.assertIs(robot["is_service_account"], True)
        issued = self.admin.generate_service_token(robot["id"], expires_in_days=30)
        self.assertEqual(sorted(issued), ["expires_at", "jti", "token"])

        with mock.patch.dict(os.environ, {"TESSERA_SERVICE_TOKEN": issued["token"]}):
            pipeline = Client(self.url)
        me = pipeline.me()
        self.assertEqual(me["username"], name)
        self.assertIs(me["can_run_pipelines"], True)

        self.assertIs(self.admin.disable_user(robot["id"])["disabled"], True)
        with self.assertRaises(AuthenticationError) as caught:
            pipeline.me()
        self.assertEqual(caught.exception.status, 401)

        self.assertIs(self.admin.enable_user(robot["id"])["disabled"], False)

    def test_a_revoked_service_token_alone_is_refused(self) -> None:
        name = live.unique("robot")
        robot = self.admin.create_user(name, f"{name}@example.com", is_service_account=True)
        first = self.admin.generate_service_token(robot["id"])
        second = self.admin.generate_service_token(robot["id"], expires_in_days=1)
        self.admin.revoke_service_token(first["jti"])
        with self.assertRaises(AuthenticationError):
            Client(self.url, token=first["token"]).me()
        self.assertEqual(Client(self.url, token=second["token"]).me()["username"], name)

    def test_a_person_gets_a_generated_password_once(self) -> None:
        name = live.unique("ada")
        person = self.admin.create_user(name, f"{name}@example.com", "Ada", "Lovelace", groups=["staff"])
        self.assertEqual((person["first_name"], person["last_name"]), ("Ada", "Lovelace"))
        self.assertIs(person["is_service_account"], False)
        client = Client(self.url)
        self.assertEqual(client.login(name, person["password"])["groups"], ["staff"])

    def test_a_non_admin_gets_a_permission_error_not_the_builtin(self) -> None:
        client = Client(self.url)
        client.login(*live.person())
        with self.assertRaises(tessera.PermissionError) as caught:
            client.create_user(live.unique("nope"), "nope@example.com")
        self.assertEqual(caught.exception.status, 403)
        self.assertEqual(caught.exception.code, "FORBIDDEN")
        self.assertIsInstance(caught.exception, tessera.TesseraError)
        self.assertNotIsInstance(caught.exception, builtins.PermissionError)
        self.assertIs(tessera.TesseraPermissionError, tessera.PermissionError)


if __name__ == "__main__":
    unittest.main()
