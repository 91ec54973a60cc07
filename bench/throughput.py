#!/usr/bin/env python3
"""Throughput, memory and start-up of `cleaner clean`, against what a user would
run instead, measured side by side in one run (machines are shared and noisy:
compare the ratios, not the seconds). Skips cleanly without ../shared.

  1. html-real  ../shared/bench/baselines.py html (trafilatura.extract defaults, one
              process; .gz pages decompressed) vs `cleaner clean FILES -o OUT`
              (everything on) on real pages: every other page of
              ../shared/eval/wcxb-dev in sorted order (679 .html.gz files, as
              fetched). Two configurations, each with its own paired rounds and
              ratio: the default workers (all cores; target >= 1.7x
              trafilatura's pages/s on this 2-core machine) and `--workers 1`
              (target >= 1.0x: at least as fast per page as trafilatura.extract).
  2. html     the same baseline vs `cleaner clean` (all cores) on the sites-dev
              pages (generated, four Vietnamese news templates) repeated to at
              least 1,000; kept for comparison with earlier runs, it no longer
              counts for the target (counts_for_target: false).
  3. text     ../shared/bench/baselines.py text (chardet + datasketch per file)
              vs `cleaner clean` on vinews-10k; target >= 10x, MB/s stated.
  4. memory   peak RSS of `cleaner clean` on vinews-10k and on an input --scale
              times larger (its files repeated with a small edit each); the growth
              per extra document shows what the run keeps per document.
  5. startup  `cleaner --help` vs `python -c pass`.

    python bench/throughput.py [--shared PATH] [--only html-real,html,text,memory,startup]
                               [--scale 10] [--real-rounds 5] [--html-rounds 5] [--text-rounds 3]

html-real, html and text run in rounds, each round one run of each side back to back,
the side that goes first alternating from round to round. The ratio printed
is the median of the rounds' ratios: the machine's speed drifts by tens of
percent within minutes, and a round compares two runs a few seconds apart,
where the medians of each side may come from different minutes (they are
printed too, as pages/s or MB/s, with `ratio_of_medians`).
"""

from __future__ import annotations

import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paired import CLEANER, ROOT, arguments, paired, ratios, report  # noqa: E402

BENCHES = {"html-real", "html", "text", "memory", "startup"}
_PEAK = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
         "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of a command, measured through a fresh wrapper."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK, *command], check=True, capture_output=True,
                         text=True, cwd=ROOT)
    return time.perf_counter() - started, int(out.stdout.strip()) / 1024


def compile_bytecode() -> None:
    """Byte-compile cleaner's modules first, as `pip install` does: under
    PYTHONDONTWRITEBYTECODE (set on some machines) an editable install would
    otherwise recompile every changed module in every process of every run,
    a cost the baselines' installed libraries do not pay."""
    import compileall

    compileall.compile_dir(os.path.join(ROOT, "cleaner"), quiet=1)


def side_by_side(baseline: list[str], ours: list[str], rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of each side over paired rounds (see paired.py), peak memory aside."""
    return paired(lambda: run(baseline)[0], lambda: run(ours)[0], rounds)


def bench_html(shared: str, tmp: str, rounds: int) -> None:
    pages = sorted(glob.glob(os.path.join(shared, "eval", "sites-dev", "*.html")))
    if not pages:
        return report(bench="html", skipped="no sites-dev pages")
    copies = -(-1000 // len(pages))
    folder = os.path.join(tmp, "html")
    os.makedirs(folder)
    files = []
    for c in range(copies):
        for page in pages:
            target = os.path.join(folder, f"{c}-{os.path.basename(page)}")
            shutil.copyfile(page, target)
            files.append(target)
    bases, ours = side_by_side([sys.executable, os.path.join(shared, "bench", "baselines.py"), "html",
                                os.path.join(tmp, "h-base.jsonl"), *files],
                               [*CLEANER, "clean", folder, "-o", os.path.join(tmp, "h-ours.jsonl"), "-q"], rounds)
    base, our = statistics.median(bases), statistics.median(ours)
    report(bench="html", pages=len(files), trafilatura_pages_s=round(len(files) / base, 1),
           cleaner_pages_s=round(len(files) / our, 1), **ratios(bases, ours), counts_for_target=False)


def bench_html_real(shared: str, tmp: str, rounds: int) -> None:
    """Real pages as fetched (gzip files): every other wcxb-dev page in sorted order."""
    pages = sorted(glob.glob(os.path.join(shared, "eval", "wcxb-dev", "*.html.gz")))[::2]
    if not pages:
        return report(bench="html-real", skipped="no wcxb-dev pages")
    baseline = [sys.executable, os.path.join(shared, "bench", "baselines.py"), "html",
                os.path.join(tmp, "r-base.jsonl"), *pages]
    out = os.path.join(tmp, "r-ours.jsonl")
    for label, options, target in (("default workers", [], 1.7), ("--workers 1", ["--workers", "1"], 1.0)):
        bases, ours = side_by_side(baseline, [*CLEANER, "clean", *pages, "-o", out, "-q", *options], rounds)
        base, our = statistics.median(bases), statistics.median(ours)
        with open(out, "rb") as handle:
            written = sum(1 for _ in handle)
        report(bench="html-real", cleaner=f"cleaner clean {label}", cores=os.cpu_count(), pages=len(pages),
               cleaner_records=written, trafilatura_pages_s=round(len(pages) / base, 1),
               cleaner_pages_s=round(len(pages) / our, 1), **ratios(bases, ours), target=target)


def bench_text(shared: str, tmp: str, rounds: int) -> None:
    corpus = os.path.join(shared, "corpora", "vinews-10k")
    if not os.path.isdir(corpus):
        return report(bench="text", skipped="no vinews-10k")
    megabytes = sum(os.path.getsize(p) for p in glob.glob(os.path.join(corpus, "*.txt"))) / 1e6
    bases, ours = side_by_side([sys.executable, os.path.join(shared, "bench", "baselines.py"), "text", corpus,
                                os.path.join(tmp, "t-base.jsonl")],
                               [*CLEANER, "clean", corpus, "-o", os.path.join(tmp, "t-ours.jsonl"), "-q"], rounds)
    base, our = statistics.median(bases), statistics.median(ours)
    report(bench="text", mb=round(megabytes, 1), baseline_mb_s=round(megabytes / base, 2),
           cleaner_mb_s=round(megabytes / our, 2), **ratios(bases, ours), target=10)


def bench_memory(shared: str, tmp: str, scale: int) -> None:
    corpus = os.path.join(shared, "corpora", "vinews-10k")
    if not os.path.isdir(corpus):
        return report(bench="memory", skipped="no vinews-10k")
    names = sorted(n for n in os.listdir(corpus) if n.endswith(".txt"))
    big = os.path.join(tmp, "big")
    os.makedirs(big)
    for copy in range(scale):
        for name in names:
            text = open(os.path.join(corpus, name), encoding="utf-8").read()
            with open(os.path.join(big, f"{copy}-{name}"), "w", encoding="utf-8") as handle:
                handle.write(text.replace(" ", f" {copy} ", 1) if copy else text)  # a small edit
    small_report, big_report = os.path.join(tmp, "m1.json"), os.path.join(tmp, "m2.json")
    _, small_peak = run([*CLEANER, "clean", corpus, "-o", os.path.join(tmp, "m1.jsonl"), "-q",
                         "--report", small_report])
    _, big_peak = run([*CLEANER, "clean", big, "-o", os.path.join(tmp, "m2.jsonl"), "-q",
                       "--report", big_report])
    extra = len(names) * (scale - 1)
    # The run's peak is the largest process's (often a worker's); the main
    # process, which holds the corpus-wide state, reports its own peak.
    main_small, main_big = (json.load(open(path))["peak_memory_mb"] for path in (small_report, big_report))
    report(bench="memory", documents=len(names), peak_mb=round(small_peak, 1),
           documents_scaled=len(names) * scale, peak_scaled_mb=round(big_peak, 1),
           ratio=round(big_peak / small_peak, 2),
           bytes_per_extra_document=round((big_peak - small_peak) * 1024 * 1024 / max(extra, 1)),
           main_process_peak_mb=main_small, main_process_peak_scaled_mb=main_big,
           main_process_bytes_per_extra_document=round((main_big - main_small) * 1024 * 1024 / max(extra, 1)),
           target_bytes_per_document=200)


def bench_startup() -> None:
    def best(command: list[str]) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
            times.append(time.perf_counter() - started)
        return min(times)

    python = best([sys.executable, "-c", "pass"])
    helps = best([*CLEANER, "--help"])
    report(bench="startup", python_s=round(python, 3), cleaner_help_s=round(helps, 3),
           ratio=round(helps / python, 1))


def main() -> int:
    parser = arguments(__doc__)
    parser.add_argument("--only", default="html-real,html,text,memory,startup",
                        help="comma-separated benches to run (default: all)")
    parser.add_argument("--scale", type=int, default=10)
    # html's rounds are short (~25 s); the text baseline's runs take ~40 s
    # each; a round of html-real takes ~30 s (two workers) to ~40 s (one).
    parser.add_argument("--real-rounds", type=int, default=5,
                        help="rounds of the html-real bench, for each cleaner configuration")
    parser.add_argument("--html-rounds", type=int, default=5, help="rounds of the html bench")
    parser.add_argument("--text-rounds", type=int, default=3, help="rounds of the text bench")
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.shared, "bench", "baselines.py")):
        print(f"skipped: no baselines under {args.shared}")
        return 0
    wanted = set(args.only.split(","))
    if wanted - BENCHES:
        parser.error(f"--only: unknown {', '.join(sorted(wanted - BENCHES))}; known: {', '.join(sorted(BENCHES))}")
    compile_bytecode()
    with tempfile.TemporaryDirectory() as tmp:
        if "html-real" in wanted:
            bench_html_real(args.shared, tmp, args.real_rounds)
        if "html" in wanted:
            bench_html(args.shared, tmp, args.html_rounds)
        if "text" in wanted:
            bench_text(args.shared, tmp, args.text_rounds)
        if "memory" in wanted:
            bench_memory(args.shared, tmp, args.scale)
        if "startup" in wanted:
            bench_startup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
