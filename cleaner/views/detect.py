"""`cleaner detect`: how each input decodes, and why.

Inputs are read exactly as `cleaner clean` reads them (the same expansion of
directories and globs, the same reader, decompression by magic bytes, the
same limits and failure reasons): a gzip page saved as .html must show the
encoding `clean` will use, not that of its compressed bytes.

On a terminal the rows are a table laid out here rather than by rich: the
end of a long path is what tells files apart, so paths are cut at the
front; the evidence (the why) wraps in its column, or, when the terminal is
too narrow for a column, under its file across the width.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, BinaryIO

from rich.cells import cell_len
from rich.console import Console
from rich.text import Text

from ..document import SKIPPED
from ..encoding import decode
from ..io.pipes import printable
from ..io.readers import documents, load_with_compression

COLUMNS = ("encoding", "method", "conf", "repairs", "declared")
GAP = 2  # spaces between columns
EVIDENCE_MIN = 30  # a narrower evidence column goes under its file instead
FILE_MIN = 16  # narrower than this, columns move to the evidence line
ELLIPSIS = "…"


def detect_rows(inputs: Iterable[str], max_bytes: int,
                stdin: BinaryIO | None = None) -> Iterator[dict[str, Any]]:
    """One JSON-ready row per input (per document of a crawl: its skipped
    records are left out): the decoding decision, or `reason` and `error`
    for an input `clean` would not decode (missing, unreadable, corrupt, too
    large)."""
    for doc in documents(inputs, stdin=stdin, max_bytes=max_bytes):
        if doc.status == SKIPPED:  # a crawl's record that is not a document: nothing to decode
            continue
        row: dict[str, Any] = {"file": doc.source}
        doc, compression = load_with_compression(doc, max_bytes)
        if not doc.ok:
            row.update(reason=doc.reason, error=doc.message)
            yield row
            continue
        decoded = decode(doc.raw or b"", doc.content_type)
        row.update(bytes=len(doc.raw or b""), compression=compression, encoding=decoded.encoding,
                   method=decoded.method, confidence=decoded.confidence, repairs=decoded.repairs,
                   declared=decoded.declared, evidence=decoded.evidence)
        yield row


def _cells(row: dict[str, Any]) -> tuple[str, list[str], str, bool]:
    """(file, the fixed columns' cells, evidence, whether it is an error),
    all printable."""
    if "error" in row:
        return (printable(row["file"]), ["", "error", "", "", ""],
                printable(f"{row['reason']}: {row['error']}"), True)
    evidence = (f"{row['compression']}-compressed; " if row.get("compression") else "") + row["evidence"]
    cells = [row["encoding"], row["method"], f"{row['confidence']:.2f}", ",".join(row["repairs"]),
             row["declared"] or ""]
    return printable(row["file"]), [printable(c) for c in cells], printable(evidence), False


def tail(text: str, width: int) -> str:
    """`text` in at most `width` cells, its end kept: `…site/page-0042.html`."""
    if cell_len(text) <= width:
        return text
    kept, used = [], cell_len(ELLIPSIS)
    for char in reversed(text):
        used += cell_len(char)
        if used > width:
            break
        kept.append(char)
    return ELLIPSIS + "".join(reversed(kept))


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def _wrap(text: str, width: int, console: Console) -> list[str]:
    """`text` wrapped on words to `width` cells (a longer word folded)."""
    return [line.plain.rstrip() for line in Text(text).wrap(console, max(width, 1), overflow="fold")] or [""]


def table_lines(rows: list[dict[str, Any]], console: Console) -> list[Text]:
    """The table for `console`'s width, one Text per screen line. Evidence
    has a column when it can be EVIDENCE_MIN wide, else it goes under its
    file; on a terminal too narrow even for that, the declared charset and
    the repairs join the evidence line rather than being cut off."""
    width = console.width
    names = list(COLUMNS)
    prepared = [_cells(row) for row in rows]
    files, cells, evidence, errors = ([row[i] for row in prepared] for i in range(4))
    longest_file = max([cell_len("file")] + [cell_len(f) for f in files])

    def column_widths() -> list[int]:
        return [max([cell_len(name)] + [cell_len(c[i]) for c in cells]) for i, name in enumerate(names)]

    widths = column_widths()
    room = width - sum(widths) - GAP * len(widths)  # for the file column and, if it fits, the evidence
    longest_evidence = max([cell_len("evidence")] + [cell_len(e) for e in evidence])
    file_width = min(longest_file, max(room - GAP - longest_evidence, room // 2))
    evidence_width = room - GAP - file_width
    inline = evidence_width >= EVIDENCE_MIN
    if not inline:
        for name in ("declared", "repairs"):
            if room >= min(longest_file, FILE_MIN):
                break
            at = names.index(name)
            names.pop(at)
            for i, row_cells in enumerate(cells):
                value = row_cells.pop(at)
                if value:
                    evidence[i] = f"{name} {value}; {evidence[i]}"
            widths = column_widths()
            room = width - sum(widths) - GAP * len(widths)
        file_width = max(min(longest_file, room), min(longest_file, FILE_MIN))

    def line(file: str, row_cells: list[str], text: str, style: str) -> Text:
        """A table row's first screen line: the file's end, the cells, the evidence's start."""
        shown = Text(_pad(tail(file, file_width), file_width), style=style)
        for cell, cell_width in zip(row_cells, widths):
            shown.append(" " * GAP + _pad(cell, cell_width), style=style)
        if text:
            shown.append(" " * GAP + text, style=style or "dim")
        shown.rstrip()
        return shown

    out = [line("file", names, "evidence" if inline else "", "bold")]
    indent = file_width + sum(widths) + GAP * (len(widths) + 1) if inline else 2
    for file, row_cells, text, error in zip(files, cells, evidence, errors):
        style = "red" if error else ""
        wrapped = _wrap(text, evidence_width if inline else width - indent, console)
        out.append(line(file, row_cells, wrapped[0] if inline else "", style))
        out += [Text(" " * indent + more, style=style or "dim") for more in wrapped[1 if inline else 0:]]
    return out


def write_table(rows: list[dict[str, Any]], console: Console | None = None) -> None:
    """The rows as a table on `console` (stdout's by default)."""
    from ..io.pipes import stdout_console

    console = console or stdout_console(highlight=False)
    for text in table_lines(rows, console):
        console.print(text, no_wrap=True, overflow="crop", soft_wrap=False)
