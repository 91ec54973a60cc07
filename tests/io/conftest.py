"""Shared by the tests of cleaner.io: making input files."""

from __future__ import annotations

import os


def make(root, *names: str, content: bytes = b"x") -> None:
    """Create files (and their parent directories) under `root`."""
    for name in names:
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content)
