"""Documents from inputs: files read (decompressed), stdin, and the records
of crawls (warc.py) and of other tools' files (records.py). Where the inputs
are (directories, globs, path lists) and their ids: paths.py.

Every input becomes a `Document`; an input that cannot be opened becomes a
failed document with a reason rather than an exception.

For a cluster, `parts` plans the inputs as tasks read them on their own
(`part_documents`): a page file each, and crawl and record files in parts
(byte ranges of a WARC gzipped record by record or of JSON Lines, row groups
of Parquet), so no page passes through the process that plans them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

from ..document import CORRUPT, NOT_FOUND, TOO_LARGE, UNREADABLE, Document
from . import records, warc
from .compressed import CorruptInput, TooLarge, Window, members_follow_records
from .compressed import expand as expand_compressed
from .paths import GLOB_CHARS, STDIN, IdAllocator, expand, printable, stem


def read_limited(path: str, max_bytes: int) -> bytes:
    """The file's bytes; raises ValueError if it holds more than `max_bytes`."""
    with open(path, "rb") as handle:
        # read(n) allocates n bytes first: asking for the file's size (+1 to see
        # growth) instead of max_bytes saves a 64 MB allocation per file
        size = os.fstat(handle.fileno()).st_size
        data = handle.read(min(size, max_bytes) + 1)
        if len(data) > size:  # a pipe or /proc file (size 0), or a file still growing
            data += handle.read(max_bytes + 1 - len(data))
    if len(data) > max_bytes:
        raise ValueError(f"larger than --max-bytes ({max_bytes} bytes)")
    return data


def _not_found(path: str) -> str:
    """Why a missing input is missing, in the words its form suggests: a
    pattern matched nothing, a directory or a file does not exist."""
    if GLOB_CHARS & set(path):
        return "no file matches this pattern"
    if path.endswith(os.sep):
        return "no such directory"
    return "no such file or directory"


def load(doc: Document, max_bytes: int) -> Document:
    """Fill `doc.raw` from its source file (decompressed when it is gzip,
    bzip2, xz or zstd), or mark it dropped or failed with a reason."""
    return load_with_compression(doc, max_bytes)[0]


def load_with_compression(doc: Document, max_bytes: int) -> tuple[Document, str | None]:
    """`load`, and the compression the input was in (None: none). What
    `cleaner detect` shows: it must read inputs exactly as `clean` does."""
    if not doc.ok:
        return doc, None
    if doc.raw is None:
        path = doc.path or doc.source
        try:
            if os.path.isdir(path):
                return doc.fail(UNREADABLE, "is a directory"), None
            doc.raw = read_limited(path, max_bytes)
        except FileNotFoundError:
            return doc.fail(NOT_FOUND, _not_found(path)), None
        except PermissionError:
            return doc.fail(UNREADABLE, "permission denied"), None
        except ValueError as exc:
            return doc.drop(TOO_LARGE, str(exc)), None
        except OSError as exc:
            return doc.fail(UNREADABLE, exc.strerror or str(exc)), None
    try:
        doc.raw, compression = expand_compressed(doc.raw, max_bytes)
    except TooLarge as exc:
        doc.raw = None
        return doc.drop(TOO_LARGE, str(exc)), None
    except CorruptInput as exc:
        doc.raw = None
        return doc.fail(CORRUPT, str(exc)), None
    return doc, compression


def documents(inputs: Iterable[str], stdin: BinaryIO | None = None,
              max_bytes: int = 64 * 1024 * 1024,
              ids: IdAllocator | None = None, fields: records.RecordFields | None = None,
              input_format: str = "auto") -> Iterator[Document]:
    """One `Document` per input file (bytes not yet read), stdin read here;
    one per record of a crawl, a JSON Lines or a Parquet file (read here)."""
    ids = ids or IdAllocator()
    fields = fields or records.RecordFields()
    for path in expand(inputs):
        if path == STDIN:
            if stdin is not None:
                head = _peek(stdin)
                if warc.sniff(head):  # a crawl on stdin: its records, streamed
                    rest = stdin if len(head) == warc.SNIFF_BYTES else io.BytesIO()
                    stream = io.BufferedReader(_Prefixed(head, rest), warc.SNIFF_BYTES)
                    yield from warc.documents(lambda: stream, "<stdin>", "stdin", ids.allocate, max_bytes,
                                              rereadable=False)
                    continue
            doc = Document(id=ids.allocate("stdin"), source="<stdin>")
            if stdin is None:
                yield doc.fail(UNREADABLE, "no standard input")
                continue
            # a terminal's Ctrl-D ends one read only: past the end, read no more
            data = head if len(head) < warc.SNIFF_BYTES else head + stdin.read(max_bytes + 1 - len(head))
            if len(data) > max_bytes:
                yield doc.drop(TOO_LARGE, f"larger than --max-bytes ({max_bytes} bytes)")
                continue
            doc.raw = data
            yield doc
        else:
            shown = printable(path)
            kind = input_format if input_format != "auto" else _kind_of(path)
            if kind == "warc":  # a crawl: its records are the documents
                yield from warc.documents(lambda: open(path, "rb"), shown, stem(shown), ids.allocate, max_bytes)
                continue
            if kind in ("jsonl", "parquet"):  # another tool's records: one document each
                yield from _record_documents(path, shown, kind, ids, fields, max_bytes)
                continue
            yield Document(id=ids.allocate(stem(shown)), source=shown,
                           path=path if shown != path else None)


def _kind_of(path: str) -> str | None:
    """"warc", "jsonl" or "parquet" by a file's first bytes; None for a page
    (or a file named as one, which is not opened here)."""
    if warc.named_as_a_page(path):
        return None
    plain = warc.plain_head(warc.head_of(path), warc.SNIFF_BYTES)
    return "warc" if warc.is_archive(plain) else records.sniff(plain)


def _record_documents(path: str, shown: str, kind: str, ids: IdAllocator | _AsWanted,
                      fields: records.RecordFields, max_bytes: int, part: Part | None = None) -> Iterator[Document]:
    name = stem(shown)
    for suffix in (".jsonl", ".ndjson", ".json", ".parquet"):
        name = name[:-len(suffix)] if name.lower().endswith(suffix) else name
    try:
        if kind == "parquet":
            groups = None if part is None or part.end is None else (part.start, part.end, part.first)
            yield from records.parquet_documents(path, shown, name, ids.allocate, fields, max_bytes, groups)
            return
        if kind == "warc":
            span = (0, None) if part is None or part.end is None and not part.start else \
                warc.span_of(lambda: open(path, "rb"), part.start, part.end)
            if span is not None:
                yield from warc.documents(lambda: open(path, "rb"), shown, stem(shown), ids.allocate, max_bytes,
                                          span=span)
            return
        with open(path, "rb") as handle:
            head = handle.peek(warc.SNIFF_BYTES)[:warc.SNIFF_BYTES]
            stream = warc.decompressed(handle, head) if head[:2] == warc.GZIP or head[:4] == warc.ZSTD else handle
            first_line = 1
            if part is not None and (part.start or part.end is not None):  # a part of a plain file
                handle.seek(part.start)
                stream = handle if part.end is None else io.BufferedReader(Window(handle, part.end), 1 << 16)
                first_line = part.first
            yield from records.jsonl_documents(stream, shown, name, ids.allocate, fields, max_bytes, first_line)
    except FileNotFoundError:
        yield Document(id=ids.allocate(name), source=shown).fail(NOT_FOUND, _not_found(path))
    except OSError as exc:
        yield Document(id=ids.allocate(name), source=shown).fail(UNREADABLE, exc.strerror or str(exc))
    except (EOFError, ValueError) as exc:  # a compressed stream that breaks off
        yield Document(id=ids.allocate(name), source=shown).fail(CORRUPT, f"the file breaks off ({exc})")


def _peek(stream: BinaryIO) -> bytes:
    """The first bytes of a stream, read (they are given back by _Prefixed);
    fewer than SNIFF_BYTES only at its end."""
    head = b""
    read = getattr(stream, "read1", stream.read)  # one read at a time: a terminal's Ctrl-D ends one only
    while len(head) < warc.SNIFF_BYTES:
        more = read(warc.SNIFF_BYTES - len(head))
        if not more:
            break
        head += more
    return head


class _Prefixed(io.RawIOBase):
    """A stream with bytes already read from it put back in front."""

    def __init__(self, prefix: bytes, stream: BinaryIO) -> None:
        self._prefix, self._stream = prefix, stream

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._prefix:
            n = min(len(buffer), len(self._prefix))
            buffer[:n] = self._prefix[:n]
            self._prefix = self._prefix[n:]
            return n
        data = self._stream.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


# A part of a crawl or record file is at most PART_BYTES (its records come
# back as one result), or KEPT_PART_BYTES when the cluster keeps the records
# (a task costs the driver ~110 KB of bookkeeping: docs/scaling.md); a
# smaller file is cut into `min_parts` parts (every CPU busy, evenly), none
# under MIN_PART_BYTES.
PART_BYTES = 16 << 20
KEPT_PART_BYTES = 128 << 20
MIN_PART_BYTES = 1 << 20


@dataclass(frozen=True)
class Part:
    """A crawl or record file, or a part of one, as one task reads it: bytes
    [start, end) of a WARC gzipped record by record (the records that start
    there) or of a plain JSON Lines file (whole lines, the first numbered
    `first`), row groups [start, end) of a Parquet file (the first row
    numbered `first`); the whole file when `end` is None."""

    path: str
    shown: str
    kind: str  # "warc", "jsonl" or "parquet"
    start: int = 0
    end: int | None = None
    first: int = 1


class _AsWanted:
    """Ids as the inputs want them: a task cannot know which are taken, the
    process that plans the tasks allocates them as their results come."""

    @staticmethod
    def allocate(wanted: str) -> str:
        return wanted or "doc"


def parts(inputs: Iterable[str], stdin: BinaryIO | None = None, max_bytes: int = 64 * 1024 * 1024,
          fields: records.RecordFields | None = None, input_format: str = "auto",
          part_bytes: int | None = None, min_parts: int = 1, largest: int | None = None
          ) -> Iterator[Document | Part]:
    """The inputs as tasks read them: a Document per page file (not read),
    a Part per part of a crawl or record file (of `part_bytes`, or sized as
    PART_BYTES, or `largest`, says), and what stdin holds (read here). Ids
    are those wanted (see _AsWanted)."""
    fields = fields or records.RecordFields()
    for path in expand(inputs):
        if path == STDIN:
            yield from documents([path], stdin, max_bytes, _AsWanted(), fields, input_format)  # type: ignore[arg-type]
            continue
        shown = printable(path)
        kind = input_format if input_format != "auto" else _kind_of(path)
        if kind not in ("warc", "jsonl", "parquet"):
            yield Document(id=_AsWanted.allocate(stem(shown)), source=shown, path=path if shown != path else None)
            continue
        try:
            total = os.path.getsize(path)
            size = part_bytes or min(largest or PART_BYTES, max(MIN_PART_BYTES, -(-total // min_parts)))
            ranges = _ranges(path, kind, size, total)
        except OSError:
            ranges = [(0, None, 1)]  # the task that reads it says why it cannot
        for start, end, first in ranges:
            yield Part(path, shown, kind, start, end, first)


def part_documents(part: Part, max_bytes: int, fields: records.RecordFields) -> Iterator[Document]:
    """The documents of a Part, read here (a task); ids as wanted."""
    yield from _record_documents(part.path, part.shown, part.kind, _AsWanted(), fields, max_bytes, part)


def _ranges(path: str, kind: str, size: int, total: int) -> list[tuple[int, int | None, int]]:
    """(start, end, first) of each part of a file of `total` bytes (one: the whole file)."""
    whole = [(0, None, 1 if kind == "jsonl" else 0)]
    if kind == "parquet":
        import pyarrow.parquet as pq

        try:
            meta = pq.ParquetFile(path).metadata
        except Exception:  # damaged: the task reading it says so
            return whole
        out, first, row, held = [], 0, 0, 0
        for group in range(meta.num_row_groups):
            held += meta.row_group(group).total_byte_size
            if held >= size or group == meta.num_row_groups - 1:
                out.append((first, group + 1, row))
                row += sum(meta.row_group(g).num_rows for g in range(first, group + 1))
                first, held = group + 1, 0
        return out or whole
    if total <= size:
        return whole
    head = warc.head_of(path)
    if head[:2] == warc.GZIP and kind == "warc":
        if warc.plain_head(head).lstrip(b"\r\n").startswith(b"filedesc://") or \
                not members_follow_records(lambda: open(path, "rb")):
            return whole  # an ARC file, or gzip as a whole: one stream, one task
        cuts = list(range(0, total, size))
        return [(cut, cuts[i + 1] if i + 1 < len(cuts) else None, 0) for i, cut in enumerate(cuts)]
    if kind == "jsonl" and head[:2] != warc.GZIP and head[:4] != warc.ZSTD:
        return _line_ranges(path, size)
    return whole


def _line_ranges(path: str, size: int) -> list[tuple[int, int | None, int]]:
    """Parts of a plain JSON Lines file of about `size` bytes, each starting
    at a line start, with that line's number (the file is read once here,
    to count lines)."""
    starts = [(0, 1)]
    target, at, lines = size, 0, 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 22):
            while target < at + len(chunk):
                newline = chunk.find(b"\n", max(0, target - at - 1))
                if newline < 0:
                    break
                starts.append((at + newline + 1, lines + chunk.count(b"\n", 0, newline + 1) + 1))
                target = at + newline + 1 + size
            lines += chunk.count(b"\n")
            at += len(chunk)
    starts = [(offset, number) for offset, number in starts if offset < at]
    return [(offset, starts[i + 1][0] if i + 1 < len(starts) else None, number)
            for i, (offset, number) in enumerate(starts)]

