"""Where results go: JSON Lines, one .txt per document, JSON reports.

Each file is opened by `outputs.open_output`: a regular (or new) file is
written under a temporary name beside it and renamed into place only when
complete, so a crash never leaves a half-written file under the final name;
a device, named pipe, socket or /dev/fd/N is written through in place.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sys
import unicodedata
from typing import IO, Any

import orjson

from ..document import Document
from .outputs import FILE_BUFFER, STDOUT, AtomicFile, InPlaceFile, open_output, truncate_bytes  # noqa: F401 (imported from here by the journal and the CLI)

# Names Windows reserves whatever the extension: never produce them.
RESERVED_NAMES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)),
                  *(f"lpt{i}" for i in range(10))}
# File names are limited to 255 bytes on common file systems: keep the stem well
# under that, leaving room for a hash suffix, ".txt" and a temporary name.
MAX_NAME_BYTES = 180


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(", ", ": "))
_CONSTANTS = {None: b"null", True: b"true", False: b"false"}
_KEYS: dict[str, bytes] = {}  # '"name": ' of the field names met, made once (up to 256)
try:  # the compiled kernel's respacing of orjson's compact JSON (cleaner/_native/_fingerprint.c)
    from .._native._fingerprint import spaced_json_line as _spaced_json_line
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
    """Records to a file (see `open_output`) or to standard output, as UTF-8
    bytes. A `lazy` file is only opened at the first record (or at close): a
    run killed before it writes anything leaves no temporary file behind, and
    a named pipe's reader is not met before there is something to give it."""

    def __init__(self, target: str = STDOUT, stream: IO | None = None, lazy: bool = False) -> None:
        self._target = target
        self._file: AtomicFile | InPlaceFile | None = None
        self._out: IO | AtomicFile | InPlaceFile | None = None
        self._text = False  # the stream takes str (a StringIO), not bytes
        if target == STDOUT:
            stream = stream or sys.stdout
            self._out = getattr(stream, "buffer", None)
            if self._out is None:
                self._out, self._text = stream, True
        elif not lazy:
            self._open()

    def _open(self) -> IO | AtomicFile | InPlaceFile:
        if self._out is None:
            self._file = open_output(self._target, binary=True)
            self._out = self._file  # its writes name the file when they fail
            if self._target.lower().endswith(COMPRESSED_SUFFIXES):
                self._file = self._out = CompressedFile(self._file, self._target)
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
            self._file.commit()
        elif self._file is not None:
            self._file.abort()


# JSON Lines compressed by the output's name: what readers of corpora open as such.
COMPRESSED_SUFFIXES = (".gz", ".zst")


class CompressedFile:
    """An output file (atomic or in place) behind a gzip or zstd compressor,
    chosen by the name's suffix; committing ends the stream, then the file."""

    def __init__(self, file: AtomicFile | InPlaceFile, name: str) -> None:
        self._file = file
        if name.lower().endswith(".gz"):
            import gzip

            self._stream = gzip.GzipFile(fileobj=file, mode="wb", compresslevel=6, mtime=0)
        else:
            import zstandard

            self._stream = zstandard.ZstdCompressor(level=3).stream_writer(file, closefd=False)

    def write(self, data: bytes) -> int:
        return self._stream.write(data)

    def flush(self) -> None:
        self._stream.flush()
        self._file.flush()

    def commit(self) -> None:
        self._stream.close()
        self._file.commit()

    def abort(self) -> None:
        try:
            self._stream.close()
        except Exception:  # the file is given up anyway
            pass
        self._file.abort()


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
        cleaned = f"{truncate_bytes(cleaned, MAX_NAME_BYTES)}-{digest}"
    return cleaned


class TextDirWriter:
    """One UTF-8 .txt file per written document in `directory`, each opened
    by `open_output` (atomically, unless the name is already a device or pipe)."""

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
        with open_output(path) as handle:
            handle.write(doc.text)
            if doc.text and not doc.text.endswith("\n"):
                handle.write("\n")
        return path

    def flush(self) -> None:
        pass

    def close(self, ok: bool = True) -> None:
        pass


def write_json(path: str, data: dict[str, Any]) -> None:
    """A JSON object (a report), to a file opened by `open_output`; `-`
    writes to standard output.
    Values that are iterables but not lists (the cluster report) are written
    one item at a time, never held as a list."""
    if path == STDOUT:
        _dump_object(data, sys.stdout)
        return
    with open_output(path) as handle:
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
