"""`cleaner detect`: how each input decodes, and why."""

from __future__ import annotations

import json
import sys

import click

from ..document import Options
from ..views.terminal import reading_hint
from .common import EXIT_FAILED, EXIT_OK

DETECT_HELP = """Show how cleaner decodes each FILE: the encoding it settles on and why.

Files are read exactly as `cleaner clean` reads them: directories walked,
globs expanded, `-` for standard input, gzip, bzip2, xz and zstd expanded
whatever the file's name. For every file it prints the encoding, the method
(bom, utf8, declared, detected, fallback), the confidence, the repairs made
after decoding (mojibake, nfc, lookalike, replacement), the charset the file
declares, and the evidence (and the compression). Use it to check a crawl's
encodings before cleaning it.

Output is a table on a terminal (long paths show their end; the evidence
wraps, under each file on a narrow terminal) and JSON Lines when piped.

\b
Examples:
  cleaner detect crawl/
  cleaner detect 'old-site/**/*.htm' | jq -r 'select(.method == "fallback") | .file'
"""


@click.command("detect", help=DETECT_HELP)
@click.argument("inputs", nargs=-1, required=True, metavar="FILE...")
@click.option("--json/--table", "as_json", default=None,
              help="JSON Lines or a table (default: table on a terminal, JSON Lines when piped).")
@click.option("--max-bytes", type=click.IntRange(1), default=Options.max_bytes, show_default=True,
              help="Files larger than this are reported as too_large.")
def detect_command(inputs: tuple[str, ...], as_json: bool | None, max_bytes: int) -> None:
    from ..views.detect import detect_rows, write_table

    stdin = sys.stdin.buffer if sys.stdin is not None else None
    hint = reading_hint("a document") if "-" in inputs else None
    if hint:
        click.echo(hint, err=True)
    rows = detect_rows(inputs, max_bytes, stdin=stdin)
    failed = False
    if as_json if as_json is not None else not sys.stdout.isatty():
        for row in rows:  # as they come: a crawl's rows need not wait for its last file
            failed |= "error" in row
            sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
    else:
        rows = list(rows)
        failed = any("error" in row for row in rows)
        write_table(rows)
    sys.exit(EXIT_FAILED if failed else EXIT_OK)
