#!/usr/bin/env python3
"""Chrome removal, side by side: what a user gets without cleaner versus cleaner.

For each evaluation set in ../shared/eval (skipped when absent), one run:
  seeds             5 real Vietnamese pages as text dumps: the raw dump vs cleaner
  sites-dev dumps   210 generated pages as naive text dumps: the raw dump vs cleaner
  sites-dev html    the same 210 pages as HTML: trafilatura.extract (its documented
                    default usage, as in ../shared/bench/baselines.py) vs cleaner
Scores come from ../shared/eval/score_chrome.py (token P/R/F1, macro average).

    python bench/chrome_quality.py [--shared PATH]
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from scoring import score_chrome, write_texts  # noqa: E402  (bench/, beside this script)


def stem(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def raw_dump(files):
    for f in files:
        yield stem(f), open(f, encoding="utf-8", errors="replace").read()


def trafilatura_alone(files):
    import trafilatura

    for f in files:
        yield stem(f), trafilatura.extract(open(f, "rb").read()) or ""


def cleaner_output(files):
    from cleaner import clean

    for doc in clean(files):
        yield doc.id, doc.text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLEANER_SHARED", os.path.join(ROOT, "..", "shared")))
    args = parser.parse_args()
    evaluation = os.path.join(args.shared, "eval")
    scorer = os.path.join(evaluation, "score_chrome.py")
    if not os.path.exists(scorer):
        print(f"skipped: no evaluation sets at {evaluation}")
        return 0

    sites = os.path.join(evaluation, "sites-dev")
    sets = [
        ("seeds", os.path.join(evaluation, "seeds-gold"), sorted(glob.glob(os.path.join(args.shared, "seeds", "*.txt"))),
         [("raw dump", raw_dump), ("cleaner", cleaner_output)]),
        ("sites-dev dumps", sites, sorted(glob.glob(os.path.join(sites, "d[0-9][0-9][0-9].txt"))),
         [("raw dump", raw_dump), ("cleaner", cleaner_output)]),
        ("sites-dev html", sites, sorted(glob.glob(os.path.join(sites, "*.html"))),
         [("trafilatura", trafilatura_alone), ("cleaner", cleaner_output)]),
    ]
    print(f"{'set':<16} {'system':<12} {'docs':>5} {'P':>6} {'R':>6} {'F1':>6} {'seconds':>8}")
    with tempfile.TemporaryDirectory() as tmp:
        for name, gold, files, systems in sets:
            if not files or not os.path.isdir(gold):
                print(f"{name:<16} skipped: inputs not found")
                continue
            for system, produce in systems:
                pred = os.path.join(tmp, f"{name}-{system}.jsonl".replace(" ", "_"))
                started = time.perf_counter()
                write_texts(pred, produce(files))
                seconds = time.perf_counter() - started
                s = score_chrome(scorer, gold, pred)
                print(f"{name:<16} {system:<12} {s['docs']:>5} {s['P']:6.3f} {s['R']:6.3f} {s['F1']:6.3f} {seconds:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
