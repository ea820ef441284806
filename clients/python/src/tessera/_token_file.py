"""Tokens on disk: readable by the owner only, replaced atomically so a crash never leaves half a file."""

from __future__ import annotations

import json
import os
import tempfile

from ._json import as_object, string


def write_tokens(path: str, contents: dict[str, str | None]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    # mkstemp creates the file 0600 in the target's directory, so os.replace is a rename on one
    # filesystem: readers see the old file or the new one, never a partial write.
    descriptor, temporary = tempfile.mkstemp(
        dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp"
    )
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(contents, handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def read_tokens(path: str) -> dict[str, str | None]:
    with open(path, "r", encoding="utf-8") as handle:
        contents = as_object(json.load(handle))
    if contents is None:
        raise ValueError(f"{path} does not hold a JSON object")
    return {key: string(contents, key) for key in ("base_url", "access_token", "refresh_token")}
