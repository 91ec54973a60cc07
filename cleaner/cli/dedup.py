"""`cleaner dedup`: near-duplicate fields added to JSON Lines made by any tool."""

from __future__ import annotations

import os
import signal
import sys
import time

import click

from ..document import Options
from ..io.pipes import silence_closed_outputs
from ..io.writers import STDOUT, write_json
from ..views.terminal import interrupts_ignored, reading_hint
from .common import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERRUPTED,
    EXIT_OK,
    BadInput,
    check_outputs,
    probability,
    raise_interrupt,
)
from .report import check_report_html

DEDUP_HELP = """Flag near-duplicates in JSON Lines made by any tool.

Reads IN (a JSON Lines file, `-` for stdin) whose records carry an id and a
text, and writes every record back, in input order and otherwise unchanged,
with `duplicate_of`, `cluster`, `similarity`, `contained_in` and
`containment` added (see `cleaner clean --help` for their meaning). Lines
that are not JSON objects with a text are passed through, counted and named
on stderr (with the fields such records have); when no line has a text,
nothing is written and the exit status is 2.

\b
Examples:
  cleaner dedup corpus.jsonl -o corpus.dedup.jsonl
  cat crawl.jsonl | cleaner dedup - --text-field content --id-field url > out.jsonl
  cleaner dedup corpus.jsonl --drop-duplicates --keep longest --report dups.json
"""


@click.command("dedup", help=DEDUP_HELP)
@click.argument("source", metavar="IN")
@click.option("-o", "--output", default=STDOUT, show_default=True, metavar="FILE",
              help="Output JSON Lines, `-` for stdout (a regular file is written atomically).")
@click.option("--id-field", default="id", show_default=True, help="Field holding the record's id.")
@click.option("--text-field", default="text", show_default=True, help="Field holding the text.")
@click.option("--threshold", type=float, default=Options.threshold, show_default=True,
              callback=probability, envvar="CLEANER_THRESHOLD",
              help="Estimated Jaccard similarity of word n-gram sets for near-duplicates.")
@click.option("--containment", type=float, default=Options.containment, show_default=True,
              callback=probability, envvar="CLEANER_CONTAINMENT",
              help="Share of a shorter text's shingles inside a longer one for contained_in.")
@click.option("--keep", type=click.Choice(["first", "longest", "earliest-date"]), default=Options.keep,
              show_default=True, envvar="CLEANER_KEEP",
              help="The document a group keeps (earliest-date reads a `date` field, ISO).")
@click.option("--num-perm", type=click.IntRange(16, 1024), default=Options.num_perm, show_default=True,
              envvar="CLEANER_NUM_PERM", help="MinHash permutations.")
@click.option("--ngram", type=click.IntRange(1, 20), default=Options.ngram, show_default=True,
              envvar="CLEANER_NGRAM", help="Words per shingle.")
@click.option("--drop-duplicates", is_flag=True, envvar="CLEANER_DROP_DUPLICATES",
              help="Leave the duplicates out instead of flagging them.")
@click.option("--report", "report_path", metavar="FILE", envvar="CLEANER_REPORT",
              help="Write the figures and the duplicate clusters as JSON.")
@click.option("--report-html", "report_html", metavar="FILE", envvar="CLEANER_REPORT_HTML",
              help="Write the report as one HTML file that opens offline (needs pip install "
                   "'cleaner[report]'). Example: --report-html dups.html")
@click.option("--workers", type=click.IntRange(1), default=None, envvar="CLEANER_WORKERS",
              help="Processes computing signatures (default: all cores). Example: --workers 1")
@click.option("-q", "--quiet", is_flag=True, envvar="CLEANER_QUIET", help="No summary on stderr.")
def dedup_command(source, output, id_field, text_field, threshold, containment, keep, num_perm,
                  ngram, drop_duplicates, report_path, report_html, workers, quiet) -> None:
    from ..engines import default_workers
    from ..run.jsonl_dedup import DedupStats, NoValidRecords, dedup_lines

    options = Options(threshold=threshold, containment=containment, keep=keep, num_perm=num_perm,
                      ngram=ngram, drop_duplicates=drop_duplicates)
    if source == "-":
        stream = sys.stdin.buffer
        hint = reading_hint("JSON Lines")
        if hint and not quiet:
            click.echo(hint, err=True)
    else:
        try:
            stream = open(source, "rb")
        except OSError as exc:
            raise click.UsageError(f"cannot read {source}: {exc.strerror}")
    check_outputs(output, report_path, report_html)
    check_report_html(report_html)
    signal.signal(signal.SIGTERM, raise_interrupt)
    stats = DedupStats()
    started = time.monotonic()
    target = None
    try:
        if output == STDOUT:
            out = sys.stdout.buffer
        else:
            from ..io.outputs import open_output
            target = out = open_output(output, binary=True)
        for line in dedup_lines(stream, options, id_field, text_field, stats, workers or default_workers()):
            out.write(line)
        out.flush()
    except BrokenPipeError:
        silence_closed_outputs()
        sys.exit(EXIT_BROKEN_PIPE)
    except KeyboardInterrupt:
        if target:
            target.abort()
        with interrupts_ignored():
            click.echo("cleaner: interrupted" + (f"; {output} was not written" if target else ""), err=True)
        sys.exit(EXIT_INTERRUPTED)
    except NoValidRecords as exc:  # raised before any line is written
        if target:
            target.abort()
        label = "standard input" if source == "-" else source
        raise BadInput(exc.invalid.error(label, text_field, id_field)) from None
    except BaseException:
        if target:
            target.abort()
        raise
    if target:
        target.commit()
    seconds = time.monotonic() - started
    figures = {"output": os.path.abspath(output) if output != STDOUT else None,
               "id_field": id_field, "text_field": text_field,  # for `cleaner dups` to read the output
               "records_read": stats.read, "written": stats.written, "flagged_duplicates": stats.flagged,
               "dropped_duplicates": stats.dropped, "invalid_records": stats.invalid,
               "bytes_in": stats.bytes_in, "seconds": round(seconds, 3),
               "accounted": stats.read == stats.written + stats.dropped, "clusters": stats.clusters}
    if report_path:
        write_json(report_path, figures)
    if report_html:
        from ..views.html_report import write_report_html
        write_report_html(figures, report_html, report_path)
    if not quiet:
        from ..views.summary import print_dedup_summary
        print_dedup_summary(figures)
    for line in stats.invalid_records.warnings(text_field, id_field):  # named even with -q
        click.echo(line, err=True)
    sys.exit(EXIT_OK)
