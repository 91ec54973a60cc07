"""`cleaner detect`: how each input decodes, and why.

Inputs are read exactly as `cleaner clean` reads them (the same expansion of
directories and globs, the same reader, decompression by magic bytes, the
same limits and failure reasons): a gzip page saved as .html must show the
encoding `clean` will use, not that of its compressed bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from rich.console import Console

from .encoding import decode
from .explain import printable
from .io.readers import documents, load_with_compression


def detect_rows(inputs: Iterable[str], max_bytes: int, stdin: BinaryIO | None = None) -> Iterator[dict[str, Any]]:
    """One JSON-ready row per input: the decoding decision, or `reason` and
    `error` for an input `clean` would not decode (missing, unreadable,
    corrupt, too large)."""
    for doc in documents(inputs, stdin=stdin, max_bytes=max_bytes):
        row: dict[str, Any] = {"file": doc.source}
        doc, compression = load_with_compression(doc, max_bytes)
        if not doc.ok:
            row.update(reason=doc.reason, error=doc.message)
            yield row
            continue
        decoded = decode(doc.raw or b"")
        row.update(bytes=len(doc.raw or b""), compression=compression, encoding=decoded.encoding,
                   method=decoded.method, confidence=decoded.confidence, repairs=decoded.repairs,
                   declared=decoded.declared, evidence=decoded.evidence)
        yield row


def write_table(rows: list[dict[str, Any]], console: Console | None = None) -> None:
    """The rows as a table on `console` (stdout's by default)."""
    from rich.table import Table

    table = Table(box=None, header_style="bold", padding=(0, 1))
    table.add_column("file", overflow="fold", min_width=24, ratio=2)
    for column in ("encoding", "method", "confidence", "repairs", "declared"):
        table.add_column(column, no_wrap=True)
    table.add_column("evidence", overflow="fold", ratio=3)
    for row in rows:
        if "error" in row:
            table.add_row(printable(row["file"]), "", "error", "", "", "",
                          printable(f"{row['reason']}: {row['error']}"), style="red")
        else:
            evidence = (f"{row['compression']}-compressed; " if row.get("compression") else "") + row["evidence"]
            table.add_row(printable(row["file"]), row["encoding"], row["method"], f"{row['confidence']:.2f}",
                          ",".join(row["repairs"]), printable(row["declared"] or ""), printable(evidence))
    (console or Console(highlight=False)).print(table)
