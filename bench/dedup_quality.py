#!/usr/bin/env python3
"""Near-duplicate quality on the real republications of vinews-10k, and on sites-dev.

  dedup-real  `cleaner clean ../shared/corpora/vinews-10k` (or `cleaner dedup` on
              its JSON Lines), scored against ../shared/eval/dedup-real: precision
              (predicted pairs that are substantially the same report: 3-gram
              Jaccard >= 0.3 or 3-gram containment >= 0.6), R@0.8 (5-gram Jaccard
              >= 0.8), R@C0.9 (5-gram containment >= 0.9), R@J3.5 (3-gram Jaccard
              >= 0.5). Groups are closed transitively. When
              ../shared/eval/score_dedup_pairs.py exists it is used; otherwise this
              script scores by the same definitions (eval/README.md).
  sites-dev   HTML pages and text dumps, with ../shared/eval/score_dedup.py.

    python bench/dedup_quality.py [--shared PATH] [--threshold X ...] [--containment X]
"""

from __future__ import annotations

import argparse
import glob
import itertools
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)


def pairs_of_groups(records: list[dict]) -> set[tuple[str, str]]:
    """All same-group pairs, groups closed transitively over duplicate_of/cluster links."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for r in records:
        find(r["id"])
        for other in (r.get("duplicate_of"), r.get("cluster")):
            if other:
                a, b = find(r["id"]), find(other)
                if a != b:
                    parent[max(a, b)] = min(a, b)
    groups: dict[str, list[str]] = {}
    for r in records:
        groups.setdefault(find(r["id"]), []).append(r["id"])
    return {tuple(sorted(p)) for members in groups.values() for p in itertools.combinations(members, 2)}


def score_pairs(truth_path: str, records: list[dict]) -> dict:
    truth = {}
    for line in open(truth_path, encoding="utf-8"):
        t = json.loads(line)
        truth[tuple(sorted((t["a"], t["b"])))] = t
    predicted = pairs_of_groups(records)
    good = lambda t: t["jaccard3"] >= 0.3 or t["containment3"] >= 0.6
    correct = sum(1 for p in predicted if p in truth and good(truth[p]))
    def recall(condition):
        wanted = [p for p, t in truth.items() if condition(t)]
        return sum(1 for p in wanted if p in predicted) / len(wanted), len(wanted)
    r08, n08 = recall(lambda t: t["jaccard"] >= 0.8)
    rc, nc = recall(lambda t: t["containment"] >= 0.9)
    rj, nj = recall(lambda t: t["jaccard3"] >= 0.5)
    return {"P": correct / len(predicted) if predicted else 1.0, "pairs_pred": len(predicted),
            "R@0.8": r08, "R@C0.9": rc, "R@J3.5": rj, "n": (n08, nc, nj)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLEANER_SHARED", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--threshold", type=float, nargs="*", default=[None])
    parser.add_argument("--containment", type=float, default=None)
    parser.add_argument("--ngram", type=int, default=None)
    args = parser.parse_args()
    corpus = os.path.join(args.shared, "corpora", "vinews-10k")
    truth = os.path.join(args.shared, "eval", "dedup-real", "vinews-10k.truth.jsonl")
    if not os.path.isdir(corpus) or not os.path.exists(truth):
        print(f"skipped: no corpus or truth under {args.shared}")
        return 0
    from cleaner import Options, clean

    files = sorted(glob.glob(os.path.join(corpus, "*.txt")))
    sites = os.path.join(args.shared, "eval", "sites-dev")
    external = os.path.join(args.shared, "eval", "score_dedup_pairs.py")
    print(f"{'set':<18} {'threshold':>9} {'P':>6} {'R@0.8':>6} {'R@C0.9':>7} {'R@J3.5':>7} {'pairs':>6} {'seconds':>8}")
    for threshold in args.threshold:
        kwargs = {k: v for k, v in (("threshold", threshold), ("containment", args.containment),
                                    ("ngram", args.ngram)) if v is not None}
        options = Options(**kwargs)
        started = time.perf_counter()
        records = [{"id": os.path.basename(d.source), "duplicate_of":
                    os.path.basename(files_by_id[d.duplicate_of]) if d.duplicate_of else None}
                   for files_by_id in [{os.path.splitext(os.path.basename(f))[0]: f for f in files}]
                   for d in clean(files, options)]
        seconds = time.perf_counter() - started
        if os.path.exists(external):
            with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
                handle.writelines(json.dumps(r) + "\n" for r in records)
            out = subprocess.run([sys.executable, external, "--truth", truth, "--pred", handle.name],
                                 capture_output=True, text=True)
            print(out.stdout.strip().splitlines()[-1])
        else:
            s = score_pairs(truth, records)
            print(f"{'dedup-real':<18} {options.threshold:9.2f} {s['P']:6.3f} {s['R@0.8']:6.3f} "
                  f"{s['R@C0.9']:7.3f} {s['R@J3.5']:7.3f} {s['pairs_pred']:6d} {seconds:8.1f}")
        scorer = os.path.join(args.shared, "eval", "score_dedup.py")
        for name, pattern in (("sites-dev html", "*.html"), ("sites-dev dumps", "d[0-9][0-9][0-9].txt")):
            pages = sorted(glob.glob(os.path.join(sites, pattern)))
            if not pages or not os.path.exists(scorer):
                continue
            with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
                for d in clean(pages, options):
                    handle.write(json.dumps({"id": d.id, "duplicate_of": d.duplicate_of}) + "\n")
            out = subprocess.run([sys.executable, scorer, "--manifest", os.path.join(sites, "manifest.jsonl"),
                                  "--pred", handle.name], capture_output=True, text=True).stdout.strip().splitlines()
            print(f"{name:<18} {options.threshold:9.2f} {out[-1]}   ({out[-2].strip()})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
