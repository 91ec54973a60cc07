"""Where results go: JSON Lines, one .txt per document, JSON reports.

Files are written under a temporary name in the target directory and renamed
into place only when complete, so a crash never leaves a half-written file
under the final name.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
import tempfile
import unicodedata
from typing import IO, Any

import orjson

from ..document import Document

STDOUT = "-"
# Names Windows reserves whatever the extension: never produce them.
RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                  *(f"lpt{i}" for i in range(10))}
# File names are limited to 255 bytes on common file systems: keep the stem well
# under that, leaving room for a hash suffix, ".txt" and a temporary name.
MAX_NAME_BYTES = 180
# Buffer of the JSON Lines output and of the journal: a record is a few KB, so
# the default 8 KiB buffer made about one system call per document.
FILE_BUFFER = 1 << 20


class AtomicFile:
    """A text file that appears under its final name only when closed cleanly."""

    def __init__(self, path: str, encoding: str = "utf-8", binary: bool = False) -> None:
        self.path = path
        directory = os.path.dirname(os.path.abspath(path))
        short = _truncate_bytes(os.path.basename(path), 100)  # temp name must fit too
        try:
            fd, self._tmp = tempfile.mkstemp(prefix=f".{short}.", suffix=".tmp", dir=directory)
        except OSError as exc:  # name the file the user asked for, not our temporary one
            raise OSError(exc.errno, exc.strerror, path) from None
        self.handle: IO = (os.fdopen(fd, "wb", buffering=FILE_BUFFER) if binary
                           else os.fdopen(fd, "w", encoding=encoding, newline="\n"))

    def commit(self) -> None:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        os.replace(self._tmp, self.path)

    def abort(self) -> None:
        try:
            self.handle.close()
        finally:
            if os.path.exists(self._tmp):
                os.unlink(self._tmp)

    def __enter__(self) -> IO[str]:
        return self.handle

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
_CONSTANTS = {None: b"null", True: b"true", False: b"false"}
_KEYS: dict[str, bytes] = {}  # '"name": ' of the field names met, made once (up to 256)
try:  # the compiled kernel's respacing of orjson's compact JSON (cleaner/_fingerprint.c)
    from .._fingerprint import spaced_json_line as _spaced_json_line
except ImportError:  # built without a C compiler: field by field, as below
    _spaced_json_line = None
_SCALARS = frozenset({str, int, bool, type(None)})
# Floats orjson writes as float.__repr__ does: 0 and magnitudes in this range
# (below it orjson writes 1e-05 as 0.00001).
_REPR_FLOATS = (1e-4, 1e16)


def _orjson_writes_as_json(record: dict[str, Any]) -> bool:
    """Whether orjson writes every value of `record` as json.dumps does: None,
    booleans, integers, strings, lists of strings, and floats in
    _REPR_FLOATS. (Lone surrogates and integers beyond 64 bits make orjson
    raise; nested lists and dicts, such as --explain's, take the slower way.)"""
    low, high = _REPR_FLOATS
    for value in record.values():
        kind = type(value)
        if kind in _SCALARS:
            continue
        if kind is float:
            if value == 0.0 or low <= abs(value) < high:
                continue
            return False
        if kind is not list or not all(type(item) is str for item in value):
            return False
    return True


def dumps(record: dict[str, Any]) -> bytes:
    """One JSON line in UTF-8, text kept readable (no \\u escapes), items
    separated by ", " and ": ": exactly json.dumps(record, ensure_ascii=False,
    separators=(", ", ": ")), encoded. Strings go through orjson, straight to
    UTF-8 bytes: 1.6 us for a 2,600-character text where json takes 30 us.
    A record holding a lone surrogate (not UTF-8) is written with \\u escapes.
    Records of plain values (nearly all) are written by orjson in one call and
    respaced by the compiled kernel: ~7 us for a text dump's record instead of
    ~17 us field by field."""
    if _spaced_json_line is not None and _orjson_writes_as_json(record):
        try:
            return _spaced_json_line(orjson.dumps(record))
        except TypeError:  # lone surrogates, integers beyond 64 bits: field by field
            pass
    items = []
    try:
        for key, value in record.items():
            name = _KEYS.get(key)
            if name is None:
                name = orjson.dumps(key) + b": "
                if len(_KEYS) < 256:
                    _KEYS[key] = name
            kind = type(value)
            if kind is str:
                items.append(name + orjson.dumps(value))
            elif value is None or kind is bool:
                items.append(name + _CONSTANTS[value])
            elif kind is int:
                items.append(name + int.__repr__(value).encode("ascii"))
            elif kind is float and math.isfinite(value):
                items.append(name + float.__repr__(value).encode("ascii"))
            else:  # lists and dicts (repairs, explain), NaN and infinities
                items.append(name + _ENCODER.encode(value).encode("utf-8"))
    except (TypeError, UnicodeEncodeError):  # orjson and UTF-8 refuse lone surrogates
        return (json.dumps(record, separators=(", ", ": ")) + "\n").encode("ascii")
    return b"{" + b", ".join(items) + b"}\n"


class JsonlWriter:
    """Records to a file (atomically) or to standard output, as UTF-8 bytes.
    A `lazy` file is only created at the first record (or at close): a run
    killed before it writes anything leaves no temporary file behind."""

    def __init__(self, target: str = STDOUT, stream: IO | None = None, lazy: bool = False) -> None:
        self._target = target
        self._atomic: AtomicFile | None = None
        self._out: IO | None = None
        self._text = False  # the stream takes str (a StringIO), not bytes
        if target == STDOUT:
            stream = stream or sys.stdout
            self._out = getattr(stream, "buffer", None)
            if self._out is None:
                self._out, self._text = stream, True
        elif not lazy:
            self._open()

    def _open(self) -> IO:
        if self._out is None:
            self._atomic = AtomicFile(self._target, binary=True)
            self._out = self._atomic.handle
        return self._out

    def write(self, record: dict[str, Any]) -> None:
        self.write_line(dumps(record))

    def write_line(self, line: bytes) -> None:
        """A record already made by `dumps`."""
        (self._out or self._open()).write(line.decode("utf-8") if self._text else line)

    def flush(self) -> None:
        if self._out is not None:
            self._out.flush()

    def close(self, ok: bool = True) -> None:
        if self._target == STDOUT:
            self._out.flush()
        elif ok:
            self._open()  # an empty corpus is still a file
            self._atomic.commit()
        elif self._atomic is not None:
            self._atomic.abort()


def safe_filename(name: str) -> str:
    """A file name that stays inside its directory on any system: no separators,
    no leading dots, no control characters or reserved device names, bounded
    length in bytes (a hash of the full name keeps altered names distinct)."""
    cleaned = re.sub(r"[^\w.\-]+", "_", name, flags=re.UNICODE).strip("._") or "doc"
    device = unicodedata.normalize("NFKC", cleaned.split(".")[0]).lower()
    if device in RESERVED_NAMES:  # NFKC: Windows also reserves COM¹, LPT² ...
        cleaned = f"_{cleaned}"
    if cleaned != name or len(cleaned.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        digest = hashlib.sha1(name.encode("utf-8", "surrogatepass")).hexdigest()[:8]
        cleaned = f"{_truncate_bytes(cleaned, MAX_NAME_BYTES)}-{digest}"
    return cleaned


def _truncate_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 form fits in `limit` bytes."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")


class TextDirWriter:
    """One UTF-8 .txt file per written document in `directory`, each written
    atomically."""

    def __init__(self, directory: str) -> None:
        os.makedirs(directory, exist_ok=True)
        self.directory = directory
        self._used: set[str] = set()

    def write(self, doc: Document) -> str:
        base = safe_filename(doc.id)
        name, n = base, 1
        while name.lower() in self._used:
            n += 1
            name = f"{base}-{n}"
        self._used.add(name.lower())
        path = os.path.join(self.directory, name + ".txt")
        with AtomicFile(path) as handle:
            handle.write(doc.text)
            if doc.text and not doc.text.endswith("\n"):
                handle.write("\n")
        return path

    def flush(self) -> None:
        pass

    def close(self, ok: bool = True) -> None:
        pass


def write_json(path: str, data: dict[str, Any]) -> None:
    """A JSON object (a report), atomically; `-` writes to standard output.
    Values that are iterables but not lists (the cluster report) are written
    one item at a time, never held as a list."""
    if path == STDOUT:
        _dump_object(data, sys.stdout)
        return
    with AtomicFile(path) as handle:
        _dump_object(data, handle)


def _dump_object(data: dict[str, Any], out: IO[str]) -> None:
    def dumped(value: Any, indent: str) -> str:
        return json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n" + indent)

    out.write("{")
    for n, (name, value) in enumerate(data.items()):
        out.write(("," if n else "") + "\n  " + json.dumps(name, ensure_ascii=False) + ": ")
        if isinstance(value, (dict, list, tuple, str, int, float, bool)) or value is None:
            out.write(dumped(value, "  "))
            continue
        out.write("[")
        count = 0
        for count, item in enumerate(value, 1):
            out.write(("," if count > 1 else "") + "\n    " + dumped(item, "    "))
        out.write("\n  ]" if count else "]")
    out.write("\n}\n")
