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

from ..io.pipes import printable

_SENTENCE = re.compile(r"(?<=[.!?…。！？])\s+|\n+")
_CLUSTER_KEYS = ("cluster", "kept", "size", "members")
CLUSTERS_NAMED = 10  # clusters an unknown --cluster's error lists


class ReportError(ValueError):
    """A report that cannot be read or used; the message is for people."""


def read_report(path: str) -> dict:
    """The figures of a report written by `clean --report` or `dedup
    --report`; ReportError, with one line saying what the file is instead."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except OSError as exc:
        raise ReportError(f"cannot read the report {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ReportError(f"{path} is not a report of `cleaner clean --report` or `cleaner dedup "
                          "--report`: it is not UTF-8 text") from None
    try:
        figures = json.loads(text)
    except (ValueError, RecursionError):
        what = "it is JSON Lines (a corpus?)" if _json_lines(text) else "it is not JSON"
        raise ReportError(f"{path} is not a report of `cleaner clean --report` or `cleaner dedup "
                          f"--report`: {what}") from None
    clusters = figures.get("clusters") if isinstance(figures, dict) else None
    if not isinstance(clusters, list) or not all(
            isinstance(c, dict) and all(key in c for key in _CLUSTER_KEYS) for c in clusters):
        raise ReportError(f"{path} is not a report of `cleaner clean --report` or `cleaner dedup "
                          "--report`: it has no list of clusters")
    return figures


def _json_lines(text: str) -> bool:
    """Whether the first line of `text` is a JSON object on its own."""
    first = text.lstrip().partition("\n")[0]
    try:
        return isinstance(json.loads(first), dict)
    except (ValueError, RecursionError):
        return False


def select_clusters(clusters: list[dict], wanted: Iterable[str]) -> list[dict]:
    """The clusters named by `wanted` (all when none is); ReportError naming
    those the report does not have, and some it has."""
    wanted = list(dict.fromkeys(wanted))
    if not wanted:
        return clusters
    have = {c["cluster"] for c in clusters}
    missing = [name for name in wanted if name not in have]
    if missing:
        names = sorted(clusters, key=lambda c: (-c["size"], str(c["cluster"])))[:CLUSTERS_NAMED]
        listed = ", ".join(printable(str(c["cluster"])) for c in names)
        more = len(clusters) - len(names)
        known = (f"its clusters: {listed}" + (f" and {more:,} more" if more else "")
                 if clusters else "it has no duplicate clusters")
        raise ReportError(f"no cluster {', '.join(printable(name) for name in missing)} in the report; {known}")
    return [c for c in clusters if c["cluster"] in set(wanted)]


def sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENTENCE.split(text) if s.strip()]


def load_texts(corpus: IO[str], wanted: set[str], id_field: str = "id",
               text_field: str = "text") -> dict[str, str]:
    """Texts of the wanted ids, reading the corpus once."""
    return {doc_id: text for doc_id, (_, text) in load_records(corpus, wanted, id_field, text_field).items()}


def load_records(corpus: IO[str], wanted: set[str], id_field: str = "id",
                 text_field: str = "text") -> dict[str, tuple[str, str]]:
    """(title, text) of the wanted ids (title "" when a record has none),
    reading JSON Lines once; lines that are not records are passed over."""
    found = {}
    for line in corpus:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict):
            continue
        doc_id = str(record.get(id_field))
        if doc_id in wanted and isinstance(record.get(text_field), str):
            found[doc_id] = (str(record.get("title") or ""), record[text_field])
    return found


def no_texts_hint(corpus: str, id_field: str, text_field: str) -> str:
    """What to say when the corpus holds none of the clusters' texts: most
    likely its records name ids and texts otherwise."""
    return printable(f"cleaner dups: no text of these clusters in {corpus} (ids read from {id_field!r}, "
                     f"texts from {text_field!r}): give --id-field and --text-field")


def alignment(kept: str, other: str) -> list[tuple[str, str, str]]:
    """(tag, kept sentence(s), other sentence(s)); tag is equal, replace, delete or insert."""
    left, right = sentences(kept), sentences(other)
    rows = []
    matcher = difflib.SequenceMatcher(a=left, b=right, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        rows.append((tag, " ".join(left[i1:i2]), " ".join(right[j1:j2])))
    return rows


def kept_key(cluster: dict) -> tuple[int | None, str]:
    """The kept document's key in `texts`: (its index run, or None for the run's own, id)."""
    return cluster.get("kept_run"), cluster["kept"]


def member_key(member: dict) -> tuple[int | None, str]:
    return member.get("run"), member["id"]


def named(key: tuple[int | None, str]) -> str:
    return key[1] if key[0] is None else f"{key[1]} (run {key[0]})"


def missing(keys: Iterable[tuple[int | None, str]], texts: dict, runs: dict[str, list[str]]) -> str | None:
    """Why a pair cannot be shown, or None when both texts are at hand."""
    for run, _ in (k for k in keys if k not in texts):
        if run is None:
            return "(text not in the corpus)"
        places = ", ".join(runs.get(str(run)) or []) or "no output file"
        return f"(text not at hand: run {run} of the index wrote it to {places})"
    return None


def write_plain(clusters: Iterable[dict], texts: dict, out: IO[str], runs: dict | None = None) -> None:
    """Diff-like text: two spaces for shared sentences, `- ` only in the kept
    document, `+ ` only in the duplicate. `texts` by member_key; `runs`: the
    outputs of earlier index runs, to say where texts not at hand are."""
    for cluster in clusters:
        kept = named(kept_key(cluster))
        out.write(printable(f"## cluster {cluster['cluster']}: {cluster['size']} documents, kept {kept}") + "\n")
        for member in cluster["members"]:
            if member_key(member) == kept_key(cluster):
                continue
            extra = (f", contained in {member['contained_in']} ({member['containment']:.2f})"
                     if member.get("contained_in") else "")
            out.write(printable(f"### {named(member_key(member))} vs {kept}: similarity "
                                f"{member['similarity']:.2f}{extra}") + "\n")
            why = missing((kept_key(cluster), member_key(member)), texts, runs or {})
            if why:
                out.write(printable(why) + "\n")
                continue
            for tag, left, right in alignment(texts[kept_key(cluster)], texts[member_key(member)]):
                if tag == "equal":
                    out.write(printable(f"  {left}") + "\n")
                else:
                    if left:
                        out.write(printable(f"- {left}") + "\n")
                    if right:
                        out.write(printable(f"+ {right}") + "\n")


def write_rich(clusters: Iterable[dict], texts: dict, runs: dict | None = None) -> None:
    """Side by side on a terminal: the kept document left, the duplicate right."""
    from rich.table import Table
    from rich.text import Text

    from ..io.pipes import stdout_console

    console = stdout_console(highlight=False)
    for cluster in clusters:
        kept = named(kept_key(cluster))
        console.rule(Text(printable(f"cluster {cluster['cluster']} · {cluster['size']} documents · kept {kept}")))
        for member in cluster["members"]:
            if member_key(member) == kept_key(cluster):
                continue
            title = printable(f"{named(member_key(member))}: similarity {member['similarity']:.2f}"
                              + (f", contained ({member['containment']:.2f})" if member.get("contained_in") else ""))
            table = Table(title=title, show_header=True, header_style="bold", expand=True, show_lines=False)
            table.add_column(printable(f"{kept} (kept)"), ratio=1, overflow="fold")
            table.add_column(printable(named(member_key(member))), ratio=1, overflow="fold")
            why = missing((kept_key(cluster), member_key(member)), texts, runs or {})
            if why:
                table.add_row(printable(why), "")
            else:
                for tag, left, right in alignment(texts[kept_key(cluster)], texts[member_key(member)]):
                    style = "dim" if tag == "equal" else "bold yellow"
                    table.add_row(Text(printable(left), style=style if left else None),
                                  Text(printable(right), style=style if right else None))
            console.print(table)


def earlier_texts(keys: set, runs: dict[str, list[str]]) -> dict:
    """Texts of earlier index runs' members, from those runs' JSON Lines
    outputs where they are still at hand (others are said to be elsewhere)."""
    texts = {}
    for run in sorted({r for r, _ in keys if r is not None}):
        wanted = {i for r, i in keys if r == run}
        for path in runs.get(str(run)) or []:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    found = load_texts(handle, wanted, "id", "text")
            except (OSError, UnicodeError):
                continue
            texts.update({(run, i): t for i, t in found.items()})
    return texts
