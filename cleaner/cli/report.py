"""`cleaner report`: the HTML report of a run, from its JSON report."""

from __future__ import annotations

import click

from ..io.writers import STDOUT, write_json
from .common import BadInput, check_outputs

INPUTS_NAMED = 100  # the inputs a report names (directories and globs, as given); it counts them all

REPORT_HELP = """Draw a run's JSON report as one HTML file that opens offline.

REPORT is the JSON written by `cleaner clean --report` or `cleaner dedup
--report`. The page shows where the documents went, the chrome removed by
kind and by site with the boilerplate learned, the encodings and languages,
the near-duplicate clusters (searchable; each opens to the kept text beside
each member, the passages that differ highlighted) and the documents not
written (filterable). The clusters' texts come from the corpus the run
wrote (its path is in the report) or from --corpus. Needs
`pip install 'cleaner[report]'`.

\b
Examples:
  cleaner clean crawl/ -o corpus.jsonl --report report.json
  cleaner report report.json -o report.html
  cleaner report report.json --corpus moved/corpus.jsonl > report.html
"""


@click.command("report", help=REPORT_HELP)
@click.argument("report", metavar="REPORT")
@click.option("-o", "--output", default=STDOUT, show_default=True, metavar="FILE",
              help="Where the HTML goes (- is standard output). Example: -o report.html")
@click.option("--corpus", metavar="FILE", multiple=True,
              help="JSON Lines or Parquet holding the clusters' texts, when not where the report says "
                   "(repeatable: shards). Example: --corpus moved/corpus.jsonl")
@click.option("--id-field", default=None, metavar="NAME",
              help="Field of the corpus holding ids (default: the report's, else id). Example: --id-field doc_id")
@click.option("--text-field", default=None, metavar="NAME",
              help="Field of the corpus holding texts (default: the report's, else text). Example: --text-field body")
def report_command(report, output, corpus, id_field, text_field) -> None:
    from ..views import dups
    from ..views.html_report import MissingExtra, require_libraries, write_report_html

    try:
        require_libraries()
    except MissingExtra as exc:
        raise click.UsageError(str(exc)) from None
    check_outputs(output)
    try:
        figures = dups.read_report(report)
    except dups.ReportError as exc:
        raise BadInput(str(exc)) from None
    found = write_report_html(figures, output, report, list(corpus) or None, id_field, text_field)
    if figures.get("clusters") and not found["texts"]:
        where = "in --corpus" if corpus else "where the report says (give --corpus FILE)"
        click.echo(f"cleaner report: no texts of the clusters {where}; they are listed without them", err=True)


def check_report_html(path: str | None) -> None:
    """Before any work: an HTML report asked for needs the report extra."""
    if path:
        from ..views.html_report import MissingExtra, require_libraries

        try:
            require_libraries()
        except MissingExtra as exc:
            raise click.UsageError(str(exc)) from None


def write_reports(stats, reports: tuple[str | None, str | None], inputs: list[str],
                  output: str | list[str] | None) -> None:
    """A `clean` run's JSON and HTML reports (either may be None): its
    figures, with its inputs as given, when it started, and its output (a
    file, shards, or None: standard output or --out-dir)."""
    import os

    report_path, report_html = reports
    if output is not None:
        output = [os.path.abspath(p) for p in output] if isinstance(output, list) else os.path.abspath(output)
    figures = {"inputs": inputs[:INPUTS_NAMED], "inputs_count": len(inputs), "started": stats.started_at,
               **stats.as_dict(), **({"output": output} if output is not None else {})}
    if report_path:
        write_json(report_path, figures)
    if report_html:
        from ..views.html_report import write_report_html

        write_report_html(figures, report_html, report_path)
