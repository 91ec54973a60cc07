"""The journal: processed documents on disk, in input order.

It is the spool the corpus passes read back (site statistics, duplicate
fields), and, when it lives beside the output instead of in a temporary file,
what `--resume` continues from after a killed run: a header line naming the
options, then one JSON line per processed document, flushed after every batch.
A line cut short by the kill is dropped on resume; signatures are not stored
(they are recomputed from the text, which is quick and exact).

A document's line is its output record exactly as the JSON Lines writer
writes it (duplicate fields not yet set), a tab (JSON never holds a raw one),
and its other fields as JSON, with what the run's figures count of a written
document. The last pass copies the record of a document that the corpus
passes leave alone, without parsing it.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
import uuid
from collections.abc import Iterator

import orjson

from ..chrome.sites import site_of
from ..document import OK, RECORD_FIELDS, SPOOLED_FIELDS, Document, Options
from ..io.writers import FILE_BUFFER
from ..io.writers import dumps as record_line
from ..tokens import utf8_length

VERSION = 3  # 2: documents carry their site keys; 3: the output record comes first
_IN_RECORD = {*RECORD_FIELDS, "explain"}
_REST_FIELDS = tuple(name for name in SPOOLED_FIELDS if name not in _IN_RECORD)
# Fields of the part after the tab that are not Document fields.
_WRITTEN = "written"  # [chars_out, UTF-8 bytes of the text]
_REPORT = "report"  # a written document's figures for the report (report_figures)
# Options that only say how to run, not what comes out.
_RUN_ONLY = {"workers", "batch_size", "engine", "address"}


class ResumeError(ValueError):
    """A journal that cannot be continued: not a journal, or another run's."""


def journal_options(options: Options) -> dict:
    return {k: v for k, v in dataclasses.asdict(options).items() if k not in _RUN_ONLY}


def dumps(record: dict) -> bytes:
    """One JSON line; orjson, else json for what orjson refuses (surrogates)."""
    try:
        return orjson.dumps(record) + b"\n"
    except TypeError:
        return json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass") + b"\n"


def loads(line: bytes):
    """orjson's parse (fast), else the standard library's, which also takes
    what orjson refuses: NaN, integers beyond 64 bits, lone surrogates."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return json.loads(line)


def spool_line(doc: Document, site: str | None = None) -> bytes:
    """A document's journal line: output record, tab, the other fields;
    `site`: its site_of, when the caller has it already."""
    rest = {name: getattr(doc, name) for name in _REST_FIELDS}
    if doc.ok:
        rest[_WRITTEN] = [doc.chars_out, utf8_length(doc.text)]
        rest[_REPORT] = [site or site_of(doc.url, doc.source), doc.encoding, doc.encoding_method, doc.language,
                         doc.chars_in, *((doc.id, doc.source, doc.repairs) if doc.repairs else ())]
    return record_line(doc.record())[:-1] + b"\t" + dumps(rest)


def split_line(line: bytes) -> tuple[bytes, dict]:
    """A journal line's output record (unparsed, without its newline) and its
    other fields."""
    record, tab, rest = line.partition(b"\t")
    if not tab:
        raise ValueError("not a journal line")
    return record, loads(rest)


def parse_line(line: bytes) -> Document:
    """The document a journal line holds."""
    record, rest = split_line(line)
    data = loads(record)
    data.update(rest)
    data.pop(_WRITTEN, None)
    data.pop(_REPORT, None)
    return Document.from_spool(data)


def report_figures(rest: dict) -> tuple[list | None, dict | None]:
    """A written document's figures for the report's breakdown (site,
    encoding, method, language, characters in, and id, source and repairs
    when its encoding needed some), and its lines removed by rule."""
    return rest.get(_REPORT), rest.get("removed")


def written_figures(rest: dict) -> tuple[int, int] | None:
    """(characters, UTF-8 bytes) of a written document's text, from the
    fields after the tab; None for a document that is not written."""
    figures = rest.get(_WRITTEN)
    return (figures[0], figures[1]) if figures and rest.get("status") == OK else None


class Journal:
    """Processed documents in a file: `path` (kept for --resume until
    `discard`) or, without a path, a temporary file gone when closed."""

    def __init__(self, options: Options, path: str | None = None, resume: bool = False) -> None:
        self.path = path
        self.replayable = 0  # documents a resumed run takes from the journal
        # Names this run to a persistent index; a resumed run keeps it (store.begin).
        self.token = uuid.uuid4().hex
        header = dumps({"cleaner_journal": VERSION, "options": journal_options(options), "token": self.token})
        if path is None:
            self._file = tempfile.TemporaryFile("w+b", buffering=FILE_BUFFER)
        elif resume and os.path.exists(path):
            self._file = open(path, "r+b", buffering=FILE_BUFFER)
            self._check_header(header)
            self.replayable = self._count_and_cut()
            self._data_start = self._header_bytes
            return
        else:
            self._file = open(path, "w+b", buffering=FILE_BUFFER)
        self._file.write(header)
        self._file.flush()
        self._data_start = len(header)

    def _check_header(self, expected: bytes) -> None:
        found = self._file.readline()
        self._header_bytes = len(found)
        try:
            header = json.loads(found)
        except ValueError:
            header = None
        if not isinstance(header, dict) or header.get("cleaner_journal") != VERSION:
            raise ResumeError(f"{self.path} is not a journal this version of cleaner wrote")
        self.token = str(header.get("token") or self.token)
        wanted = json.loads(expected)["options"]
        differing = sorted(k for k in wanted if header.get("options", {}).get(k) != wanted[k])
        if differing:
            raise ResumeError(f"the interrupted run had other options ({', '.join(differing)}); "
                              "run it again with the same ones, or without --resume")

    def _count_and_cut(self) -> int:
        """Complete, readable lines after the header; anything after them (a
        line cut by the kill) is truncated away."""
        count, good_end = 0, self._file.tell()
        for line in self._file:
            if not line.endswith(b"\n"):
                break
            try:
                parse_line(line)
            except (ValueError, TypeError):
                break
            count += 1
            good_end += len(line)
        self._file.seek(good_end)
        self._file.truncate()
        return count

    def replay(self) -> Iterator[Document]:
        """The documents a resumed run takes over; afterwards new ones append."""
        self._file.seek(self._data_start)
        for _ in range(self.replayable):
            yield parse_line(self._file.readline())
        self._file.seek(0, os.SEEK_END)

    def write(self, docs: list[Document]) -> None:
        """A batch's lines, in one write: a line each went through the file's
        8 KiB buffer, a system call for every two or three documents."""
        self.write_lines(b"".join([spool_line(doc) for doc in docs]))

    def write_lines(self, lines: bytes) -> None:
        """Journal lines made elsewhere (by `spool_line`, in a worker)."""
        try:
            self._file.write(lines)
        except OSError as exc:
            raise self._named(exc) from None

    def flush(self) -> None:
        try:
            self._file.flush()
        except OSError as exc:
            raise self._named(exc) from None

    def _named(self, exc: OSError) -> OSError:
        """A write's error names no file: name the journal (a full disk)."""
        if exc.filename is not None:
            return exc
        where = self.path or f"the temporary journal in {tempfile.gettempdir()}"
        return OSError(exc.errno, exc.strerror, where)

    def lines(self) -> Iterator[bytes]:
        """The journaled documents as JSON lines, unparsed."""
        self._file.flush()
        self._file.seek(self._data_start)
        for line in self._file:  # not `yield from`: closing the generator would close the file
            yield line

    def __iter__(self) -> Iterator[Document]:
        for line in self.lines():
            yield parse_line(line)

    def close(self) -> None:
        self._file.close()

    def discard(self) -> None:
        """Remove the journal file: the run's output is safely in place."""
        self.close()
        if self.path is not None:
            try:
                os.unlink(self.path)
            except FileNotFoundError:
                pass

    def __enter__(self) -> "Journal":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
