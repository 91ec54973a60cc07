"""The `cleaner` command: a thin layer over `cleaner.clean`.

stdout carries data only (JSON Lines); everything for people goes to stderr.
Exit codes: 0 the run completed and every document was read, 1 some document
failed (unreadable, missing, internal error), 2 usage error, 130 interrupted,
141 output pipe closed early (as `| head` does).
"""

from __future__ import annotations

import errno
import io
import json
import os
import signal
import sys
import tempfile
import time

import click

from . import __version__
from .document import Options
from .io.outputs import output_problem, resolve
from .io.pipes import closed_pipe_reported, silence_closed_outputs
from .io.writers import STDOUT, JsonlWriter, TextDirWriter, write_json
from .run.parallel import default_workers
from .views.terminal import Counter, input_counter, interrupts_ignored, reading_hint, stdin_hint

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141

# cleaner does no linear algebra, yet numpy's OpenBLAS starts a thread per
# extra core when numpy is imported, and that thread busy-waits ~0.1 s of CPU
# before it sleeps: CPU the workers need. A value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

CLEAN_HELP = """Clean and deduplicate web pages into a text corpus.

INPUT is any mix of files, directories (walked recursively in sorted order,
hidden entries skipped), glob patterns and `-` for standard input. HTML or
text dump is sniffed from the content. Each document is decoded (BOM, strict
UTF-8, declared charset, chardet), stripped of site chrome (for HTML a block
model with trafilatura as one of its inputs, then cleaner's line rules;
the line rules alone for text dumps) and fingerprinted; near-duplicates
are flagged with `duplicate_of`, `cluster` and `similarity`.

Output is JSON Lines on stdout (or -o FILE); the summary goes to stderr.
Every document not written is listed by --errors and counted in the summary
and --report with a reason; the first 20 failed inputs are also named on
stderr. An output file (-o, --report, --errors, the files in --out-dir) is
written under a temporary name and renamed into place when complete, with
the mode your umask gives (a replaced file keeps its own); a symlink's target
is written so and the link stays; a device, named pipe, socket or /dev/fd/N
(as `-o >(gzip > c.gz)` gives) is written through.

\b
Examples:
  cleaner clean samples/ -o corpus.jsonl
  find crawl/ -name '*.html' | cleaner clean --files-from - > corpus.jsonl
  cleaner clean 'crawl/**/*.txt' --drop-duplicates --report report.json
  cleaner clean page.html --format txt --out-dir clean/
  cat page.html | cleaner clean - | jq -r .text

A run writing to a file keeps its processed documents in a journal beside
the output (.NAME.cleaner-journal, removed when the run completes); if the
run is killed or interrupted, the same command with --resume continues from
where it stopped and writes the same output as an uninterrupted run (a run
without --resume says it discards the journal). An output written through
(a device, pipe, /dev/fd/N) keeps no journal: --resume is unavailable.

\b
Exit status:
  0    the run completed and every document was read
  1    some documents failed (see --errors); the others were written
  2    usage error (bad option or value, an output that cannot be written)
  130  interrupted (Ctrl-C or SIGTERM)
  141  the output pipe was closed early (e.g. by `head`)
"""


def _probability(ctx, param, value):
    if value is not None and not 0.0 < value <= 1.0:
        raise click.BadParameter("must be in (0, 1]")
    return value


class _CannotWrite(click.ClickException):
    exit_code = EXIT_USAGE


class _BadInput(click.ClickException):
    """An input that cannot be what the command takes: exit 2, one message."""

    exit_code = EXIT_USAGE


class _Group(click.Group):
    """Turns an output that cannot be written (a report in /proc, a full disk)
    into a one-line error with exit 2, a closed output pipe into a quiet exit
    141, and a Ctrl-C that no command reported (one while it was starting)
    into exit 130, whichever command met it."""

    def invoke(self, ctx: click.Context):
        try:
            with closed_pipe_reported():
                return super().invoke(ctx)
        except KeyboardInterrupt:
            with interrupts_ignored():
                click.echo("cleaner: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            silence_closed_outputs()
            sys.exit(EXIT_BROKEN_PIPE)
        except OSError as exc:
            raise _CannotWrite(f"cannot write {_where(exc)}{exc.strerror or exc}") from None


def _where(exc: OSError) -> str:
    """The file an error is about, as a message's prefix. Outputs and the
    journal name themselves; a full disk that names nothing was met by the
    index's and the site spool's nameless temporary files."""
    if exc.filename:
        return f"{exc.filename}: "
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"temporary files in {tempfile.gettempdir()}: "
    return ""


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="cleaner")
def main() -> None:
    """cleaner: turn scraped web pages into a clean, deduplicated text corpus.

    \b
    Example:
      cleaner clean samples/ -o corpus.jsonl

    Run `cleaner COMMAND --help` for the options of each command.
    """


@main.command("clean", help=CLEAN_HELP, no_args_is_help=False)
@click.argument("inputs", nargs=-1, metavar="INPUT...")
@click.option("-o", "--output", default=STDOUT, show_default=True, envvar="CLEANER_OUTPUT",
              metavar="FILE", help="JSON Lines output file, `-` for stdout. Example: -o corpus.jsonl")
@click.option("--format", "output_format", type=click.Choice(["jsonl", "txt"]), default="jsonl",
              show_default=True, envvar="CLEANER_FORMAT",
              help="jsonl: one record per line; txt: one UTF-8 .txt per written document "
                   "in --out-dir. Example: --format txt --out-dir clean/")
@click.option("--out-dir", type=click.Path(file_okay=False), envvar="CLEANER_OUT_DIR",
              help="Directory for --format txt (created if missing). Example: --out-dir clean/")
@click.option("--files-from", metavar="FILE", envvar="CLEANER_FILES_FROM",
              help="Read input paths from FILE, one per line; `-` for stdin. "
                   "Example: find crawl -name '*.html' | cleaner clean --files-from -")
@click.option("--errors", "errors_path", metavar="FILE", envvar="CLEANER_ERRORS",
              help="Write one JSON line {id, source, status, reason, message} per document "
                   "not written. Example: --errors errors.jsonl")
@click.option("--report", "report_path", metavar="FILE", envvar="CLEANER_REPORT",
              help="Write the run's figures and duplicate clusters as JSON. "
                   "Example: --report report.json")
@click.option("--threshold", type=float, default=Options.threshold, show_default=True,
              callback=_probability, envvar="CLEANER_THRESHOLD",
              help="Estimated Jaccard similarity (word n-grams) at or above which two documents "
                   "are near-duplicates. Example: --threshold 0.6")
@click.option("--containment", type=float, default=Options.containment, show_default=True,
              callback=_probability, envvar="CLEANER_CONTAINMENT",
              help="Estimated share of a shorter document's shingles found in a longer one at "
                   "or above which it is a shortened republication (contained_in). "
                   "Example: --containment 0.9")
@click.option("--keep", type=click.Choice(["first", "longest", "earliest-date"]), default=Options.keep,
              show_default=True, envvar="CLEANER_KEEP",
              help="Which document of a near-duplicate group is kept (the others point to it "
                   "with duplicate_of): the first in input order, the longest, or the earliest "
                   "dated. Example: --keep longest")
@click.option("--num-perm", type=click.IntRange(16, 1024), default=Options.num_perm,
              show_default=True, envvar="CLEANER_NUM_PERM",
              help="MinHash permutations: more is more precise and slower. Example: --num-perm 256")
@click.option("--ngram", type=click.IntRange(1, 20), default=Options.ngram, show_default=True,
              envvar="CLEANER_NGRAM",
              help="Words per shingle. Example: --ngram 5")
@click.option("--drop-duplicates", is_flag=True, envvar="CLEANER_DROP_DUPLICATES",
              help="Leave near-duplicates out of the output (they are listed by --errors with "
                   "reason duplicate_dropped) instead of flagging them.")
@click.option("--stream", is_flag=True, envvar="CLEANER_STREAM",
              help="Write each record as soon as it is cleaned, compared with all earlier ones "
                   "(keeps the first of a group; no site learning). For endless pipelines.")
@click.option("--no-dedup", is_flag=True, envvar="CLEANER_NO_DEDUP",
              help="Skip near-duplicate detection; with --no-site-learning too, records "
                   "stream out as they are cleaned.")
@click.option("--site-learning/--no-site-learning", default=True, show_default=True,
              envvar="CLEANER_SITE_LEARNING",
              help="Remove short lines that recur across many documents of the same site "
                   "(site = URL host, else input directory). Needs a pass over the corpus.")
@click.option("--site-min-docs", type=click.IntRange(2), default=Options.site_min_docs,
              show_default=True, envvar="CLEANER_SITE_MIN_DOCS",
              help="A line is site boilerplate when it recurs in at least this many documents "
                   "of its site (near-duplicates count once). Example: --site-min-docs 5")
@click.option("--site-min-share", type=click.FloatRange(0, 1), default=Options.site_min_share,
              show_default=True, envvar="CLEANER_SITE_MIN_SHARE",
              help="... and in at least this share of the site's documents. "
                   "Example: --site-min-share 0.1")
@click.option("--explain", "explain", is_flag=True, envvar="CLEANER_EXPLAIN",
              help="Add an `explain` field to each record: every line with keep, rule and "
                   "evidence (as `cleaner explain` shows).")
@click.option("--favor-precision", is_flag=True, envvar="CLEANER_FAVOR_PRECISION",
              help="HTML: keep less text, less chrome (the block model's cut moves; "
                   "trafilatura is asked for precision). Example: cleaner clean crawl/ --favor-precision")
@click.option("--favor-recall", is_flag=True, envvar="CLEANER_FAVOR_RECALL",
              help="HTML: keep more text, possibly more chrome (the block model's cut moves; "
                   "trafilatura runs its full cascade instead of its fast mode, slower). "
                   "Example: cleaner clean crawl/ --favor-recall")
@click.option("--max-bytes", type=click.IntRange(1), default=Options.max_bytes,
              show_default=True, envvar="CLEANER_MAX_BYTES",
              help="Documents larger than this are dropped with reason too_large. "
                   "Example: --max-bytes 10000000")
@click.option("--workers", type=click.IntRange(1), default=None, envvar="CLEANER_WORKERS",
              help="Processes decoding, extracting and cleaning (default: all cores); the output "
                   "is the same for any number. Example: --workers 1")
@click.option("-q", "--quiet", is_flag=True, envvar="CLEANER_QUIET",
              help="No summary or progress on stderr (failed inputs are still named).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: only when stderr is a terminal).")
@click.option("--resume", is_flag=True, envvar="CLEANER_RESUME",
              help="Continue an interrupted or killed run from its journal (same inputs and "
                   "options; needs -o FILE or --out-dir). Example: cleaner clean crawl/ -o c.jsonl --resume")
def clean_command(inputs, output, output_format, out_dir, files_from, errors_path, report_path,
                  threshold, containment, keep, num_perm, ngram, drop_duplicates, stream, no_dedup,
                  site_learning,
                  site_min_docs, site_min_share, explain, favor_precision, favor_recall,
                  max_bytes, workers, quiet, progress, resume) -> None:
    if not inputs and files_from is None:
        raise click.UsageError("give at least one INPUT (file, directory, glob or -) "
                               "or --files-from FILE")
    if output_format == "txt" and not out_dir:
        raise click.UsageError("--format txt needs --out-dir DIR")
    if out_dir and output_format != "txt":
        raise click.UsageError("--out-dir is only used with --format txt")
    if favor_precision and favor_recall:
        raise click.UsageError("--favor-precision and --favor-recall exclude each other")
    if stream and keep != "first":
        raise click.UsageError("--stream keeps the first document of a group: --keep must be first")
    if list(inputs).count("-") + (files_from == "-") > 1:
        raise click.UsageError("standard input can be used only once (INPUT `-` or --files-from -)")
    _check_outputs(output, errors_path, report_path)

    options = Options(threshold=threshold, containment=containment, keep=keep,
                      num_perm=num_perm, ngram=ngram,
                      drop_duplicates=drop_duplicates, dedup=not no_dedup,
                      stream=stream, site_learning=site_learning and not stream,
                      site_min_docs=site_min_docs,
                      site_min_share=site_min_share, explain=explain,
                      favor_precision=favor_precision, favor_recall=favor_recall,
                      max_bytes=max_bytes, workers=workers or default_workers(),
                      # paths arriving on a pipe go out one by one when records stream
                      batch_size=1 if files_from == "-" and (stream or (no_dedup and not site_learning))
                      else Options.batch_size)
    sources = list(inputs)
    if files_from is not None:
        sources = _chain(sources, _path_list(files_from))

    journal = journal_path(output, output_format, out_dir)
    if resume and journal is None and output == STDOUT:
        raise click.UsageError("--resume needs an output file (-o FILE) or --out-dir: "
                               "a run writing to stdout keeps no journal")
    if resume and journal is None:
        raise click.UsageError(f"--resume is unavailable for {output} ({resolve(output).kind}, written "
                               "through in place): no journal can be kept beside it")
    if resume and not os.path.exists(journal) and not quiet:
        click.echo(f"cleaner: no journal {journal}: nothing to resume, starting from the beginning",
                   err=True)
    if not resume and journal is not None and os.path.exists(journal):
        # said even with --quiet: the work of the interrupted run is about to go
        click.echo(f"cleaner: discarding the journal of an interrupted run ({journal}) and starting "
                   "from the beginning; the same command with --resume would have continued it",
                   err=True)
    hint = stdin_hint(inputs, files_from)
    if hint and not quiet:
        click.echo(hint, err=True)
    # a progress line would be drawn over what is typed on the terminal
    show_progress = (not quiet) and (progress if progress is not None else sys.stderr.isatty() and not hint)
    code = _run(sources, options, output, output_format, out_dir, errors_path, report_path,
                quiet, show_progress, journal, resume, count=input_counter(inputs, files_from))
    sys.exit(code)


def journal_path(output: str, output_format: str, out_dir: str | None) -> str | None:
    """Where a run keeps its journal: beside its output file (beside a
    symlink's target), or in --out-dir. None for stdout and for an output
    written through in place (a device, pipe, socket, /dev/fd/N): nothing can
    sit beside those, and the run journals to a temporary file if at all."""
    if output_format == "txt":
        return os.path.join(out_dir, ".cleaner-journal")
    if output == STDOUT:
        return None
    place = resolve(output).place
    if place is None:
        return None
    directory, name = os.path.split(place)
    return os.path.join(directory, f".{name}.cleaner-journal")


def _check_outputs(*paths: str | None) -> None:
    """Refuse, before any work, an output that cannot be written: a
    directory, a directory that does not exist, a closed descriptor."""
    for path in paths:
        problem = output_problem(path) if path else None
        if problem:
            raise click.UsageError(f"cannot write {path}: {problem}")


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


@main.command("explain", help=EXPLAIN_HELP)
@click.argument("file", metavar="FILE")
@click.argument("corpus", nargs=-1, metavar="[CORPUS]...")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the document and its lines.")
@click.option("--color/--no-color", default=None,
              help="Colour the view (default: only when stdout is a terminal).")
def explain_command(file: str, corpus: tuple[str, ...], as_json: bool, color: bool | None) -> None:
    from .run.pipeline import clean
    from .views import explain as view

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


@main.command("dedup", help=DEDUP_HELP)
@click.argument("source", metavar="IN")
@click.option("-o", "--output", default=STDOUT, show_default=True, metavar="FILE",
              help="Output JSON Lines, `-` for stdout (a regular file is written atomically).")
@click.option("--id-field", default="id", show_default=True, help="Field holding the record's id.")
@click.option("--text-field", default="text", show_default=True, help="Field holding the text.")
@click.option("--threshold", type=float, default=Options.threshold, show_default=True,
              callback=_probability, envvar="CLEANER_THRESHOLD",
              help="Estimated Jaccard similarity of word n-gram sets for near-duplicates.")
@click.option("--containment", type=float, default=Options.containment, show_default=True,
              callback=_probability, envvar="CLEANER_CONTAINMENT",
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
@click.option("--workers", type=click.IntRange(1), default=None, envvar="CLEANER_WORKERS",
              help="Processes computing signatures (default: all cores). Example: --workers 1")
@click.option("-q", "--quiet", is_flag=True, envvar="CLEANER_QUIET", help="No summary on stderr.")
def dedup_command(source, output, id_field, text_field, threshold, containment, keep, num_perm,
                  ngram, drop_duplicates, report_path, workers, quiet) -> None:
    from .run.jsonl_dedup import DedupStats, NoValidRecords, dedup_lines
    from .run.parallel import default_workers

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
    _check_outputs(output, report_path)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    stats = DedupStats()
    started = time.monotonic()
    target = None
    try:
        if output == STDOUT:
            out = sys.stdout.buffer
        else:
            from .io.outputs import open_output
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
        raise _BadInput(exc.invalid.error(label, text_field, id_field)) from None
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
    if not quiet:
        from .views.summary import print_dedup_summary
        print_dedup_summary(figures)
    for line in stats.invalid_records.warnings(text_field, id_field):  # named even with -q
        click.echo(line, err=True)
    sys.exit(EXIT_OK)


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


@main.command("dups", help=DUPS_HELP)
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
    from .views import dups

    try:
        figures = dups.read_report(report)
        clusters = dups.select_clusters(figures["clusters"], cluster_ids)
    except dups.ReportError as exc:
        raise _BadInput(str(exc)) from None
    corpus = corpus or figures.get("output")
    if not corpus or corpus == STDOUT:
        raise click.UsageError("the report names no corpus file: give --corpus FILE")
    id_field = id_field or figures.get("id_field") or "id"
    text_field = text_field or figures.get("text_field") or "text"
    clusters = sorted(clusters, key=lambda c: (-c["size"], c["cluster"]))[:limit]
    wanted = {m["id"] for c in clusters for m in c["members"]}
    try:
        with open(corpus, encoding="utf-8", errors="replace") as handle:
            texts = dups.load_texts(handle, wanted, id_field, text_field)
    except OSError as exc:
        raise click.UsageError(f"cannot read the corpus {corpus}: {exc.strerror}")
    if not clusters:
        click.echo("no duplicate clusters", err=True)
        sys.exit(EXIT_OK)
    if not texts:
        click.echo(dups.no_texts_hint(corpus, id_field, text_field), err=True)
    if color if color is not None else sys.stdout.isatty():
        dups.write_rich(clusters, texts)
    else:
        dups.write_plain(clusters, texts, sys.stdout)
    sys.exit(EXIT_OK)


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


@main.command("detect", help=DETECT_HELP)
@click.argument("inputs", nargs=-1, required=True, metavar="FILE...")
@click.option("--json/--table", "as_json", default=None,
              help="JSON Lines or a table (default: table on a terminal, JSON Lines when piped).")
@click.option("--max-bytes", type=click.IntRange(1), default=Options.max_bytes, show_default=True,
              help="Files larger than this are reported as too_large.")
def detect_command(inputs: tuple[str, ...], as_json: bool | None, max_bytes: int) -> None:
    from .views.detect import detect_rows, write_table

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


def _path_list(files_from: str):
    """Paths listed in FILE (or stdin for `-`), one per line, bytes kept as
    surrogate escapes so that any file name round-trips."""
    from .io.readers import paths_from

    if files_from == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape")
    else:
        try:
            stream = open(files_from, encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise click.UsageError(f"cannot read --files-from {files_from}: {exc.strerror}")
    return paths_from(stream)


def _chain(first, rest):
    yield from first
    yield from rest


def _run(sources, options: Options, output: str, output_format: str, out_dir: str | None,
         errors_path: str | None, report_path: str | None, quiet: bool, show_progress: bool,
         journal: str | None = None, resume: bool = False,
         count: Counter | None = None) -> int:
    from .run.failures import FailedInputs
    from .run.journal import ResumeError
    from .run.pipeline import clean
    from .views.summary import Progress, print_summary

    signal.signal(signal.SIGTERM, _raise_interrupt)
    stdin = sys.stdin.buffer if sys.stdin is not None else None
    progress = Progress(enabled=show_progress, count=count)
    run = clean(sources, options, stdin=stdin, on_progress=progress.update, journal=journal, resume=resume)
    writer = TextDirWriter(out_dir) if output_format == "txt" else JsonlWriter(output, lazy=True)
    errors = JsonlWriter(errors_path, lazy=True) if errors_path else None
    flush = options.stream or not (options.dedup or options.site_learning)
    failures = FailedInputs()
    try:
        with progress:
            for doc in (run if output_format == "txt" else run.output_lines()):
                if type(doc) is bytes:  # a record ready to write (see CleanRun.output_lines)
                    writer.write_line(doc)
                elif doc.ok:
                    writer.write(doc if output_format == "txt" else doc.record())
                    if flush and output == STDOUT:
                        writer.flush()  # records flow on as they come: endless pipelines
                else:
                    failures.add(doc)
                    if errors is not None:
                        errors.write(doc.error_record())
    except BrokenPipeError:
        _abort(writer, errors)
        silence_closed_outputs()
        return EXIT_BROKEN_PIPE
    except KeyboardInterrupt:
        with interrupts_ignored():
            _abort(writer, errors)
            run.stats.finish()
            if not quiet:
                print_summary(run.stats, interrupted=True)
                if journal is not None and os.path.exists(journal):
                    click.echo(f"cleaner: {run.stats.read:,} documents done are kept in {journal}; "
                               "run the same command with --resume to continue", err=True)
        return EXIT_INTERRUPTED
    except ResumeError as exc:
        _abort(writer, errors)
        click.echo(f"Error: cannot resume: {exc}", err=True)
        return EXIT_USAGE
    except OSError as exc:  # the output, journal or a temporary file cannot be written
        _abort(writer, errors)
        click.echo(f"Error: cannot write {_where(exc)}{exc.strerror or exc}", err=True)
        if journal is not None and os.path.exists(journal):
            click.echo(f"cleaner: the documents done are kept in {journal}; once the problem is "
                       "fixed, the same command with --resume continues", err=True)
        return EXIT_USAGE
    except BaseException:
        _abort(writer, errors)
        raise
    writer.close(ok=True)
    if errors is not None:
        errors.close(ok=True)
    run.discard_journal()
    if run.resumed and not quiet:
        click.echo(f"cleaner: resumed: {run.resumed:,} documents came from the interrupted run's journal",
                   err=True)
    if report_path:
        figures = run.stats.as_dict()
        if output_format == "jsonl" and output != STDOUT:
            figures["output"] = os.path.abspath(output)
        write_json(report_path, figures)
    if not quiet:
        print_summary(run.stats)
    failures.write(errors_path, advise=not quiet)  # errors: named even with -q
    return EXIT_FAILED if sum(run.stats.failed.values()) else EXIT_OK


def _abort(*writers) -> None:
    """Remove half-written files; never raise while doing so."""
    for writer in writers:
        if writer is not None:
            try:
                writer.close(ok=False)
            except Exception:
                pass


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":  # pragma: no cover
    main()
