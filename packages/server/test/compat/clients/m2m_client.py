#!/usr/bin/env python3
"""A machine-to-machine client as existing Python integrations write it (issue 8): stdlib only.

Usage: m2m_client.py TOKEN_URL CLIENT_ID CLIENT_SECRET [METHOD API_URL]...

POSTs {"client_id", "client_secret", "grant_type": "client_credentials"} as JSON to TOKEN_URL,
then calls each API_URL with the token as the bearer, and prints
{"access_token", "token_type", "expires_in", "calls": [{"method", "url", "status", "body"}]}
as JSON. When the token request fails it prints {"status", "body"} and exits 2.
"""

import json
import sys
import urllib.error
import urllib.request

TIMEOUT = 10


def send(method, url, headers, data=None):
    """(status, parsed JSON body or raw text) of one request; HTTP errors are answers too."""
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            status, raw = response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read().decode("utf-8")
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw


def main(argv):
    if len(argv) < 4 or len(argv) % 2 != 0:
        print(__doc__, file=sys.stderr)
        return 64
    token_url, client_id, client_secret = argv[1:4]
    payload = json.dumps(
        {"client_id": client_id, "client_secret": client_secret, "grant_type": "client_credentials"}
    ).encode("utf-8")
    status, body = send(
        "POST",
        token_url,
        {"Content-Type": "application/json", "Accept": "application/json"},
        payload,
    )
    if status != 200:
        print(json.dumps({"status": status, "body": body}))
        return 2
    access_token = body["access_token"]
    calls = []
    for index in range(4, len(argv), 2):
        method, url = argv[index], argv[index + 1]
        call_status, call_body = send(
            method, url, {"Authorization": "Bearer " + access_token, "Accept": "application/json"}
        )
        calls.append({"method": method, "url": url, "status": call_status, "body": call_body})
    print(
        json.dumps(
            {
                "access_token": access_token,
                "token_type": body["token_type"],
                "expires_in": body["expires_in"],
                "calls": calls,
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
