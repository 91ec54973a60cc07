"""`cleaner explain`: one document line by line, kept or removed, and why."""

from __future__ import annotations

import os
import sys

import click

from ..document import SKIPPED, Options
from .common import EXIT_FAILED, EXIT_OK

EXPLAIN_HELP = """Show how cleaner cleans FILE, line by line: kept or removed, and why.

Each line of the document is shown with the rule that removed or edited it
and the evidence: the lexicon entry, the tail block it sits in, the line it
repeats, or how often it recurs on its site. For HTML, the lines are those of
the blocks the block model kept, and every block it left out comes in its
place, numbered `-`, with its probability of being content and the cut the
page kept (rule block_model). Give CORPUS paths
(other pages of the same site) to learn site boilerplate from them.

FILE may be a crawl (WARC, ARC) or another tool's JSON Lines or Parquet
file: its first document is shown, or the one FILE@WHERE names (WHERE as in
the record's `source`: a WARC record's offset, a JSON Lines line, a Parquet
row).

Output is coloured on a terminal, plain tab-separated text when piped
(keep|drop, line, rule: evidence, text), and JSON with --json.

\b
Examples:
  cleaner explain samples/000_b2d4cadf0807df7d.txt
  cleaner explain crawl/site/page12.html crawl/site/ --json | jq '.lines[] | select(.keep|not)'
"""


@click.command("explain", help=EXPLAIN_HELP)
@click.argument("file", metavar="FILE")
@click.argument("corpus", nargs=-1, metavar="[CORPUS]...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the document and its lines.")
@click.option("--color/--no-color", default=None,
              help="Colour the view (default: only when stdout is a terminal).")
def explain_command(file: str, corpus: tuple[str, ...], as_json: bool, color: bool | None) -> None:
    from ..run.pipeline import clean
    from ..views import explain as view

    if file == "-":
        raise click.UsageError("explain needs a FILE path (stdin is not supported)")
    path, record = file, None
    if not os.path.exists(file) and "@" in file and os.path.isfile(file.rpartition("@")[0]):
        path, record = file.rpartition("@")[0], file  # one record of a crawl or records file: FILE@WHERE
    if os.path.isdir(path):
        raise click.UsageError(f"{file} is a directory: explain takes a FILE (one page; give the "
                               "directory after it as CORPUS to learn its site's boilerplate)")
    if not os.path.isfile(path):
        raise click.UsageError(f"no such file: {file}" if not os.path.exists(path) else
                               f"{file} is not a regular file: explain takes a FILE")
    target = os.path.abspath(path)
    options = Options(explain=True, site_learning=bool(corpus), dedup=bool(corpus))
    found: list = []
    for candidate in clean([*corpus, path], options):
        source, _, offset = candidate.source.rpartition("@") if "@" in candidate.source else (candidate.source, "", "")
        if os.path.abspath(candidate.source) == target:
            found = [candidate]  # the last one: FILE itself, even if CORPUS holds it too
        elif os.path.abspath(source) == target and candidate.status != SKIPPED:
            if record is None or f"{path}@{offset}" == record:
                found.append(candidate)  # a document of the crawl FILE
    if not found:
        raise click.UsageError(f"{file}: no document to explain (a file whose records are all skipped, "
                               "or none at that place)")
    doc = found[0]
    if len(found) > 1:
        click.echo(f"cleaner: {path} holds {len(found)} documents; explaining the first, "
                   f"{doc.source} (explain FILE@WHERE for another)", err=True)
    if as_json:
        view.write_json(doc, sys.stdout)
    elif color if color is not None else sys.stdout.isatty():
        view.write_rich(doc)
    else:
        view.write_plain(doc, sys.stdout)
    sys.exit(EXIT_FAILED if doc.status == "failed" else EXIT_OK)
