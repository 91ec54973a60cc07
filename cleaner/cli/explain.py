"""`cleaner explain`: one document line by line, kept or removed, and why."""

from __future__ import annotations

import os
import sys

import click

from ..document import Options
from .common import EXIT_FAILED, EXIT_OK

EXPLAIN_HELP = """Show how cleaner cleans FILE, line by line: kept or removed, and why.

Each line of the document is shown with the rule that removed or edited it
and the evidence: the lexicon entry, the tail block it sits in, the line it
repeats, or how often it recurs on its site. For HTML, the lines are those of
the blocks the block model kept, and every block it left out comes in its
place, numbered `-`, with its probability of being content and the cut the
page kept (rule block_model). Give CORPUS paths
(other pages of the same site) to learn site boilerplate from them.

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
    if os.path.isdir(file):
        raise click.UsageError(f"{file} is a directory: explain takes a FILE (one page; give the "
                               "directory after it as CORPUS to learn its site's boilerplate)")
    if not os.path.isfile(file):
        raise click.UsageError(f"no such file: {file}" if not os.path.exists(file) else
                               f"{file} is not a regular file: explain takes a FILE")
    target = os.path.abspath(file)
    options = Options(explain=True, site_learning=bool(corpus), dedup=bool(corpus))
    doc = None
    for candidate in clean([*corpus, file], options):
        if os.path.abspath(candidate.source) == target:
            doc = candidate  # the last one: FILE itself, even if CORPUS holds it too
    assert doc is not None
    if as_json:
        view.write_json(doc, sys.stdout)
    elif color if color is not None else sys.stdout.isatty():
        view.write_rich(doc)
    else:
        view.write_plain(doc, sys.stdout)
    sys.exit(EXIT_FAILED if doc.status == "failed" else EXIT_OK)
