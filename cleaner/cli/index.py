"""`cleaner index`: look after a persistent near-duplicate index (--index)."""

from __future__ import annotations

import json
import sys

import click

from .common import EXIT_OK, BadInput

INDEX_HELP = """Look after a persistent near-duplicate index.

`cleaner clean --index FILE|URL` checks each run against the documents of
earlier runs and adds its own; these commands show and change what it holds.

\b
Examples:
  cleaner index stats corpus.idx
  cleaner index remove corpus.idx --ids-from retracted.txt
"""


@click.group("index", help=INDEX_HELP)
def index_command() -> None:
    pass


def _opened(location: str):
    from ..dedup.store import IndexProblem, open_index

    try:
        return open_index(location, create=False)
    except IndexProblem as exc:
        raise BadInput(str(exc)) from None


@index_command.command("stats")
@click.argument("location", metavar="FILE|URL")
@click.option("--json", "as_json", is_flag=True,
              help="Print the figures as JSON on stdout. Example: cleaner index stats corpus.idx --json | jq .runs")
def stats_command(location: str, as_json: bool) -> None:
    """Documents, runs, size and parameters of an index.

    \b
    Example:
      cleaner index stats corpus.idx
    """
    store = _opened(location)
    try:
        figures = store.stats()
    finally:
        store.close()
    if as_json:
        click.echo(json.dumps(figures, ensure_ascii=False, indent=2))
        sys.exit(EXIT_OK)
    p = figures["parameters"]
    lines = [f"index        {figures['location']} ({figures['store']}, format {figures['format']})",
             f"documents    {figures['documents']:,} ({figures['removed']:,} removed)",
             f"size         {figures['bytes'] / 1e6:,.1f} MB ({figures['bytes_per_document']:,} bytes a document"
             f"{', in Redis memory' if figures['store'] == 'redis' else ' on disk'})",
             f"parameters   num_perm {p['num_perm']}, {p['ngram']}-grams, seed {p['seed']}, "
             f"{p['bands']} bands x {p['rows']} rows, {p['scheme']}, {p['signature_bits']}-bit signatures",
             f"runs         {len(figures['runs'])}"]
    for run in figures["runs"]:
        lines.append(f"  run {run['run']}: {run.get('documents') or 0:,} documents, {run.get('finished')}, "
                     f"texts in {', '.join(run.get('outputs') or []) or '(no output file)'}")
    click.echo("\n".join(lines))


@index_command.command("remove")
@click.argument("location", metavar="FILE|URL")
@click.argument("ids", nargs=-1, metavar="[ID]...")
@click.option("--ids-from", metavar="FILE",
              help="Ids to take out, one per line (- for stdin). Example: --ids-from retracted.txt")
def remove_command(location: str, ids: tuple[str, ...], ids_from: str | None) -> None:
    """Take documents out of an index by id: later runs no longer match them.

    \b
    Examples:
      cleaner index remove corpus.idx d017 d018
      cleaner index remove corpus.idx --ids-from retracted.txt
    """
    wanted = list(ids)
    if ids_from is not None:
        try:
            stream = sys.stdin if ids_from == "-" else open(ids_from, encoding="utf-8")
            wanted += [line.strip() for line in stream if line.strip()]
        except OSError as exc:
            raise BadInput(f"cannot read --ids-from {ids_from}: {exc.strerror}") from None
    if not wanted:
        raise click.UsageError("give ids to remove, or --ids-from FILE")
    store = _opened(location)
    try:
        taken = store.remove(wanted)
    finally:
        store.close()
    click.echo(f"cleaner: {taken:,} indexed documents removed ({len(wanted) - min(taken, len(wanted)):,} "
               "ids not in the index)" if taken < len(wanted) else f"cleaner: {taken:,} indexed documents removed",
               err=True)
