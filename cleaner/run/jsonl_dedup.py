"""`cleaner dedup`: near-duplicate fields added to JSON Lines made by any tool.

Records are read once: their text goes into signatures (in batches, the same
vectorised path as `cleaner clean`), the line itself into a temporary spool.
After grouping, each spooled line is written back with the duplicate fields
appended to the object as it was, so every other field, its order and its
formatting survive. Memory holds the index and the ids, not the texts.
`duplicate_fields` gives the same fields for `cleaner clean` (run/finishing.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

import numpy as np

from ..dedup import minhash
from ..dedup.index import CorpusIndex, Grouping, date_number, fingerprints, report_clusters
from ..document import DUPLICATE_FIELDS, Options
from ..io.writers import dumps as record_line
from .failures import NO_TEXT, NOT_JSON, NOT_OBJECT, TEXT_NOT_STRING, InvalidRecords, Problem
from .journal import loads as parse_json


class IdTable:
    """Document ids by input-order key, packed in one buffer (a few bytes each
    beyond the id itself, instead of a Python string object per document)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q", [0])  # 8 bytes a document, not a Python int

    def append(self, doc_id: str) -> None:
        self._data += doc_id.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends) - 1

    def __getitem__(self, key: int) -> str:
        if not -len(self) <= key < len(self):
            raise IndexError(key)
        key %= len(self)
        return self._data[self._ends[key]:self._ends[key + 1]].decode("utf-8", "surrogatepass")


@dataclass
class DedupStats:
    read: int = 0
    written: int = 0
    flagged: int = 0
    dropped: int = 0
    invalid: int = 0
    bytes_in: int = 0
    clusters: Any = field(default_factory=list)  # a dedup.ClusterReport: len() and iteration
    # What was wrong with the invalid lines: to name them, not only count them.
    invalid_records: InvalidRecords = field(default_factory=InvalidRecords)


class NoValidRecords(ValueError):
    """No line of the input is a JSON object with a string text: nothing to
    deduplicate, and passing it all through would hide the mistake (the
    wrong --text-field, or a file that is not JSON Lines)."""

    def __init__(self, invalid: InvalidRecords) -> None:
        super().__init__("no record has a string text")
        self.invalid = invalid


def duplicate_fields(key: int, root: int, grouping: Grouping, ids: IdTable, names=DUPLICATE_FIELDS) -> dict:
    """The duplicate fields of a grouped document (`root`: its kept one), in
    the output record's order."""
    out = dict.fromkeys(names)
    out["cluster"] = ids[root]
    if root < 0:  # kept by a document of an earlier run (a persistent index)
        out["duplicate_run"] = grouping.earlier[root][1]
    if root != key:
        out["duplicate_of"] = ids[root]
        out["similarity"] = grouping.similarity_of(key)
    if key in grouping.contained_in:
        container, score = grouping.contained_in[key]
        out["contained_in"], out["containment"] = ids[container], score
    return out


def _roots(grouping: Grouping, count: int) -> np.ndarray:
    """The kept document's key for each of `count` keys, -1 when not grouped
    (8 bytes a document, read once per line while writing)."""
    roots = np.full(count, -1, dtype=np.int64)
    roots[grouping.keys] = grouping.roots
    return roots


# What `cleaner dedup` adds to a record (no persistent index: no duplicate_run).
_RECORD_FIELDS = tuple(name for name in DUPLICATE_FIELDS if name != "duplicate_run")
_NO_DUPLICATE = dict.fromkeys(_RECORD_FIELDS)


def _append_fields(line: bytes, extra: dict | None, has_ours: bool) -> bytes:
    """The JSON object of `line` with the duplicate fields appended (`extra`,
    or all null when None), the bytes of the rest untouched. A record that
    already has fields of those names (`has_ours`) is rewritten instead."""
    if has_ours:
        record = parse_json(line)
        record.update(extra or _NO_DUPLICATE)
        return json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"
    addition = _ADDITION_OF_NONE if extra is None else json.dumps(extra, ensure_ascii=False)[1:-1].encode("utf-8")
    end = line.rfind(b"}")  # a valid record ends with its object's brace
    inner = end
    while inner > 0 and line[inner - 1] in b" \t\r\n":
        inner -= 1
    separator = b"" if line[inner - 1:inner] == b"{" else b", "
    return b"".join((line[:inner], separator, addition, b"}\n"))


_ADDITION_OF_NONE = json.dumps(_NO_DUPLICATE)[1:-1].encode("utf-8")
BATCH = 256


@dataclass
class LineBatch:
    """Fingerprints and fields of a batch of JSON Lines, one entry per line."""

    sigs: np.ndarray  # lines x num_perm uint32
    counts: np.ndarray  # distinct shingles (uint32)
    lengths: np.ndarray  # text length in characters (int64)
    dates: np.ndarray  # date_number of a string "date" field (int64)
    ids: list[str]
    valid: np.ndarray  # bool: a JSON object with a string text
    ours: np.ndarray  # bool: it already has a field named like one cleaner adds
    problems: list[Problem] = field(default_factory=list)  # why each invalid line is


def read_batch(job: tuple[list[bytes], list[int], Options, str, str]) -> LineBatch:
    """Parse and fingerprint a batch of lines (runs in worker processes).

    The kernel reads most lines in place; the rest (and every line without
    the kernel) are parsed here, where json decides what is valid. Line
    numbers name records without an id, as `line N`."""
    lines, numbers, options, id_field, text_field = job
    size = len(lines)
    fast = None
    if id_field != text_field and text_field != "date":
        fast = minhash.fingerprint_json_lines(lines, text_field, id_field, options.num_perm,
                                              options.ngram, options.seed)
    if fast is None:
        sigs = np.full((size, options.num_perm), minhash.UINT32_MAX, dtype=np.uint32)
        counts = np.zeros(size, dtype=np.uint32)
        spans = np.ones((size, 6), dtype=np.int64)
    else:
        sigs, counts, spans = fast
    lengths = spans[:, 1].copy()
    dates = np.full(size, date_number(None), dtype=np.int64)
    valid = np.ones(size, dtype=bool)
    ours = (spans[:, 0] & 2) != 0 if fast is not None else np.zeros(size, dtype=bool)
    ids: list[str] = []
    slow: list[int] = []
    slow_texts: list[str] = []
    problems: list[Problem] = []
    for i, line in enumerate(lines):
        if spans[i, 0] & 1 == 0:
            doc_id = _field_text(line, spans[i, 2], spans[i, 3])
            ids.append(f"line {numbers[i] + 1}" if doc_id is None else doc_id)
            if spans[i, 4] >= 0:
                date = parse_json(line[spans[i, 4]:spans[i, 5]])
                dates[i] = date_number(date if isinstance(date, str) else None)
            continue
        record, problem = _parsed(line, numbers[i] + 1, text_field)
        if problem is not None:
            valid[i] = False
            ids.append(f"line {numbers[i] + 1}")
            problems.append(problem)
            continue
        ids.append(str(record.get(id_field, f"line {numbers[i] + 1}")))
        ours[i] = any(name in record for name in _NO_DUPLICATE)
        date = record.get("date")
        dates[i] = date_number(date if isinstance(date, str) else None)
        lengths[i] = len(record[text_field])
        slow.append(i)
        slow_texts.append(record[text_field])
    if slow:
        slow_sigs, slow_counts = fingerprints(slow_texts, options.num_perm, options.ngram, options.seed)
        sigs[slow], counts[slow] = slow_sigs, slow_counts
    return LineBatch(sigs, counts, lengths, dates, ids, valid, ours, problems)


def _parsed(line: bytes, number: int, text_field: str) -> tuple[dict | None, Problem | None]:
    """(the record, None) for a JSON object with a string text, else (None,
    why not). For an object without the text field, the problem keeps its
    first fields and the length of those holding a string: what suggests
    the text's real field."""
    try:
        record = parse_json(line)
    except (ValueError, RecursionError):
        return None, Problem(number, NOT_JSON, head=line[:64])
    if not isinstance(record, dict):
        return None, Problem(number, NOT_OBJECT)
    if isinstance(record.get(text_field), str):
        return record, None
    if text_field in record:
        return None, Problem(number, TEXT_NOT_STRING)
    fields = {str(name): len(value) if isinstance(value, str) else -1
              for name, value in list(record.items())[:50]}
    return None, Problem(number, NO_TEXT, fields=fields)


def _field_text(line: bytes, start: int, stop: int) -> str | None:
    """str() of a member's value, as `str(record[name])` would give it."""
    if start < 0:
        return None
    raw = line[start:stop]
    if raw[:1] == b'"' and b"\\" not in raw:
        return raw[1:-1].decode("utf-8")
    return str(parse_json(raw))


def dedup_lines(source: BinaryIO, options: Options, id_field: str = "id",
                text_field: str = "text", stats: DedupStats | None = None,
                workers: int = 1) -> Iterator[bytes]:
    """Read JSON Lines (bytes) from `source`, yield them back in input order
    with duplicate fields added.

    A line that is not a JSON object with a string text is passed through
    unchanged and counted as invalid (why, in `stats.invalid_records`); the
    run goes on, unless no line at all is valid: then NoValidRecords is
    raised before anything is yielded. A seekable source is
    read twice; anything else (a pipe) is spooled to a temporary file. With
    `workers` > 1, lines are parsed and fingerprinted in that many processes."""
    import gc

    from ..engines import ordered_map

    gc.disable()  # no reference cycles are made here; the collector only costs time
    stats = stats or DedupStats()
    ids = IdTable()
    index = CorpusIndex(options.threshold, options.num_perm, options.containment, options.keep)
    kinds = bytearray()  # per line: 0 invalid, 1 valid, 3 valid with fields named like ours
    seekable = _seekable(source)
    try:
        with contextlib.ExitStack() as stack:
            spool = None if seekable else stack.enter_context(tempfile.TemporaryFile("w+b"))
            start = source.tell() if seekable else 0
            jobs = ((first, ([line for _, line in batch], [number for number, _ in batch], options,
                             id_field, text_field))
                    for first, batch in _numbered_batches(_read(source, spool, stats)))
            for first, batch in ordered_map(read_batch, jobs, workers):
                for doc_id in batch.ids:
                    ids.append(doc_id)
                kinds.extend((batch.valid.astype(np.uint8) | (batch.ours.astype(np.uint8) << 1)).tobytes())
                stats.invalid += int(np.count_nonzero(~batch.valid))
                for problem in batch.problems:
                    stats.invalid_records.add(problem)
                keep = batch.valid & (batch.counts > 0)
                keys = np.arange(first, first + len(batch.ids), dtype=np.int64)
                index.add(keys[keep], batch.sigs[keep], batch.counts[keep].astype(np.int64),
                          batch.lengths[keep], batch.dates[keep])
            if stats.read and stats.invalid == stats.read:
                raise NoValidRecords(stats.invalid_records)
            grouping = index.grouping()
            stats.clusters = report_clusters(grouping, ids)
            if seekable:
                source.seek(start)
                again = (line for line in source if line.strip())
            else:
                spool.seek(0)
                again = iter(spool)
            roots = _roots(grouping, len(kinds))
            for key, line in enumerate(again):
                kind = kinds[key]
                if not kind:
                    stats.written += 1
                    yield line if line.endswith(b"\n") else line + b"\n"
                    continue
                root = int(roots[key])
                extra = None if root < 0 else duplicate_fields(key, root, grouping, ids, _RECORD_FIELDS)
                if root >= 0 and root != key:
                    stats.flagged += 1
                    if options.drop_duplicates:
                        stats.dropped += 1
                        continue
                stats.written += 1
                yield _append_fields(line, extra, kind == 3)
    finally:
        index.close()
        gc.enable()


def _numbered_batches(lines: Iterator[tuple[int, bytes]]) -> Iterator[tuple[int, list[tuple[int, bytes]]]]:
    """(key of the first line, [(line number, line)...]) per batch of BATCH lines."""
    first = 0
    batch: list[tuple[int, bytes]] = []
    for item in lines:
        batch.append(item)
        if len(batch) == BATCH:
            yield first, batch
            first += len(batch)
            batch = []
    if batch:
        yield first, batch


def _seekable(source: BinaryIO) -> bool:
    try:
        return source.seekable() and not os.isatty(source.fileno())
    except (AttributeError, OSError, ValueError):
        return False


def _read(source: BinaryIO, spool, stats: DedupStats) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of every non-blank line, spooled when given a spool."""
    for number, line in enumerate(source):
        if not line.strip():
            continue
        stats.read += 1
        stats.bytes_in += len(line)
        if spool is not None:
            spool.write(line if line.endswith(b"\n") else line + b"\n")
        yield number, line


# A journaled record's duplicate fields, all null until the last pass.
_NO_DUPLICATE_FIELDS = record_line(dict.fromkeys(DUPLICATE_FIELDS))[1:-2]


def with_duplicate_fields(record: bytes, fields: dict) -> bytes | None:
    """A journaled record with its duplicate fields set, as writing the
    document would give it, by replacing their bytes: parsing and writing
    again every document of a group was most of the last pass on corpora
    full of near-copies. Outside a string a JSON quote is never escaped, so
    the record's own `"duplicate_of": null, ...` is the only match. None
    (write it from the document) where the writer escapes, or may have
    escaped, a whole record to ASCII (for a lone surrogate): ids holding
    what that escaping changes (DEL and beyond ASCII) that came out escaped,
    or went into a record that is all ASCII."""
    at = record.find(_NO_DUPLICATE_FIELDS)
    if at < 0:
        return None
    line = record_line(fields)
    plain = all(value.isascii() and "\x7f" not in value for value in fields.values() if type(value) is str)
    if not plain and (line.isascii() or record.isascii()):
        return None
    return record[:at] + line[1:-2] + record[at + len(_NO_DUPLICATE_FIELDS):]
