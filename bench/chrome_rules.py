#!/usr/bin/env python3
"""What cleaner's line rules (cleaner/chrome/) do to an extractor's output,
page by page: the same raw text scored without the rules and with them.

The input is a JSONL file of raw extraction output, {"id", "text"[, "title"]}
per page, for example the block model's cross-validated output on wcxb-dev
(`python scripts/train_block_model.py --no-export --predictions RAW.jsonl`:
each page selected by a model that saw no page of its site). `--write
OUT.jsonl` keeps the texts with the rules applied, to score further
(`bench/extraction_quality.py --pred-cleaner OUT.jsonl`: the cross-validated
pipeline page by page against trafilatura).
Each text goes through `clean_text(text, html=True, title=...)`, the title
taken from the record or else from the gold set's manifest, and both versions
are scored with ../shared/eval/score_chrome.py. Printed: F1 without and with
the rules, overall and per page type, separator-only lines (`junk`), and the
pages that lose most to the rules. The rules should never cost F1 on a set,
and no page should lose more than --max-loss to them.

    python bench/chrome_rules.py RAW.jsonl [--gold DIR] [--shared PATH] [--worst N] [--write OUT.jsonl]

Skips cleanly (exit 0) when the evaluation sets or the input are absent.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from scoring import page_id, read_jsonl, score_chrome, write_texts  # noqa: E402  (bench/)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("raw", help="raw extraction output (JSONL)")
    parser.add_argument("--shared", default=os.environ.get("CLEANER_SHARED", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--gold", help="gold folder (default: <shared>/eval/wcxb-dev)")
    parser.add_argument("--worst", type=int, default=10, help="list the N pages losing most to the rules")
    parser.add_argument("--max-loss", type=float, default=0.05, help="the F1 a page may lose to the rules")
    parser.add_argument("--write", metavar="OUT.jsonl", help="write the texts with the rules applied here")
    args = parser.parse_args()
    evaluation = os.path.join(args.shared, "eval")
    scorer = os.path.join(evaluation, "score_chrome.py")
    gold = args.gold or os.path.join(evaluation, "wcxb-dev")
    if not os.path.exists(scorer) or not os.path.isdir(gold):
        print(f"skipped: no evaluation set at {gold}")
        return 0
    if not os.path.exists(args.raw):
        print(f"skipped: no raw extraction output at {args.raw}")
        return 0

    from cleaner.chrome.filter import clean_text

    manifest: dict[str, dict] = {}
    manifest_path = os.path.join(gold, "manifest.jsonl")
    if os.path.exists(manifest_path):
        manifest = {page_id(m["id"]): m for m in read_jsonl(manifest_path)}
    records = read_jsonl(args.raw)
    raw_rows = [(page_id(r["id"]), r["text"]) for r in records]
    started = time.perf_counter()
    cleaned_rows = []
    for r in records:
        pid = page_id(r["id"])
        title = r.get("title") or manifest.get(pid, {}).get("title")
        cleaned_rows.append((pid, clean_text(r["text"], html=True, title=title).text))
    seconds = time.perf_counter() - started
    if args.write:
        write_texts(args.write, cleaned_rows)

    with tempfile.TemporaryDirectory() as tmp:
        without_path, with_path = os.path.join(tmp, "without.jsonl"), os.path.join(tmp, "with.jsonl")
        write_texts(without_path, raw_rows)
        write_texts(with_path, cleaned_rows)
        without, with_rules = score_chrome(scorer, gold, without_path), score_chrome(scorer, gold, with_path)

    before = {r["id"]: r for r in without["per_doc"]}
    after = {r["id"]: r for r in with_rules["per_doc"]}
    groups: dict[str, list[str]] = defaultdict(list)
    for pid in after:
        groups["all"].append(pid)
        if "page_type" in manifest.get(pid, {}):
            groups[str(manifest[pid]["page_type"])].append(pid)

    print(f"{os.path.basename(args.raw)}: {len(records)} pages, rules applied in {seconds:.1f} s")
    print(f"{'page type':<15} {'docs':>5} {'F1 without':>11} {'F1 with':>8} {'delta':>7} "
          f"{'junk without':>13} {'junk with':>10} {'pages < -' + str(args.max_loss):>13}")
    for name in ["all", *sorted(g for g in groups if g != "all")]:
        ids = groups[name]
        f_without = sum(before[i]["F1"] for i in ids) / len(ids)
        f_with = sum(after[i]["F1"] for i in ids) / len(ids)
        junk_without = sum(before[i].get("junk", 0) for i in ids)
        junk_with = sum(after[i].get("junk", 0) for i in ids)
        losers = sum(before[i]["F1"] - after[i]["F1"] > args.max_loss for i in ids)
        print(f"{name:<15} {len(ids):>5} {f_without:11.4f} {f_with:8.4f} {f_with - f_without:+7.4f} "
              f"{junk_without:>13} {junk_with:>10} {losers:>13}")
    deltas = sorted((after[i]["F1"] - before[i]["F1"], i) for i in after)
    if args.worst:
        print("pages losing most to the rules (F1 with - without):")
        for delta, pid in deltas[: args.worst]:
            if delta >= 0:
                break
            kind = manifest.get(pid, {}).get("page_type", "?")
            print(f"  {pid:<8} {kind:<14} {before[pid]['F1']:.3f} -> {after[pid]['F1']:.3f} ({delta:+.3f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
