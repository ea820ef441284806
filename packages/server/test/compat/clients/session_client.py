#!/usr/bin/env python3
"""A session-API client as existing Python integrations write it (issue 8): stdlib only.

Usage:
  session_client.py BASE_URL TOKEN_FILE login USERNAME PASSWORD
      POST /login, save {"access_token", "refresh_token"} to TOKEN_FILE (mode 0600),
      print {"username", "groups", "can_run_pipelines"} of the returned user as JSON.
  session_client.py BASE_URL TOKEN_FILE refresh
      Start again from TOKEN_FILE: GET /token with the refresh token as the bearer, save the
      rotated tokens, GET /me with the new access token and print
      {"username", "groups", "can_run_pipelines"} as JSON.

On an HTTP error it prints {"status", "body"} to stdout and exits 2.
"""

import json
import os
import sys
import urllib.error
import urllib.request

TIMEOUT = 10


class HttpError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body


def call(method, url, token=None, payload=None):
    headers = {"Accept": "application/json"}
    data = None
    if payload is not None:
        data = json.dumps(payload).encode("utf-8")
        headers["Content-Type"] = "application/json"
    if token is not None:
        headers["Authorization"] = "Bearer " + token
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as error:
        raw = error.read().decode("utf-8")
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw
        raise HttpError(error.code, body) from None


def save_tokens(path, tokens):
    """Writes the tokens readable by the owner only, replacing the file atomically."""
    temporary = path + ".tmp"
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(tokens, handle)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def load_tokens(path):
    with open(path, "r") as handle:
        return json.load(handle)


def summary(user):
    return {
        "username": user["username"],
        "groups": user["groups"],
        "can_run_pipelines": user.get("can_run_pipelines", False),
    }


def main(argv):
    if len(argv) < 4:
        print(__doc__, file=sys.stderr)
        return 64
    base_url, token_file, command = argv[1].rstrip("/"), argv[2], argv[3]
    try:
        if command == "login" and len(argv) == 6:
            answer = call("POST", base_url + "/login", payload={"username": argv[4], "password": argv[5]})
            save_tokens(token_file, {"access_token": answer["access_token"], "refresh_token": answer["refresh_token"]})
            print(json.dumps(summary(answer["user"])))
            return 0
        if command == "refresh" and len(argv) == 4:
            tokens = load_tokens(token_file)
            answer = call("GET", base_url + "/token", token=tokens["refresh_token"])
            tokens = {
                "access_token": answer["access_token"],
                "refresh_token": answer.get("refresh_token", tokens["refresh_token"]),
            }
            save_tokens(token_file, tokens)
            user = call("GET", base_url + "/me", token=tokens["access_token"])
            print(json.dumps(summary(user)))
            return 0
    except HttpError as error:
        print(json.dumps({"status": error.status, "body": error.body}))
        return 2
    print(__doc__, file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv))
