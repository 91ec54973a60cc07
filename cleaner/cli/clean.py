"""`cleaner clean`: pages in, a clean corpus out; the options, the outputs
checked before any work, the run with its progress, summary and named
failures, and its journal for --resume."""

from __future__ import annotations

import os
import signal
import sys

import click

from ..document import ENGINES, INPUT_FORMATS, SKIPPED, Options
from ..engines import default_workers
from ..io.outputs import resolve
from ..io.parquet import ParquetWriter
from ..io.pipes import silence_closed_outputs
from ..io.shards import ShardOutput, shard_name, shards_of
from ..io.writers import STDOUT, JsonlWriter, TextDirWriter
from ..views.terminal import Counter, input_counter, interrupts_ignored, stdin_hint
from .common import (
    EXIT_BROKEN_PIPE,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    chain,
    check_index,
    check_outputs,
    journal_path,
    path_list,
    probability,
    raise_interrupt,
    where,
)
from .report import check_report_html, write_reports

CLEAN_HELP = """Clean and deduplicate web pages into a text corpus.

INPUT is any mix of files, directories (walked recursively in sorted order,
hidden entries skipped), glob patterns and `-` for standard input. HTML or
text dump is sniffed from the content; so is a WARC or ARC crawl (plain,
gzip or zstd), whose response and resource records are the documents (the
other records, non-2xx responses and bodies that are not HTML or text are
skipped, counted by reason), and a JSON Lines or Parquet file of another
tool, whose records are the documents (their page in --html-field or
--text-field, their other fields kept under `metadata`). Each document is decoded (BOM, strict
UTF-8, declared charset, chardet), stripped of site chrome (for HTML a block
model with trafilatura as one of its inputs, then cleaner's line rules;
the line rules alone for text dumps) and fingerprinted; near-duplicates
are flagged with `duplicate_of`, `cluster` and `similarity`.

Output is JSON Lines on stdout (or -o FILE); the summary goes to stderr.
Every document not written is listed by --errors and counted in the summary
and --report with a reason (skipped records are counted, not listed); the first 20 failed inputs are also named on
stderr. An output file (-o, --report, --report-html, --errors, the files in --out-dir) is
written under a temporary name and renamed into place when complete, with
the mode your umask gives (a replaced file keeps its own); a symlink's target
is written so and the link stays; a device, named pipe, socket or /dev/fd/N
(as `-o >(gzip > c.gz)` gives) is written through.

\b
Examples:
  cleaner clean samples/ -o corpus.jsonl
  find crawl/ -name '*.html' | cleaner clean --files-from - > corpus.jsonl
  cleaner clean 'crawl/**/*.txt' --drop-duplicates --report report.json
  cleaner clean crawl/ -o corpus.jsonl --report-html report.html
  cleaner clean page.html --format txt --out-dir clean/
  cleaner clean crawl.warc.gz -o corpus.parquet
  cleaner clean pages.parquet --html-field raw_html -o clean.parquet
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


@click.command("clean", help=CLEAN_HELP, no_args_is_help=False)
@click.argument("inputs", nargs=-1, metavar="INPUT...")
@click.option("-o", "--output", default=STDOUT, show_default=True, envvar="CLEANER_OUTPUT",
              metavar="FILE", help="Output file, `-` for stdout: JSON Lines, gzip or zstd compressed by "
                                   "its name (.jsonl.gz, .jsonl.zst), or Parquet (.parquet). "
                                   "Example: -o corpus.jsonl")
@click.option("--format", "output_format", type=click.Choice(["jsonl", "parquet", "txt"]), default=None,
              envvar="CLEANER_FORMAT",
              help="jsonl: one record per line; parquet: the same record as typed columns (the "
                   "default for -o *.parquet); txt: one UTF-8 .txt per written document in "
                   "--out-dir. [default: jsonl] Example: --format txt --out-dir clean/")
@click.option("--out-dir", type=click.Path(file_okay=False), envvar="CLEANER_OUT_DIR",
              help="Directory for --format txt (created if missing). Example: --out-dir clean/")
@click.option("--files-from", metavar="FILE", envvar="CLEANER_FILES_FROM",
              help="Read input paths from FILE, one per line; `-` for stdin. "
                   "Example: find crawl -name '*.html' | cleaner clean --files-from -")
@click.option("--shard-size", metavar="SIZE", envvar="CLEANER_SHARD_SIZE",
              help="Write the output in shards of SIZE records (100000) or bytes of JSON (512MB), "
                   "each complete when it appears; -o names them with {shard}. "
                   "Example: -o 'out/part-{shard:05d}.parquet' --shard-size 100000")
@click.option("--input-format", type=click.Choice(INPUT_FORMATS), default="auto",
              show_default=True, envvar="CLEANER_INPUT_FORMAT",
              help="auto: pages, crawls (WARC, ARC), JSON Lines and Parquet told by content; jsonl or "
                   "parquet: every input file holds records of another tool, one document each. "
                   "Example: --input-format jsonl")
@click.option("--html-field", metavar="NAME", envvar="CLEANER_HTML_FIELD",
              help="The field of a JSON Lines or Parquet record holding the page's HTML (default: "
                   "html, then text, then content). Example: --html-field raw_html")
@click.option("--text-field", metavar="NAME", envvar="CLEANER_TEXT_FIELD",
              help="The field holding the page as text (HTML or text is still sniffed). "
                   "Example: --text-field body")
@click.option("--id-field", default="id", show_default=True, metavar="NAME", envvar="CLEANER_ID_FIELD",
              help="The field holding a record's id. Example: --id-field doc_id")
@click.option("--url-field", default="url", show_default=True, metavar="NAME", envvar="CLEANER_URL_FIELD",
              help="The field holding a record's URL. Example: --url-field link")
@click.option("--errors", "errors_path", metavar="FILE", envvar="CLEANER_ERRORS",
              help="Write one JSON line {id, source, status, reason, message} per document "
                   "dropped or failed. Example: --errors errors.jsonl")
@click.option("--report", "report_path", metavar="FILE", envvar="CLEANER_REPORT",
              help="Write the run's figures and duplicate clusters as JSON. "
                   "Example: --report report.json")
@click.option("--report-html", "report_html", metavar="FILE", envvar="CLEANER_REPORT_HTML",
              help="Write the run's report as one HTML file that opens offline (charts, searchable clusters "
                   "side by side, failures); needs pip install 'cleaner[report]'. Example: --report-html report.html")
@click.option("--threshold", type=float, default=Options.threshold, show_default=True,
              callback=probability, envvar="CLEANER_THRESHOLD",
              help="Estimated Jaccard similarity (word n-grams) at or above which two documents "
                   "are near-duplicates. Example: --threshold 0.6")
@click.option("--containment", type=float, default=Options.containment, show_default=True,
              callback=probability, envvar="CLEANER_CONTAINMENT",
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
@click.option("--engine", type=click.Choice(ENGINES), default="local", show_default=True, envvar="CLEANER_ENGINE",
              help="What runs the work: this machine's processes, or a Ray cluster, whose tasks read the "
                   "inputs (paths readable on every node), clean them and learn the sites' boilerplate "
                   "(pip install 'cleaner[ray]'). Example: cleaner clean crawl/ -o c.jsonl --engine ray")
@click.option("--address", metavar="ADDRESS", envvar="CLEANER_ADDRESS",
              help="With --engine ray: the cluster, as Ray takes it (auto, ray://head:10001); none starts a "
                   "local Ray instance. Example: --engine ray --address auto")
@click.option("-q", "--quiet", is_flag=True, envvar="CLEANER_QUIET",
              help="No summary or progress on stderr (failed inputs are still named).")
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar (default: only when stderr is a terminal).")
@click.option("--index", "index", metavar="FILE|URL", envvar="CLEANER_INDEX",
              help="Check against a persistent near-duplicate index of earlier runs and add this run "
                   "to it: a file (created if missing) or redis://host:port/db. "
                   "Example: cleaner clean dec/ -o dec.jsonl --index corpus.idx")
@click.option("--index-readonly", is_flag=True, envvar="CLEANER_INDEX_READONLY",
              help="With --index: check against it without adding this run (a trial run). "
                   "Example: cleaner clean dec/ -o trial.jsonl --index corpus.idx --index-readonly")
@click.option("--resume", is_flag=True, envvar="CLEANER_RESUME",
              help="Continue an interrupted or killed run from its journal (same inputs and "
                   "options; needs -o FILE or --out-dir). Example: cleaner clean crawl/ -o c.jsonl --resume")
def clean_command(inputs, output, output_format, out_dir, files_from, shard_size, input_format, html_field, text_field,
                  id_field, url_field, errors_path, report_path, report_html,
                  threshold, containment, keep, num_perm, ngram, drop_duplicates, stream, no_dedup,
                  site_learning,
                  site_min_docs, site_min_share, explain, favor_precision, favor_recall,
                  max_bytes, workers, engine, address, quiet, progress, index, index_readonly, resume) -> None:
    if not inputs and files_from is None:
        raise click.UsageError("give at least one INPUT (file, directory, glob or -) "
                               "or --files-from FILE")
    try:
        shards = shards_of(output, shard_size)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    first = shard_name(output, 0) if shards else output  # the file that stands for the output in checks
    if output_format is None:
        output_format = "parquet" if output.lower().endswith(".parquet") else "jsonl"
    if output_format == "parquet" and (output == STDOUT or not resolve(first).replaceable):
        raise click.UsageError(f"--format parquet needs a regular output file (-o corpus.parquet), not "
                               f"{'stdout' if output == STDOUT else output}: a Parquet file is written "
                               "with seeks and ends with its index")
    if output_format == "txt" and not out_dir:
        raise click.UsageError("--format txt needs --out-dir DIR")
    if out_dir and output_format != "txt":
        raise click.UsageError("--out-dir is only used with --format txt")
    if html_field and text_field:
        raise click.UsageError("--html-field and --text-field name the same thing: give one")
    if favor_precision and favor_recall:
        raise click.UsageError("--favor-precision and --favor-recall exclude each other")
    if stream and keep != "first":
        raise click.UsageError("--stream keeps the first document of a group: --keep must be first")
    if list(inputs).count("-") + (files_from == "-") > 1:
        raise click.UsageError("standard input can be used only once (INPUT `-` or --files-from -)")
    check_outputs(first, errors_path, report_path, report_html)
    check_report_html(report_html)
    if address and engine != "ray":
        raise click.UsageError("--address is for --engine ray")
    if index_readonly and not index:
        raise click.UsageError("--index-readonly needs --index FILE|URL")
    if index and (stream or no_dedup):
        raise click.UsageError("--index works with the corpus passes: not with --stream or --no-dedup")

    options = Options(threshold=threshold, containment=containment, keep=keep,
                      num_perm=num_perm, ngram=ngram,
                      drop_duplicates=drop_duplicates, dedup=not no_dedup,
                      stream=stream, site_learning=site_learning and not stream,
                      site_min_docs=site_min_docs,
                      site_min_share=site_min_share, explain=explain,
                      favor_precision=favor_precision, favor_recall=favor_recall,
                      max_bytes=max_bytes, workers=workers or default_workers(),
                      input_format=input_format, html_field=html_field, text_field=text_field,
                      id_field=id_field, url_field=url_field, index=index, index_readonly=index_readonly,
                      engine=engine, address=address,
                      # paths arriving on a pipe go out one by one when records stream
                      batch_size=1 if files_from == "-" and (stream or (no_dedup and not site_learning))
                      else Options.batch_size)
    if index:
        check_index(options)
    sources = list(inputs)
    if files_from is not None:
        sources = chain(sources, path_list(files_from))

    # A Ray run writing shards keeps its records in the cluster, whose tasks write them: no journal
    in_tasks = engine == "ray" and shards is not None and not stream
    if resume and in_tasks:
        raise click.UsageError("--resume is unavailable with --engine ray and sharded output: the cluster keeps "
                               "the records and its tasks write the shards, so no journal is kept on this machine")
    journal = None if in_tasks else journal_path(first, output_format, out_dir)
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
    code = _run(sources, options, output, output_format, out_dir, errors_path, (report_path, report_html),
                quiet, show_progress, journal, resume, count=input_counter(inputs, files_from), shards=shards,
                named_inputs=(*inputs, *([f"--files-from {files_from}"] if files_from is not None else ())))
    sys.exit(code)


def _run(sources, options: Options, output: str, output_format: str, out_dir: str | None,
         errors_path: str | None, reports: tuple[str | None, str | None], quiet: bool, show_progress: bool,
         journal: str | None = None, resume: bool = False,
         count: Counter | None = None, shards: tuple[int | None, int | None] | None = None,
         named_inputs: tuple = ()) -> int:
    from ..dedup.store import IndexProblem
    from ..engines import EngineProblem
    from ..run.failures import FailedInputs
    from ..run.journal import ResumeError
    from ..run.pipeline import clean
    from ..views.summary import Progress, print_summary

    signal.signal(signal.SIGTERM, raise_interrupt)
    stdin = sys.stdin.buffer if sys.stdin is not None else None
    progress = Progress(enabled=show_progress, count=count)
    named = [] if output == STDOUT else [os.path.abspath(out_dir or output)]
    run = clean(sources, options, stdin=stdin, on_progress=progress.update, journal=journal, resume=resume,
                outputs=named)
    sharded = ShardOutput(output, *shards, format=output_format, explain=options.explain) if shards else None
    writer = (TextDirWriter(out_dir) if output_format == "txt" else None if sharded  # (the run writes them)
              else ParquetWriter(output, explain=options.explain) if output_format == "parquet"
              else JsonlWriter(output, lazy=True))
    errors = JsonlWriter(errors_path, lazy=True) if errors_path else None
    flush = options.stream or not (options.dedup or options.site_learning)
    failures = FailedInputs()
    try:
        with progress:
            for doc in (run if output_format == "txt" else run.write_shards(sharded) if sharded
                        else run.output_lines()):
                if type(doc) is bytes:  # a record ready to write (see CleanRun.output_lines)
                    writer.write_line(doc)
                elif doc.ok:
                    writer.write(doc if output_format == "txt" else doc.record())
                    if flush and output == STDOUT:
                        writer.flush()  # records flow on as they come: endless pipelines
                elif doc.status != SKIPPED:  # skipped records are counted, not listed
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
    except (EngineProblem, IndexProblem, OSError) as exc:
        # the cluster or the index failed mid-run (nothing of it added), or the
        # output, journal or a temporary file cannot be written
        _abort(writer, errors)
        said = (f"cannot write {where(exc)}{exc.strerror or exc}" if isinstance(exc, OSError)
                else f"{'index: ' if isinstance(exc, IndexProblem) else ''}{exc}")
        click.echo(f"Error: {said}", err=True)
        if journal is not None and os.path.exists(journal):
            click.echo(f"cleaner: the documents done are kept in {journal}; once the problem is fixed, the "
                       "same command with --resume continues", err=True)
        return EXIT_USAGE
    except BaseException:
        _abort(writer, errors)
        raise
    if writer is not None:
        writer.close(ok=True)
    if errors is not None:
        errors.close(ok=True)
    run.discard_journal()
    if run.resumed and not quiet:
        click.echo(f"cleaner: resumed: {run.resumed:,} documents came from the interrupted run's journal",
                   err=True)
    if any(reports):
        write_reports(run.stats, reports, list(named_inputs), run.shard_paths if shards
                      else None if output_format == "txt" or output == STDOUT else output)
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
