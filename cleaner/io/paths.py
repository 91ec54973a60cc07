"""Where inputs are: files, directories, glob patterns, path lists, expanded
lazily and in a stable order (directories walked recursively, entries sorted
by name), so a run over a million files starts at once and two runs over the
same tree see the same order; and each input's stable id."""

from __future__ import annotations

import glob
import hashlib
import os
import re
from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

STDIN = "-"


GLOB_CHARS = frozenset("*?[")


class IdAllocator:
    """Stable ids: the input's file stem, suffixed -2, -3... when already taken.

    Ids handed out are remembered as 64-bit hashes in an open-addressing
    table (16 bytes an id), not as a set of strings (~90 bytes an id): on a
    crawl of millions of files the set was one of the main process's largest
    things. Two different ids with the same 64-bit hash (about one chance in
    10^8 at a million files) would only cost one id a needless suffix."""

    def __init__(self) -> None:
        self._table = array("Q", bytes(8 * 1024))  # 0 = empty slot
        self._count = 0

    @staticmethod
    def _hash(text: str) -> int:
        digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=8).digest()
        return int.from_bytes(digest, "little") or 1

    def _slot(self, value: int) -> int:
        """The slot holding `value`, or the empty one where it would go."""
        mask = len(self._table) - 1
        at = value & mask
        while self._table[at] not in (0, value):
            at = (at + 1) & mask
        return at

    def _add(self, value: int) -> None:
        if 2 * (self._count + 1) > len(self._table):
            old = self._table
            self._table = array("Q", bytes(16 * len(old)))
            for stored in old:
                if stored:
                    self._table[self._slot(stored)] = stored
        self._table[self._slot(value)] = value
        self._count += 1

    def allocate(self, wanted: str) -> str:
        wanted = wanted or "doc"
        candidate, n = wanted, 1
        value = self._hash(candidate)
        while self._table[self._slot(value)] == value:
            n += 1
            candidate = f"{wanted}-{n}"
            value = self._hash(candidate)
        self._add(value)
        return candidate


def stem(path: str) -> str:
    """The file name without its extension (os.path.splitext's rule: leading
    dots are not one), by string methods: it runs once per input file."""
    name = path.rstrip(os.sep).rpartition(os.sep)[2] or path
    dot = name.rfind(".")
    return name[:dot] if dot > 0 and name[:dot].lstrip(".") else name


def walk(directory: str) -> Iterator[str]:
    """Files under `directory`, sorted, recursively; hidden entries skipped;
    symlinked directories followed once (a link loop is not followed again)."""
    seen: set[tuple[int, int]] = set()

    def visit(path: str) -> Iterator[str]:
        try:
            st = os.stat(path)
        except OSError:
            return
        if (st.st_dev, st.st_ino) in seen:
            return
        seen.add((st.st_dev, st.st_ino))
        # Names only (a DirEntry per file would hold ~200 bytes for the whole
        # walk), and the few that are directories: the entry's type says so
        # without a stat per file (is_dir follows links, as os.path.isdir).
        directories: set[str] = set()
        try:
            listed = []
            with os.scandir(path) as entries:
                for entry in entries:
                    if not entry.name.startswith("."):
                        listed.append(entry.name)
                        if _is_dir(entry):
                            directories.add(entry.name)
            names = _Names(sorted(listed))
            del listed
        except OSError:
            return
        prefix = path if not path or path.endswith(os.sep) else path + os.sep  # what os.path.join adds
        for name in names:
            child = prefix + name
            if name in directories:
                yield from visit(child)
            else:
                yield child

    yield from visit(directory)


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


class _Names:
    """A directory's sorted names packed in one string, handed out one at a
    time: the list of name strings lived as long as the walk (~70 bytes a
    file, then fragmented heap once freed); packed, it is the names' own
    characters. NUL never occurs in a file name, so it separates them."""

    def __init__(self, names: list[str]) -> None:
        self._packed = "\0".join(names)
        self._empty = not names

    def __iter__(self) -> Iterator[str]:
        if self._empty:
            return
        start = 0
        while True:
            end = self._packed.find("\0", start)
            if end < 0:
                yield self._packed[start:]
                return
            yield self._packed[start:end]
            start = end + 1


def expand(inputs: Iterable[str]) -> Iterator[str]:
    """Paths from command-line inputs: files as given, directories walked,
    glob patterns expanded (sorted) when no file has that exact name."""
    for item in inputs:
        if item == STDIN:
            yield STDIN
        elif os.path.isdir(item):
            yield from walk(item)
        elif not os.path.lexists(item) and GLOB_CHARS & set(item):
            found = False
            for match in glob_files(item):
                found = True
                yield match
            if not found:
                yield item  # reported as not found
        else:
            yield item


def count(inputs: Iterable[str], stop: Callable[[], bool] = lambda: False) -> int | None:
    """How many documents `inputs` hold (stdin counts one), by listing
    directories and expanding globs, never opening a file; None once `stop()`
    says so (it is asked every thousand paths)."""
    total = 0
    for _ in expand(inputs):
        total += 1
        if total % 1000 == 0 and stop():
            return None
    return total


def glob_files(pattern: str) -> Iterator[str]:
    """Files matching a glob pattern, sorted; matched directories are walked.
    `**` (any depth) is matched against our own loop-safe, sorted walk rather
    than glob's, which follows symlink loops and reports a file once per level."""
    if "**" not in pattern:
        for match in sorted(glob.glob(pattern)):
            if os.path.isdir(match):
                yield from walk(match)
            else:
                yield match
        return
    parts = pattern.split(os.sep)
    static = []
    for part in parts:
        if GLOB_CHARS & set(part):
            break
        static.append(part)
    base = os.sep.join(static)
    regex = re.compile(_translate(pattern))
    root = base or os.curdir
    for path in walk(root):
        shown = path if base else os.path.relpath(path, os.curdir)
        if regex.fullmatch(shown):
            yield shown


def _translate(pattern: str) -> str:
    """A glob pattern as a regular expression: `**` spans directories, `*` and
    `?` do not, `[...]` is a character class."""
    sep = re.escape(os.sep)
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**" + os.sep, i):
            out.append(f"(?:.*{sep})?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append(f"[^{sep}]*")
            i += 1
        elif pattern[i] == "?":
            out.append(f"[^{sep}]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 2:]:
            end = pattern.index("]", i + 2)
            body = pattern[i + 1:end].replace("\\", "\\\\")
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return "".join(out)


def paths_from(stream: TextIO) -> Iterator[str]:
    """Paths listed one per line (as `find` prints them); blank lines skipped."""
    for line in stream:
        path = line.rstrip("\n").rstrip("\r")
        if path.strip():
            yield path


def printable(path: str) -> str:
    """A path as text that can be written anywhere: undecodable bytes become U+FFFD."""
    return path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
