#!/usr/bin/env python3
"""cleaner dedup versus datasketch's documented per-document loop, in one run.

On ../shared/corpora/vinews-10k (skipped when absent), written once as JSON
Lines ({"id", "text"}), two commands run one after the other as separate
processes:
  baseline  ../shared/bench/baselines.py dedup   (MinHash + update_batch over
            word 3-grams, default SHA-1 hash, MinHashLSH query and insert at
            0.5, 128 permutations: the library's documented usage)
  cleaner   cleaner dedup --workers 1 (and, for reference, with all cores),
            median of three runs
Each prints one JSON line: seconds, MB/s, peak resident memory; then the
ratio line. The index's bytes per document are measured on the same data.

    python bench/dedup_speed.py [--shared PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


_PEAK = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, "
         "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL); "
         "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def timed(command: list[str]) -> dict:
    """Run a command under a fresh wrapper process: wall seconds, and the
    command's own peak resident memory (the wrapper's only child)."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", _PEAK, *command], check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "peak_rss_mb": round(int(out.stdout.strip()) / 1024, 1)}


def index_bytes_per_document(path: str) -> float:
    import numpy as np

    from cleaner.dedup.index import CorpusIndex, fingerprints

    index = CorpusIndex()
    texts = [json.loads(line)["text"] for line in open(path, encoding="utf-8")]
    for lo in range(0, len(texts), 256):
        sigs, counts = fingerprints(texts[lo:lo + 256], index.num_perm, 3, 1)
        keys = np.arange(lo, lo + len(sigs))
        index.add(keys, sigs, counts, np.zeros(len(sigs)), np.zeros(len(sigs)))
    value = index.bytes_per_document
    index.close()
    return value


def kernel_built() -> bool:
    from cleaner.dedup import minhash

    return minhash._kernel is not None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLEANER_SHARED", os.path.join(ROOT, "..", "shared")))
    args = parser.parse_args()
    corpus = os.path.join(args.shared, "corpora", "vinews-10k")
    baseline = os.path.join(args.shared, "bench", "baselines.py")
    if not os.path.isdir(corpus) or not os.path.exists(baseline):
        print(json.dumps({"skipped": f"no corpus or baselines under {args.shared}"}))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        source = os.path.join(tmp, "vinews.jsonl")
        with open(source, "w", encoding="utf-8") as out:
            for name in sorted(os.listdir(corpus)):
                if name.endswith(".txt"):
                    text = open(os.path.join(corpus, name), encoding="utf-8").read()
                    out.write(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n")
        megabytes = os.path.getsize(source) / 1e6
        cleaner = [sys.executable, "-m", "cleaner.cli", "dedup", source, "-q"]
        runs = {
            "datasketch baseline": [sys.executable, baseline, "dedup", source, os.path.join(tmp, "base.jsonl")],
            "cleaner dedup --workers 1": cleaner + ["-o", os.path.join(tmp, "c1.jsonl"), "--workers", "1"],
            "cleaner dedup (all cores)": cleaner + ["-o", os.path.join(tmp, "cn.jsonl")],
        }
        results = {}
        for name, command in runs.items():
            # cleaner's runs take about a second, where the machine's noise
            # weighs more than on the baseline's 20 s: median of three
            tries = [timed(command) for _ in range(1 if name.startswith("datasketch") else 3)]
            r = sorted(tries, key=lambda t: t["seconds"])[len(tries) // 2]
            r.update(run=name, mb=round(megabytes, 1), mb_per_s=round(megabytes / r["seconds"], 2),
                     tries=[t["seconds"] for t in tries])
            results[name] = r
            print(json.dumps(r))
        ratio = results["datasketch baseline"]["seconds"] / results["cleaner dedup --workers 1"]["seconds"]
        print(json.dumps({"ratio_workers_1": round(ratio, 2), "target": 20,
                          "ratio_all_cores": round(results["datasketch baseline"]["seconds"]
                                                   / results["cleaner dedup (all cores)"]["seconds"], 2),
                          "index_bytes_per_document": round(index_bytes_per_document(source), 1),
                          "index_target_bytes": 200, "compiled_kernel": kernel_built()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
