#!/usr/bin/env python3
"""What the output format costs: Parquet against JSON Lines, measured side by
side in one run (paired rounds, the side that goes first alternating; compare
the ratios). Skips cleanly without ../shared.

  1. time    `cleaner clean CORPUS -o OUT.jsonl` vs `-o OUT.parquet`, for
             vinews-10k text dumps with --no-dedup --no-site-learning (the
             write is the largest share of such a run), vinews-10k as run by
             default, and the 1,358 real pages of wcxb-dev (HTML).
             Target: Parquet no slower (ratio = JSON Lines' seconds /
             Parquet's >= 1 within noise).
  2. memory  the main process's peak (the report's peak_memory_mb) writing
             Parquet for vinews-10k and for the same corpus 10x (100,010
             records, each copy with a small edit). Target: it does not grow
             with the Parquet file (row groups are written as they fill).

    python bench/output_formats.py [--shared PATH] [--rounds 7] [--scale 10]
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paired import CLEANER, ROOT, arguments, paired, ratios, report, seconds  # noqa: E402

FAST = ["--no-dedup", "--no-site-learning"]


def bench_time(label: str, inputs: list[str], options: list[str], tmp: str, rounds: int) -> None:
    def run(suffix: str) -> float:
        return seconds([*CLEANER, "clean", *inputs, "-o", os.path.join(tmp, "out" + suffix), "-q", *options])

    jsonl, parquet = paired(lambda: run(".jsonl"), lambda: run(".parquet"), rounds)
    report(bench="time", corpus=label, jsonl_s=round(statistics.median(jsonl), 3),
           parquet_s=round(statistics.median(parquet), 3), **ratios(jsonl, parquet, 3), target=">= 1 within noise")


def bench_memory(corpus: str, tmp: str, scale: int) -> None:
    names = sorted(n for n in os.listdir(corpus) if n.endswith(".txt"))
    big = os.path.join(tmp, "big")
    os.makedirs(big)
    for copy in range(scale):
        for name in names:
            with open(os.path.join(corpus, name), encoding="utf-8") as handle:
                text = handle.read()
            with open(os.path.join(big, f"{copy}-{name}"), "w", encoding="utf-8") as handle:
                handle.write(text.replace(" ", f" {copy} ", 1) if copy else text)
    peaks = {}
    for label, folder in (("small", corpus), ("scaled", big)):
        figures = os.path.join(tmp, f"{label}.json")
        subprocess.run([*CLEANER, "clean", folder, "-o", os.path.join(tmp, f"{label}.parquet"), "-q", *FAST,
                        "--report", figures], check=True, cwd=ROOT)
        with open(figures) as handle:
            peaks[label] = json.load(handle)["peak_memory_mb"]
    size = os.path.getsize(os.path.join(tmp, "scaled.parquet")) / 1e6
    report(bench="memory", documents=len(names), documents_scaled=len(names) * scale,
           main_process_peak_mb=peaks["small"], main_process_peak_scaled_mb=peaks["scaled"],
           parquet_scaled_mb=round(size, 1), growth_mb=round(peaks["scaled"] - peaks["small"], 1))


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--only", default="time,memory")
    args = parser.parse_args()
    corpus = os.path.join(args.shared, "corpora", "vinews-10k")
    if not os.path.isdir(corpus):
        print(json.dumps({"skipped": f"no vinews-10k under {args.shared}"}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        if "time" in args.only:
            bench_time("vinews-10k --no-dedup --no-site-learning", [corpus], FAST, tmp, args.rounds)
            bench_time("vinews-10k", [corpus], [], tmp, args.rounds)
            pages = os.path.join(args.shared, "eval", "wcxb-dev")
            if os.path.isdir(pages):
                bench_time("wcxb-dev (html)", [pages + "/*.html.gz"], [], tmp, args.rounds)
        if "memory" in args.only:
            bench_memory(corpus, tmp, args.scale)


if __name__ == "__main__":
    main()
