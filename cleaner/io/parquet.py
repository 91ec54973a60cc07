"""The corpus as Parquet, for the tools after cleaner (pandas, DuckDB, Spark,
Hugging Face datasets): the JSON Lines record's fields as typed columns,
zstd-compressed, written a row group at a time as records come (memory holds
one row group, not the corpus), and atomic like JSON Lines: the file appears
under its name only when complete.

Schema (docs in README "Output record"): strings for the text fields
(`id`, `source` and `text` never null), float64 for `confidence`,
`similarity` and `containment`, int64 for the sizes, a list of strings for
`repairs`; `metadata` (an input record's own fields) and, with --explain,
`explain` (each document's line decisions) as JSON strings.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from ..document import RECORD_FIELDS
from .outputs import open_output

# Records per row group: a few MB of text each on news pages; readers skip
# and parallelise by row group.
ROW_GROUP_RECORDS = 4096
_FLOATS = {"confidence", "similarity", "containment"}
_INTEGERS = {"bytes_in", "chars_in", "chars_out"}
_REQUIRED = {"id", "source", "text"}


def schema(explain: bool = False):
    """The Parquet schema of cleaner's record."""
    import pyarrow as pa

    def column(name: str):
        kind = (pa.float64() if name in _FLOATS else pa.int64() if name in _INTEGERS
                else pa.list_(pa.string()) if name == "repairs" else pa.string())
        return pa.field(name, kind, nullable=name not in _REQUIRED)

    fields = [column(name) for name in RECORD_FIELDS]
    if explain:
        fields.append(pa.field("explain", pa.string()))
    return pa.schema(fields)


class ParquetWriter:
    """Records (dicts, or lines made by writers.dumps) to a Parquet file."""

    def __init__(self, target: str, explain: bool = False, row_group: int = ROW_GROUP_RECORDS) -> None:
        self._target, self._explain, self._row_group = target, explain, row_group
        self._schema = schema(explain)
        self._file = None
        self._writer = None
        self._rows: list[dict[str, Any]] = []

    def write(self, record: dict[str, Any]) -> None:
        if self._explain:
            record = {**record, "explain": orjson.dumps(record.get("explain")).decode()}
        if record.get("metadata") is not None:  # a user's own fields, of any shape: JSON text
            record = {**record, "metadata": json.dumps(record["metadata"], ensure_ascii=False)}
        self._rows.append(record)
        if len(self._rows) >= self._row_group:
            self._flush_rows()

    def write_line(self, line: bytes) -> None:
        self.write(orjson.loads(line))

    def flush(self) -> None:
        """Parquet is written by row groups: nothing to push before one is full."""

    def _open(self) -> None:
        import pyarrow.parquet as pq

        self._file = open_output(self._target, binary=True)
        self._writer = pq.ParquetWriter(self._file.handle, self._schema, compression="zstd")

    def _flush_rows(self) -> None:
        import pyarrow as pa

        if self._writer is None:
            self._open()
        table = pa.Table.from_pylist(self._rows, schema=self._schema)
        try:
            self._writer.write_table(table)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self._target) from None
        self._rows = []

    def close(self, ok: bool = True) -> None:
        if not ok:
            if self._writer is not None:
                try:
                    self._writer.close()
                except Exception:  # the file is given up anyway
                    pass
            if self._file is not None:
                self._file.abort()
            return
        if self._rows or self._writer is None:  # the last rows; an empty corpus is still a file
            self._flush_rows()
        self._writer.close()
        self._file.commit()
