"""`cleaner dups`: duplicate clusters from a report, side by side, with the
passages that differ highlighted.

The report names the clusters; the texts come from the corpus the run wrote
(the report records its path) or from `--corpus`. Sentences are aligned with
difflib: shared sentences are dimmed, sentences only one version has are
highlighted. Page text is untrusted: control characters are escaped.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable
from typing import IO

from .explain import printable

_SENTENCE = re.compile(r"(?<=[.!?…。！？])\s+|\n+")


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def load_texts(corpus: IO[str], wanted: set[str], id_field: str = "id",
               text_field: str = "text") -> dict[str, str]:
    """Texts of the wanted ids, reading the corpus once."""
    texts = {}
    for line in corpus:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        doc_id = str(record.get(id_field))
        if doc_id in wanted and isinstance(record.get(text_field), str):
            texts[doc_id] = record[text_field]
    return texts


def alignment(kept: str, other: str) -> list[tuple[str, str, str]]:
    """(tag, kept sentence(s), other sentence(s)); tag is equal, replace, delete or insert."""
    left, right = sentences(kept), sentences(other)
    rows = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        rows.append((tag, " ".join(left[i1:i2]), " ".join(right[j1:j2])))
    return rows


def write_plain(clusters: Iterable[dict], texts: dict[str, str], out: IO[str]) -> None:
    """Diff-like text: two spaces for shared sentences, `- ` only in the kept
    document, `+ ` only in the duplicate."""
    for cluster in clusters:
        kept = cluster["kept"]
        out.write(printable(f"## cluster {cluster['cluster']}: {cluster['size']} documents, kept {kept}") + "\n")
        for member in cluster["members"]:
            if member["id"] == kept:
                continue
            extra = (f", contained in {member['contained_in']} ({member['containment']:.2f})"
                     if member.get("contained_in") else "")
            out.write(printable(f"### {member['id']} vs {kept}: similarity {member['similarity']:.2f}{extra}") + "\n")
            if kept not in texts or member["id"] not in texts:
                out.write("(text not in the corpus)\n")
                continue
            for tag, left, right in alignment(texts[kept], texts[member["id"]]):
                if tag == "equal":
                    out.write(printable(f"  {left}") + "\n")
                else:
                    if left:
                        out.write(printable(f"- {left}") + "\n")
                    if right:
                        out.write(printable(f"+ {right}") + "\n")


def write_rich(clusters: Iterable[dict], texts: dict[str, str]) -> None:
    """Side by side on a terminal: the kept document left, the duplicate right."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = Console(highlight=False)
    for cluster in clusters:
        kept = cluster["kept"]
        console.rule(Text(printable(f"cluster {cluster['cluster']} · {cluster['size']} documents · kept {kept}")))
        for member in cluster["members"]:
            if member["id"] == kept:
                continue
            title = printable(f"{member['id']}: similarity {member['similarity']:.2f}"
                              + (f", contained ({member['containment']:.2f})" if member.get("contained_in") else ""))
            table = Table(title=title, show_header=True, header_style="bold", expand=True, show_lines=False)
            table.add_column(printable(f"{kept} (kept)"), ratio=1, overflow="fold")
            table.add_column(printable(member["id"]), ratio=1, overflow="fold")
            if kept not in texts or member["id"] not in texts:
                table.add_row("(text not in the corpus)", "")
            else:
                for tag, left, right in alignment(texts[kept], texts[member["id"]]):
                    style = "dim" if tag == "equal" else "bold yellow"
                    table.add_row(Text(printable(left), style=style if left else None),
                                  Text(printable(right), style=style if right else None))
            console.print(table)
