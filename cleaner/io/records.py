"""Records of other tools in: JSON Lines and Parquet files whose records hold
a page in one field, one document each.

The page is the field given (`--html-field` or `--text-field`; HTML or text
is still sniffed from it), else the first of `html`, `text`, `content`
present. `--id-field` (default `id`) gives the id and `--url-field` (default
`url`) the URL; every other field is kept as it was and written back under
`metadata`, so a user's own columns survive cleaning. `source` is FILE@LINE
(JSON Lines, from 1) or FILE@ROW (Parquet, from 0). Parquet is read a row
group at a time: memory holds a row group, not the file.
"""

from __future__ import annotations

import base64
import datetime
import decimal
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

import orjson

from ..document import CORRUPT, NO_PAGE, TOO_LARGE, Document, Options
from .warc import host_of

PARQUET_MAGIC = b"PAR1"
PAGE_FIELDS = ("html", "text", "content")
_OBJECT_START = re.compile(rb'\A(?:\xef\xbb\xbf)?\s*\{\s*"(?:[^"\\\n]|\\.){0,200}"\s*:')


@dataclass(frozen=True)
class RecordFields:
    """Which fields of a record hold what (the CLI's --*-field options)."""

    html: str | None = None
    text: str | None = None
    id: str = "id"
    url: str = "url"

    @classmethod
    def of(cls, options: Options) -> RecordFields:
        return cls(html=options.html_field, text=options.text_field, id=options.id_field, url=options.url_field)

    def page_of(self, record: dict[str, Any]) -> str | None:
        """The field holding the page in this record, or None."""
        if self.html or self.text:
            wanted = self.html or self.text
            return wanted if wanted in record else None
        return next((name for name in PAGE_FIELDS if name in record), None)


def sniff(head: bytes) -> str | None:
    """"parquet" or "jsonl" when a file's first bytes (decompressed) are one:
    Parquet's magic, or a JSON object's start with a quoted key (a record
    holding a whole page often runs past the bytes looked at)."""
    if head.startswith(PARQUET_MAGIC):
        return "parquet"
    return "jsonl" if _OBJECT_START.match(head) else None


def _plain(value: Any) -> Any:
    """A Parquet value as JSON can hold it."""
    if isinstance(value, (datetime.date, datetime.time, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, datetime.timedelta):
        return value.total_seconds()
    return value


def document(record: dict[str, Any], where: int, name: str, stem: str, allocate: Callable[[str], str],
             fields: RecordFields, max_bytes: int) -> Document:
    """One record of another tool as a Document."""
    given = record.get(fields.id)
    wanted = str(given) if isinstance(given, (str, int)) and str(given) else f"{stem}@{where}"
    url = record.get(fields.url)
    url = url if isinstance(url, str) else None
    doc = Document(id=allocate(wanted), source=f"{name}@{where}", url=url, site=host_of(url))
    page = fields.page_of(record)
    if page is None:
        asked = fields.html or fields.text
        what = f"no field {asked}" if asked else f"none of the fields {', '.join(PAGE_FIELDS)}"
        return doc.fail(NO_PAGE, f"the record has {what} (its fields: {', '.join(list(record)[:12])}); "
                                 "give the page's field with --text-field or --html-field")
    value = record[page]
    if not isinstance(value, str):
        return doc.fail(NO_PAGE, f"its {page} field holds {type(value).__name__}, not text")
    raw = value.encode("utf-8", "surrogatepass")
    metadata = {k: _plain(v) for k, v in record.items() if k not in (page, fields.id, fields.url)}
    doc.metadata = metadata or None
    if len(raw) > max_bytes:
        return doc.drop(TOO_LARGE, f"its {page} field is larger than --max-bytes ({max_bytes} bytes)")
    doc.raw = raw
    return doc


def jsonl_documents(stream: BinaryIO, name: str, stem: str, allocate: Callable[[str], str],
                    fields: RecordFields, max_bytes: int, first_line: int = 1) -> Iterator[Document]:
    """A JSON Lines file's records as Documents; a line that is not a JSON
    object fails alone (corrupt), blank lines are passed over. `first_line`:
    the number of the stream's first line (a part of a file)."""
    for number, line in enumerate(stream, first_line):
        if not line.strip():
            continue
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError:
            try:  # what orjson refuses and json takes (lone surrogates, NaN)
                record = json.loads(line)
            except ValueError as exc:
                doc = Document(id=allocate(f"{stem}@{number}"), source=f"{name}@{number}")
                yield doc.fail(CORRUPT, f"line {number} is not JSON ({exc})")
                continue
        if not isinstance(record, dict):
            doc = Document(id=allocate(f"{stem}@{number}"), source=f"{name}@{number}")
            yield doc.fail(CORRUPT, f"line {number} is JSON but not an object")
            continue
        yield document(record, number, name, stem, allocate, fields, max_bytes)


def parquet_documents(path: str, name: str, stem: str, allocate: Callable[[str], str],
                      fields: RecordFields, max_bytes: int,
                      groups: tuple[int, int, int] | None = None) -> Iterator[Document]:
    """A Parquet file's rows as Documents, a row group at a time; `groups`
    (first, end, the first one's row number): those row groups only."""
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(path)
    except (FileNotFoundError, PermissionError):  # not here: the caller says so
        raise
    except Exception as exc:  # pyarrow's errors for a damaged file are of several kinds
        yield Document(id=allocate(stem), source=name).fail(CORRUPT, f"not a readable Parquet file ({exc})")
        return
    first, end, row = groups or (0, table.num_row_groups, 0)
    try:
        for group in range(first, min(end, table.num_row_groups)):
            for record in table.read_row_group(group).to_pylist():
                yield document(record, row, name, stem, allocate, fields, max_bytes)
                row += 1
    except Exception as exc:
        yield Document(id=allocate(f"{stem}@{row}"), source=f"{name}@{row}").fail(
            CORRUPT, f"the Parquet file cannot be read on from row {row} ({exc})")
