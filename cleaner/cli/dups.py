"""`cleaner dups`: a report's duplicate clusters, side by side."""

from __future__ import annotations

import sys

import click

from ..io.writers import STDOUT
from .common import EXIT_OK, BadInput

DUPS_HELP = """Show near-duplicate clusters from a report, side by side.

REPORT is the JSON written by `cleaner clean --report` or `cleaner dedup
--report`. Texts come from the corpus that run wrote (its path is in the
report, and for `dedup` the fields holding ids and texts) or from --corpus.
For each duplicate, its sentences are aligned with
the kept document's: shared ones dimmed, the passages that differ highlighted.
Coloured columns on a terminal; when piped, diff-like text (two spaces:
shared, `- `: only in the kept document, `+ `: only in the duplicate).

\b
Examples:
  cleaner clean crawl/ -o corpus.jsonl --report report.json
  cleaner dups report.json
  cleaner dups report.json --cluster d017 | less
"""


@click.command("dups", help=DUPS_HELP)
@click.argument("report", metavar="REPORT")
@click.option("--corpus", metavar="FILE", help="JSON Lines holding the texts (default: the report's output).")
@click.option("--cluster", "cluster_ids", multiple=True, metavar="ID", help="Show only this cluster (repeatable).")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True,
              help="At most this many clusters, largest first.")
@click.option("--id-field", default=None,
              help="Field of the corpus holding ids (default: the report's, as `dedup` recorded it, else id).")
@click.option("--text-field", default=None,
              help="Field of the corpus holding texts (default: the report's, else text).")
@click.option("--color/--no-color", default=None, help="Side by side in colour (default: on a terminal).")
def dups_command(report, corpus, cluster_ids, limit, id_field, text_field, color) -> None:
    from ..views import dups

    try:
        figures = dups.read_report(report)
        clusters = dups.select_clusters(figures["clusters"], cluster_ids)
    except dups.ReportError as exc:
        raise BadInput(str(exc)) from None
    corpus = corpus or figures.get("output")
    if not corpus or corpus == STDOUT:
        raise click.UsageError("the report names no corpus file: give --corpus FILE")
    id_field = id_field or figures.get("id_field") or "id"
    text_field = text_field or figures.get("text_field") or "text"
    clusters = sorted(clusters, key=lambda c: (-c["size"], c["cluster"]))[:limit]
    keys = {dups.member_key(m) for c in clusters for m in c["members"]}
    try:
        with open(corpus, encoding="utf-8", errors="replace") as handle:
            texts = {(None, i): t for i, t in dups.load_texts(handle, {i for r, i in keys if r is None},
                                                             id_field, text_field).items()}
    except OSError as exc:
        raise click.UsageError(f"cannot read the corpus {corpus}: {exc.strerror}")
    runs = (figures.get("index") or {}).get("earlier_runs") or {}
    texts.update(dups.earlier_texts(keys, runs))
    if not clusters:
        click.echo("no duplicate clusters", err=True)
        sys.exit(EXIT_OK)
    if not texts:
        click.echo(dups.no_texts_hint(corpus, id_field, text_field), err=True)
    if color if color is not None else sys.stdout.isatty():
        dups.write_rich(clusters, texts, runs)
    else:
        dups.write_plain(clusters, texts, sys.stdout, runs)
    sys.exit(EXIT_OK)

