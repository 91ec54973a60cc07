#!/usr/bin/env python3
"""What encoding detection costs on top of the text pipeline, measured in one run.

On ../shared/corpora/vinews-10k (UTF-8 news text; skipped when absent) each
document goes through cleaner's per-document text pipeline (sniffing, chrome
rules, language, MinHash signature) twice, interleaved:
  plain     bytes.decode("utf-8")                        (what a user assumes)
  detected  cleaner.encoding.decode: BOM, strict UTF-8, declared charset,
            legacy Vietnamese, chardet, repairs (mojibake, NFC, look-alikes)
Files are read once, before timing. Prints both totals and the overhead of
detection as a share of the plain pipeline (target: at most 10%).

    python bench/encoding_overhead.py [--shared PATH] [--limit N] [--rounds R]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLEANER_SHARED", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--limit", type=int, default=0, help="use only the first N files")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the best of each is kept")
    args = parser.parse_args()
    corpus = os.path.join(args.shared, "corpora", "vinews-10k")
    if not os.path.isdir(corpus):
        print(f"skipped: no corpus at {corpus}")
        return 0

    from cleaner import Document, Options
    from cleaner.encoding import decode
    from cleaner.run.stages import extract_stage, fingerprint_batch

    names = sorted(n for n in os.listdir(corpus) if n.endswith(".txt"))
    if args.limit:
        names = names[: args.limit]
    blobs = [open(os.path.join(corpus, n), "rb").read() for n in names]
    options = Options()

    def pipeline(text: str) -> None:
        doc = Document(id="x", source="bench", text=text)
        if extract_stage(doc, options).ok:
            fingerprint_batch([doc], options)

    def one_round() -> dict[str, float]:
        """Both variants per document, alternating which goes first, so that
        a busy machine's noise falls on both alike."""
        spent = {"plain": 0.0, "detected": 0.0, "decode alone": 0.0}
        clock = time.perf_counter
        for i, data in enumerate(blobs):
            order = ("plain", "detected") if i % 2 else ("detected", "plain")
            for variant in order:
                started = clock()
                if variant == "plain":
                    pipeline(data.decode("utf-8"))
                else:
                    text = decode(data).text
                    middle = clock()
                    pipeline(text)
                    spent["decode alone"] += middle - started
                spent[variant] += clock() - started
        return spent

    pipeline(blobs[0].decode("utf-8"))  # load models and imports outside the timing
    rounds = [one_round() for _ in range(args.rounds)]
    best = {name: min(r[name] for r in rounds) for name in rounds[0]}
    megabytes = sum(map(len, blobs)) / 1e6
    print(f"vinews-10k: {len(blobs)} documents, {megabytes:.1f} MB, best of {args.rounds} rounds")
    print(f"{'variant':<14} {'seconds':>8} {'MB/s':>7}")
    for name, seconds in best.items():
        print(f"{name:<14} {seconds:8.2f} {megabytes / seconds:7.1f}")
    overhead = (best["detected"] - best["plain"]) / best["plain"]
    print(f"detection overhead on the text pipeline: {overhead:+.1%} (target <= +10%); "
          f"detection alone is {best['decode alone'] / best['plain']:.1%} of the plain pipeline")
    return 0


if __name__ == "__main__":
    sys.exit(main())
