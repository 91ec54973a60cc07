"""The corpus as Parquet, for the tools after cleaner (pandas, DuckDB, Spark,
Hugging Face datasets): the JSON Lines record's fields as typed columns,
zstd-compressed, written a row group at a time as records come (memory holds
two row groups, not the corpus), and atomic like JSON Lines: the file appears
under its name only when complete. A row group is parsed, compressed and
written on a thread of its own while the next one fills: Arrow does that
work without the GIL, so it overlaps the run instead of adding to it.

Schema (docs in README "Output record"): strings for the text fields
(`id`, `source` and `text` never null), float64 for `confidence`,
`similarity` and `containment`, int64 for the sizes, a list of strings for
`repairs`; `metadata` (an input record's own fields) and, with --explain,
`explain` (each document's line decisions) as JSON strings.
"""

from __future__ import annotations

import json
import threading
from typing import Any

import orjson

from ..document import RECORD_FIELDS
from .outputs import open_output
from .writers import dumps

# Records per row group: a few MB of text each on news pages; readers skip
# and parallelise by row group.
ROW_GROUP_RECORDS = 4096
_FLOATS = {"confidence", "similarity", "containment"}
_INTEGERS = {"bytes_in", "chars_in", "chars_out", "duplicate_run"}
_REQUIRED = {"id", "source", "text"}
# Columns of few distinct values, dictionary-encoded (trying it on the text
# columns cost a third of the write for nothing).
_FEW_VALUES = ("site", "language", "format", "encoding", "encoding_method")
_NO_METADATA = b', "metadata": null}\n'  # how writers.dumps ends a record without metadata


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
        self._schema = None  # pyarrow is imported at the first row group, not before the workers start
        self._file = None
        self._writer = None
        self._lines: list[bytes] = []
        self._thread: threading.Thread | None = None  # writing the previous row group
        self._failure: BaseException | None = None

    def write(self, record: dict[str, Any]) -> None:
        self.write_line(dumps(record))

    def write_line(self, line: bytes) -> None:
        """A record made by writers.dumps (as the run gives them)."""
        if self._writer is None and self._thread is None:
            # pyarrow's import (a tenth of a second) and the file's opening
            # overlap the first row group's filling
            self._thread = threading.Thread(target=self._run, args=(self._open,), name="parquet-writer",
                                            daemon=True)
            self._thread.start()
        self._lines.append(line)
        if len(self._lines) >= self._row_group:
            self._hand_over()

    def flush(self) -> None:
        """Parquet is written by row groups: nothing to push before one is full."""

    def _open(self) -> None:
        import pyarrow.parquet as pq

        self._schema = schema(self._explain)
        self._file = open_output(self._target, binary=True)
        self._writer = pq.ParquetWriter(self._file.handle, self._schema, compression="zstd",
                                        use_dictionary=list(_FEW_VALUES))

    def _table(self, lines: list[bytes]):
        """The buffered records as a table: parsed by Arrow's JSON reader (4x
        faster than building it from Python dicts) when they hold no nested
        values, else record by record."""
        import pyarrow as pa

        if not self._explain and all(line.endswith(_NO_METADATA) for line in lines):
            import pyarrow.json as pj

            data = b"".join(lines)
            table = pj.read_json(pa.py_buffer(data), read_options=pj.ReadOptions(
                use_threads=False, block_size=max(1 << 20, 2 * max(map(len, lines)))),
                parse_options=pj.ParseOptions(explicit_schema=self._schema))
            return table.select(self._schema.names).cast(self._schema)
        rows = []
        for line in lines:
            record = orjson.loads(line)
            if self._explain:
                record["explain"] = orjson.dumps(record.get("explain")).decode()
            if record.get("metadata") is not None:  # a user's own fields, of any shape: JSON text
                record["metadata"] = json.dumps(record["metadata"], ensure_ascii=False)
            rows.append(record)
        return pa.Table.from_pylist(rows, schema=self._schema)

    def _hand_over(self) -> None:
        """The full row group to the writing thread, once it is done with the
        last one (so at most two are held)."""
        self._wait()
        lines, self._lines = self._lines, []
        self._thread = threading.Thread(target=self._run, args=(self._flush_rows, lines), name="parquet-writer",
                                        daemon=True)
        self._thread.start()

    def _wait(self) -> None:
        """Until the previous row group is written; its failure, if any, raised here."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._failure is not None:
            failure, self._failure = self._failure, None
            raise failure

    def _run(self, work, *args) -> None:
        try:
            work(*args)
        except BaseException as exc:  # handed to the writing side by _wait
            self._failure = exc

    def _flush_rows(self, lines: list[bytes]) -> None:
        if self._writer is None:
            self._open()
        table = self._table(lines) if lines else self._schema.empty_table()
        try:
            self._writer.write_table(table)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self._target) from None

    def close(self, ok: bool = True) -> None:
        if not ok:
            if self._thread is not None:
                self._thread.join()
            if self._writer is not None:
                try:
                    self._writer.close()
                except Exception:  # the file is given up anyway
                    pass
            if self._file is not None:
                self._file.abort()
            return
        self._wait()
        if self._lines or self._writer is None:  # the last rows; an empty corpus is still a file
            self._flush_rows(self._lines)
            self._lines = []
        self._writer.close()
        self._file.commit()
