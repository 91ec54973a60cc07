"""`cleaner explain`: a document line by line, kept or removed, with the rule and
the evidence. Coloured on a terminal, plain text when piped, JSON for tools.

Page text is untrusted: control characters and terminal escape sequences are
made visible, never written raw to the terminal.
"""

from __future__ import annotations

import json
from typing import IO, Any

from ..document import Document
from ..io.pipes import printable


def summary(doc: Document) -> dict[str, Any]:
    """What explain reports about a document, JSON-ready."""
    return {
        "id": doc.id, "source": doc.source, "status": doc.status, "reason": doc.reason,
        "message": doc.message, "format": doc.format, "title": doc.title, "date": doc.date,
        "encoding": doc.encoding, "encoding_method": doc.encoding_method,
        "confidence": doc.confidence, "repairs": doc.repairs,
        "duplicate_of": doc.duplicate_of, "chars_in": doc.chars_in, "chars_out": doc.chars_out,
        "lines": doc.explain or [],
    }


def write_json(doc: Document, out: IO[str]) -> None:
    out.write(json.dumps(summary(doc), ensure_ascii=False) + "\n")


def write_plain(doc: Document, out: IO[str]) -> None:
    """One line per input line: `keep` or `drop`, line number, rule, evidence,
    text. For HTML the blocks the extraction left out come in their places,
    numbered `-` (they never were lines of the extracted text)."""
    info = summary(doc)
    out.write(printable(f"# {info['source']}: {info['format'] or '-'}, {info['encoding'] or '-'} "
                        f"({info['encoding_method'] or '-'}), {doc.status}"
                        + (f" ({doc.reason}: {doc.message})" if doc.reason else "")) + "\n")
    if doc.title:
        out.write(printable(f"# title: {doc.title}") + "\n")
    for line in info["lines"]:
        verdict = "keep" if line["keep"] else "drop"
        why = f"{line['rule']}: {line['evidence']}" if line["rule"] else ""
        number = "-" if line["line"] is None else line["line"]  # a block left out before the rules
        out.write(printable(f"{verdict}\t{number}\t{why}\t{line['text'].strip()}") + "\n")


def write_rich(doc: Document) -> None:
    """Coloured view on stderr-free stdout: kept lines plain, removed ones dimmed
    with their rule, edits (a cut suffix or prefix) marked."""
    from rich.table import Table
    from rich.text import Text

    from ..io.pipes import stdout_console

    console = stdout_console(highlight=False)
    head = Text(printable(f"{doc.source}"), style="bold")
    head.append(printable(f"  {doc.format or '-'} · {doc.encoding or '-'} ({doc.encoding_method or '-'})"
                          f" · {doc.status}" + (f" ({doc.reason})" if doc.reason else "")), style="dim")
    console.print(head)
    if doc.title:
        console.print(Text(printable(f"title: {doc.title}"), style="cyan"))
    table = Table(show_header=True, header_style="bold", box=None, padding=(0, 1), expand=True)
    table.add_column("#", justify="right", style="dim", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("rule", style="yellow", no_wrap=True, max_width=18)
    table.add_column("evidence", style="dim", max_width=36, overflow="ellipsis", no_wrap=True)
    table.add_column("text", ratio=1, overflow="fold")
    for line in doc.explain or []:
        kept = line["keep"]
        text = Text(printable(line["text"].strip()), style=None if kept else "dim strike")
        mark = Text("✓", style="green") if kept else Text("✗", style="red")
        if kept and line["rule"]:
            mark = Text("~", style="yellow")  # kept, edited
        table.add_row("" if line["line"] is None else str(line["line"]), mark, printable(line["rule"]),
                      printable(line["evidence"]), text)
    console.print(table)
