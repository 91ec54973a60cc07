"""Crawls as crawlers write them: WARC (1.0, 1.1) and ARC files, plain, with
each record gzipped (as crawlers write them), or gzip/zstd as a whole.

Read with warcio (the reader of the Webrecorder tools, which also reads ARC).
Every record becomes a Document, so the run accounts for each:
  * `response` records with an HTTP envelope, `resource` records, and
    `conversion` records (Common Crawl's WET text) are documents;
  * `warcinfo`, `request`, `metadata`, `revisit` and other records, responses
    whose HTTP status is not 2xx, and bodies that are neither HTML nor text
    (images, PDFs, scripts, CSS, JSON) are skipped, with the reason;
  * a record that cannot be read fails, with the reason; the records before
    it are kept, and reading goes on after it where the file allows.

From the HTTP envelope: `Transfer-Encoding: chunked` and `Content-Encoding:
gzip | deflate | br` are undone here, leniently as browsers do (a body that
claims chunking but is not chunked is read as it is; a damaged gzip body
gives what decodes), and the Content-Type header is kept for the decode
stage, whose declared charset it gives. From the WARC headers: the target URI
is the document's `url` (and its host the `site`), the record id its `id`,
the WARC-Date its `crawl_date`; `source` is FILE@OFFSET, the record's offset
in the file as stored when records are gzipped one by one (as CDX indexes and
`warcio extract` take it), in the decompressed stream otherwise.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import stat
import zlib
from collections.abc import Callable, Iterator
from typing import BinaryIO
from urllib.parse import urlsplit

from ..document import CORRUPT, TOO_LARGE, Document
from .compressed import dechunk, decode_content, members_follow_records, next_warc_member

GZIP, ZSTD = b"\x1f\x8b", b"\x28\xb5\x2f\xfd"
_STARTS = (b"WARC/1.", b"filedesc://")
SNIFF_BYTES = 4096

# Why a record is not a document (Document.skip reasons).
HTTP_STATUS = "http_status"
CONTENT_TYPE = "content_type"
DOCUMENT_RECORDS = ("response", "resource", "conversion")
# Media types read as documents; a record without one is sniffed like a file.
_READABLE = re.compile(r"^\s*(?:text/html|application/xhtml\+xml|text/plain|text/xml|application/xml)\b", re.I)


def is_archive(head: bytes) -> bool:
    """Whether bytes (decompressed) start a WARC or ARC file."""
    return head.lstrip(b"\r\n").startswith(_STARTS)


def sniff(head: bytes) -> bool:
    """Whether a file's first bytes, as stored, are a WARC or ARC file
    (plain, or gzip or zstd compressed)."""
    return is_archive(plain_head(head))


# Files named as pages are taken as pages without a look at their bytes (a
# look in the main process costs an open per file: 4% of a run over 10,000
# text dumps); any other name (.warc, .arc, .gz, none) is sniffed.
PAGE_SUFFIXES = tuple(f"{name}{compressed}" for name in (".html", ".htm", ".xhtml", ".txt", ".text")
                      for compressed in ("", ".gz", ".bz2", ".xz", ".zst"))


def named_as_a_page(path: str) -> bool:
    return path.lower().endswith(PAGE_SUFFIXES)


def head_of(path: str) -> bytes:
    """A file's first bytes, to tell a crawl from a page (b"" when it cannot
    be read here: reading it again as a page says why)."""
    try:  # without blocking on a FIFO, whose bytes are not ours to take here
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError:
        return b""
    try:
        return os.read(fd, SNIFF_BYTES) if stat.S_ISREG(os.fstat(fd).st_mode) else b""
    except OSError:
        return b""
    finally:
        os.close(fd)


def record_id(value: str | None) -> str | None:
    """The id part of a WARC-Record-ID: `<urn:uuid:X>` gives X."""
    if not value:
        return None
    value = value.strip().strip("<>")
    return value[len("urn:uuid:"):] if value.lower().startswith("urn:uuid:") else value


def target_url(value: str | None) -> str | None:
    """WARC-Target-URI as written, without the angle brackets old wget adds."""
    return value.strip().strip("<>") if value else None


def host_of(url: str | None) -> str | None:
    """The host of a URL, lower-cased (urlsplit's answer, a tenth of its time
    for the common `scheme://host[:port]/...` form)."""
    if not url:
        return None
    scheme, sep, rest = url.partition("://")
    if sep and scheme.isalpha():
        host = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
        if "@" not in host and "[" not in host:
            return host.split(":", 1)[0].lower() or None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def decompressed(stream: BinaryIO, head: bytes) -> BinaryIO:
    """A whole-file gzip or zstd stream, decompressed."""
    if head.startswith(GZIP):
        return io.BufferedReader(gzip.GzipFile(fileobj=stream), 1 << 16)
    import zstandard

    return io.BufferedReader(zstandard.ZstdDecompressor().stream_reader(stream), 1 << 16)


def documents(open_stream: Callable[[], BinaryIO], name: str, stem: str,
              allocate: Callable[[str], str], max_bytes: int, rereadable: bool = True,
              span: tuple[int, int | None] = (0, None)) -> Iterator[Document]:
    """Every record of one archive as a Document (skipped, failed or to be
    cleaned, its bytes in `raw`). `open_stream` opens the archive as stored
    (a buffered stream). A gzip file is read member by member when its first
    member holds exactly its first record, as crawlers write it (with
    `rereadable`, a first look tells; a stream that cannot be read twice is
    read as one); else, and for zstd, as one decompressed stream. Where the
    archive cannot be read on (garbage between records, a record whose
    Content-Length lies), that span fails and reading starts again at the
    next record found after it (a rereadable WARC only: an ARC record has no
    mark to find it by, and stdin cannot be read again).

    `span` (from `span_of`, records gzipped one by one): the records that
    start in it, and the damage after them, exactly as a whole read gives
    them there; the spans of a file's parts read it all, each record once."""
    from warcio.exceptions import ArchiveLoadFailed

    ArchiveIterator = _quiet_iterator()
    start, stop = span
    stored = open_stream()
    try:
        head = stored.peek(SNIFF_BYTES)[:SNIFF_BYTES]
        is_arc = plain_head(head).lstrip(b"\r\n").startswith(b"filedesc://")
        per_record = head.startswith(GZIP) and rereadable and (is_arc or members_follow_records(open_stream))
        whole = head.startswith((GZIP, ZSTD)) and not per_record
        stream = _positioned(stored, head, whole, start) if start else decompressed(stored, head) if whole else stored
        while True:
            # (its offsets are the stream's own positions, so they hold after a seek)
            records = ArchiveIterator(stream, arc2warc=True, check_digests=False)
            try:
                for record in records:
                    doc = _document(record, records, name, stem, allocate, max_bytes, is_arc)
                    if stop is not None and records.get_record_offset() >= stop:
                        return  # the first of the next span
                    yield doc
                return
            except ArchiveLoadFailed as exc:
                problem = f"the archive cannot be read on: {_first_line(exc)}"
            except (EOFError, OSError, zlib.error, ValueError) as exc:
                problem = f"the archive breaks off or is damaged: {exc}"
            failed_at = _end_of_last(records, start)
            if stop is not None and failed_at >= stop:
                return
            try:
                found = None if is_arc or not rereadable else _next_record(open_stream, head, whole, failed_at)
            except (EOFError, OSError, zlib.error, ValueError):  # damaged further on: nothing more to read
                found = None
            if found is None:
                yield _failed(name, stem, allocate, failed_at, problem)
                return
            yield _failed(name, stem, allocate, failed_at,
                          f"{problem}; {found - failed_at} bytes passed over to the next record, at {found}")
            if stop is not None and found >= stop:
                return  # the next span's
            stored.close()
            stored = open_stream()
            stream, start = _positioned(stored, head, whole, found), found
    finally:
        stored.close()  # a decompressing wrapper does not close the file it reads


def span_of(open_stream: Callable[[], BinaryIO], start: int, end: int | None) -> tuple[int, int | None] | None:
    """The span a part [start, end) of a WARC gzipped record by record reads:
    from the first record that starts at `start` or after, to the first that
    starts at `end` or after (None: the file's end); None when no record
    starts in it. Consecutive parts give consecutive spans."""
    with open_stream() as stored:
        head = stored.peek(SNIFF_BYTES)[:SNIFF_BYTES]

    def first_at(offset: int) -> int | None:
        return offset if offset == 0 else _next_record(open_stream, head, False, offset - 1)

    begin = first_at(start)
    stop = None if end is None else first_at(end)
    if begin is None or (stop is not None and begin >= stop):
        return None
    return begin, stop


def _end_of_last(records, start: int) -> int:
    """Where the last record read whole ends (`start` before any)."""
    try:
        return records.get_record_offset() + records.get_record_length()
    except Exception:  # no record read yet
        return start


class _Unsaid(str):
    def format(self, *args, **kwargs) -> str:
        return ""


_QUIET = None


def _quiet_iterator():
    """warcio's ArchiveIterator without the warning it writes on stderr when a
    record is not followed by its blank lines (a Content-Length that lies):
    its `err_count` still counts them, and that record fails with the reason."""
    global _QUIET
    if _QUIET is None:
        from warcio.archiveiterator import ArchiveIterator

        _QUIET = type("QuietArchiveIterator", (ArchiveIterator,), {"INC_RECORD": _Unsaid()})
    return _QUIET


def _positioned(stored: BinaryIO, head: bytes, whole: bool, offset: int) -> BinaryIO:
    """The archive read from `offset` (in the decompressed stream when it is
    compressed as a whole)."""
    if not whole:
        stored.seek(offset)
        return stored
    stream = decompressed(stored, head)
    while offset > 0:
        skipped = len(stream.read(min(offset, 1 << 20)))
        if not skipped:
            break
        offset -= skipped
    return stream


# A record's version line and the name of its first header (garbage before
# it need not end with a line end).
_WARC_LINE = re.compile(rb"WARC/1\.[01]\r?\n[!-9;-~]+:")
_SCAN = 1 << 20


def _next_record(open_stream: Callable[[], BinaryIO], head: bytes, whole: bool, after: int) -> int | None:
    """The offset of the first record that starts after `after`: a WARC
    version line followed by a header, or (records gzipped one by one) a
    gzip member that opens with one; None when there is none."""
    per_record = head.startswith(GZIP) and not whole
    with open_stream() as stored:
        stream = _positioned(stored, head, whole, after)
        at, window = after, b""  # `window` holds the file from `at`
        while True:
            chunk = stream.read(_SCAN)
            window += chunk
            if per_record:
                found = next_warc_member(window, 1 if at == after else 0, final=not chunk)
            else:
                match = _WARC_LINE.search(window, 1 if at == after else 0)
                found = None if match is None else match.start()
            if found is not None:
                return at + found
            if not chunk:
                return None
            keep = 64 << 10 if per_record else 256  # a mark cut by the chunk's end is found next time
            drop = max(0, len(window) - keep)
            at, window = at + drop, window[drop:]


def plain_head(head: bytes, size: int = 256) -> bytes:
    """The first bytes of a file, decompressed (up to `size`)."""
    if head.startswith(GZIP):
        try:
            return zlib.decompressobj(wbits=31).decompress(head, size)
        except zlib.error:
            return b""
    if head.startswith(ZSTD):
        try:
            import zstandard

            return zstandard.ZstdDecompressor().decompressobj().decompress(head)[:size]
        except Exception:  # a damaged frame
            return b""
    return head


def _first_line(exc: Exception) -> str:
    return " ".join(str(exc).split())[:200]


def _failed(name: str, stem: str, allocate: Callable[[str], str], offset: int, message: str) -> Document:
    doc = Document(id=allocate(f"{stem}@{offset}"), source=f"{name}@{offset}")
    return doc.fail(CORRUPT, message)


def _document(record, records, name: str, stem: str, allocate: Callable[[str], str],
              max_bytes: int, is_arc: bool) -> Document:
    """One record as a Document. Its body is read before its offset is asked
    for (warcio reads the rest of the record to tell the offset). An ARC
    record's id, made up by the reader, is not stable: FILE@OFFSET is."""
    headers = record.rec_headers
    kind = record.rec_type
    if kind == "resource" and (headers.get_header("WARC-Target-URI") or "").startswith("metadata:"):
        kind = "crawler_metadata"  # wget's log and arguments, kept as resource records
    http = record.http_headers if kind == "response" else None
    content_type = http.get_header("Content-Type") if http is not None else headers.get_header("Content-Type")
    why = _skipped_because(kind, http, record.content_type, content_type)
    too_large = why is None and (record.length or 0) > max_bytes  # its Content-Length says so: not read
    body = record.raw_stream.read() if why is None and not too_large else b""
    errors = records.err_count
    offset = records.get_record_offset()  # reads to the record's end: a wrong length shows there
    url = target_url(headers.get_header("WARC-Target-URI"))
    wanted = (None if is_arc else record_id(headers.get_header("WARC-Record-ID"))) or f"{stem}@{offset}"
    doc = Document(id=allocate(wanted), source=f"{name}@{offset}", url=url, site=host_of(url),
                   crawl_date=headers.get_header("WARC-Date"))
    if records.err_count > errors:
        return doc.fail(CORRUPT, "the record does not end where its Content-Length says (cut short or run on)")
    if why is not None:
        return doc.skip(*why)
    if too_large:
        return doc.drop(TOO_LARGE, f"a record larger than --max-bytes ({max_bytes} bytes)")
    if http is not None:
        if "chunked" in (http.get_header("Transfer-Encoding") or "").lower():
            body = dechunk(body)
        try:
            body = decode_content(body, http.get_header("Content-Encoding"))
        except ValueError as exc:
            return doc.fail(CORRUPT, str(exc))
        if len(body) > max_bytes:
            return doc.drop(TOO_LARGE, f"larger than --max-bytes ({max_bytes} bytes) once decoded")
    doc.raw = body
    doc.content_type = content_type
    return doc


def _skipped_because(kind: str, http, record_type: str | None, content_type: str | None) -> tuple[str, str] | None:
    """(reason, message) when a record is not a document, else None."""
    if kind == "crawler_metadata":
        return "crawler_metadata", "the crawler's own notes (a metadata: URI), not a document"
    if kind not in DOCUMENT_RECORDS:
        return f"{kind}_record", f"a WARC {kind} record, not a document"
    if kind == "response" and http is None and not (record_type or "").startswith(("text/", "application/xhtml")):
        return CONTENT_TYPE, f"a response of {record_type or 'no type'} with no HTTP envelope"
    if http is not None:
        status = http.get_statuscode() or ""
        if not status.startswith("2"):
            return HTTP_STATUS, f"HTTP {http.statusline or status}"
    if content_type and not _READABLE.match(content_type):
        return CONTENT_TYPE, f"{content_type.split(';')[0].strip()} is not HTML or text"
    return None
