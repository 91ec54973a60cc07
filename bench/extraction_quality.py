#!/usr/bin/env python3
"""Main-content extraction on real pages, side by side and page by page:
trafilatura.extract (defaults, what a user writes instead of cleaner) against
`cleaner clean` (everything on, as a user runs it), on ../shared/eval/wcxb-dev
(1,358 real pages of seven kinds, hand-checked main content). Skips cleanly
(exit 0, "skipped: ...") when the set or its scorer is absent.

    python bench/extraction_quality.py [--shared PATH] [--set wcxb-dev] [--show N]
                                       [--pred-cleaner FILE.jsonl [--errors-cleaner FILE.jsonl]]
                                       [--first N] [--no-cache]

What it prints (scores by ../shared/eval/score_chrome.py --json: word-bag
P/R/F1 per page, macro-averaged; `junk` = output lines with no letter or
digit; `missing` = pages with no record):
  1. timings of both runs, then how cleaner's pages are accounted: written,
     dropped (by reason), failed (by reason), from `cleaner clean --errors`;
  2. overall and per page_type P/R/F1 of trafilatura, of cleaner as the CLI
     writes it (a dropped page has no record: missing, F1 0) and of cleaner
     with a page dropped as empty (empty_after_cleaning / empty_input) scored
     as an empty text (cleaner decided the page has no main text: an empty
     gold then scores 1, as trafilatura's empty string does);
  3. every page dropped as empty whose gold has text;
  4. the per-page comparison: every page where cleaner's F1 (as written) is
     more than 0.2 below trafilatura's own F1 on that page, largest gap first
     (id, page_type, both F1, P, R, gold and output word counts; `--show N`
     lists the first N), their count, and the count of pages where cleaner is
     more than 0.2 above.

trafilatura's outputs are cached between runs (~/.cache/cleaner-bench, keyed
by trafilatura's version, ../shared/bench/baselines.py and the page files;
`--no-cache` recomputes); cleaner's never are. `--pred-cleaner` scores a given
JSON Lines file of {"id", "text"} in place of running cleaner (e.g.
cross-validated predictions); without `--errors-cleaner` (a `cleaner clean
--errors` file) its absent pages cannot be told apart and count as missing in
both scorings. `--first N` takes the first N pages in sorted order (a quick
look; the figures are not the set's). For seeds and sites-dev, see
bench/chrome_quality.py. A full run took 1.6 minutes with trafilatura's outputs
cached and 3 without (2-core machine, load average 5-6 from other work).
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from scoring import page_id, read_jsonl, score_chrome, write_jsonl  # noqa: E402  (bench/, beside this script)

EMPTY_REASONS = ("empty_after_cleaning", "empty_input")
GAP = 0.2


def cache_dir() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "cleaner-bench")


def trafilatura_key(baselines: str, files: list[str]) -> str:
    """trafilatura's version, the baseline script and the pages (names, sizes, mtimes)."""
    from importlib.metadata import version

    digest = hashlib.sha256(open(baselines, "rb").read())
    for path in files:
        stat = os.stat(path)
        digest.update(f"{os.path.basename(path)}\0{stat.st_size}\0{int(stat.st_mtime)}\n".encode())
    return f"trafilatura-{version('trafilatura')}-{digest.hexdigest()[:16]}"


def run_trafilatura(shared: str, files: list[str], tmp: str, use_cache: bool) -> tuple[str, str]:
    """A prediction file from `baselines.py html` (cached), and how it was got."""
    baselines = os.path.join(shared, "bench", "baselines.py")
    cached = os.path.join(cache_dir(), trafilatura_key(baselines, files) + ".jsonl")
    if use_cache and os.path.exists(cached):
        return cached, f"cached ({cached})"
    out = os.path.join(tmp, "trafilatura.jsonl")
    started = time.perf_counter()
    subprocess.run([sys.executable, baselines, "html", out, *files], check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    if use_cache:
        os.makedirs(cache_dir(), exist_ok=True)
        with open(out, "rb") as src, open(cached + ".part", "wb") as dst:
            dst.write(src.read())
        os.replace(cached + ".part", cached)
    return out, f"ran in {seconds:.1f} s (one process)"


def run_cleaner(files: list[str], tmp: str) -> tuple[str, str, str]:
    """`cleaner clean FILES -o OUT --errors ERR` with every default (all cores)."""
    out, errors = os.path.join(tmp, "cleaner.jsonl"), os.path.join(tmp, "cleaner-errors.jsonl")
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "cleaner.cli", "clean", *files, "-o", out,
                           "--errors", errors, "-q"], cwd=ROOT, stdout=subprocess.DEVNULL,
                          stderr=subprocess.PIPE, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):  # 1: some documents failed, all others written
        sys.exit(f"cleaner clean exited {done.returncode}: {done.stderr[-2000:]}")
    return out, errors, f"`cleaner clean` ran in {seconds:.1f} s (exit {done.returncode}, default workers)"


def score(scorer: str, gold: str, pred: str) -> dict[str, dict]:
    """score_chrome's per-page rows, by page id."""
    return {row["id"]: row for row in score_chrome(scorer, gold, pred)["per_doc"]}


def summary(rows: list[dict]) -> dict:
    n = len(rows) or 1
    return {"P": sum(r["P"] for r in rows) / n, "R": sum(r["R"] for r in rows) / n,
            "F1": sum(r["F1"] for r in rows) / n, "docs": len(rows),
            "missing": sum(bool(r["missing"]) for r in rows), "junk": sum(r.get("junk", 0) for r in rows)}


def accounting(pred: str, errors: str | None, ids: list[str]) -> tuple[dict[str, str], list[str]]:
    """Each page's fate: "written", "dropped:REASON", "failed:REASON" or
    "absent" (no record and no error line), and the lines describing it."""
    fate = {i: "absent" for i in ids}
    for record in read_jsonl(pred):
        if page_id(record["id"]) in fate:
            fate[page_id(record["id"])] = "written"
    if errors and os.path.exists(errors):
        for record in read_jsonl(errors):
            key = page_id(record.get("id") or record.get("source", ""))
            if key in fate and fate[key] != "written":
                fate[key] = f"{record.get('status')}:{record.get('reason')}"
    counts = Counter(fate.values())
    lines = [f"  pages {len(ids)}: written {counts.pop('written', 0)}"]
    for kind in ("dropped", "failed"):
        reasons = {k.split(':', 1)[1]: v for k, v in counts.items() if k.startswith(kind + ":")}
        total = sum(reasons.values())
        detail = ", ".join(f"{r} {n}" for r, n in sorted(reasons.items(), key=lambda x: -x[1]))
        lines.append(f"  {kind} {total}" + (f" ({detail})" if detail else ""))
    if counts.get("absent"):
        lines.append(f"  absent {counts['absent']} (no record, no error line"
                     + ("" if errors else ": no --errors-cleaner given") + ")")
    return fate, lines


def print_table(types: dict[str, str], systems: list[tuple[str, dict[str, dict]]]) -> None:
    kinds = [k for k, _ in Counter(types.values()).most_common()]
    header = f"{'page_type':<14} {'docs':>5}" + "".join(f" | {name:^26}" for name, _ in systems)
    print(header)
    print(f"{'':<14} {'':>5}" + " | {:>8} {:>8} {:>8}".format("P", "R", "F1") * len(systems))
    for kind in ["all", *kinds]:
        ids = [i for i in types if kind == "all" or types[i] == kind]
        line = f"{kind:<14} {len(ids):>5}"
        for _, rows in systems:
            s = summary([rows[i] for i in ids])
            line += f" | {s['P']:8.3f} {s['R']:8.3f} {s['F1']:8.3f}"
        print(line)
    for name, rows in systems:
        s = summary(list(rows.values()))
        print(f"  {name}: P={s['P']:.3f} R={s['R']:.3f} F1={s['F1']:.3f} docs={s['docs']} "
              f"missing={s['missing']} junk={s['junk']}")


def compare(types: dict[str, str], fate: dict[str, str], base: dict[str, dict],
            ours: dict[str, dict], as_empty: dict[str, dict], show: int | None) -> None:
    below = sorted((i for i in types if ours[i]["F1"] < base[i]["F1"] - GAP),
                   key=lambda i: (ours[i]["F1"] - base[i]["F1"], i))
    above = [i for i in types if ours[i]["F1"] > base[i]["F1"] + GAP]
    below_empty = [i for i in types if as_empty[i]["F1"] < base[i]["F1"] - GAP]
    above_empty = [i for i in types if as_empty[i]["F1"] > base[i]["F1"] + GAP]
    print(f"\npages where cleaner's F1 is more than {GAP} below trafilatura's on the same page "
          f"(cleaner as written; gap = cleaner F1 - trafilatura F1):")
    print(f"{'id':<7} {'page_type':<13} {'gap':>6} | {'traf F1':>7} {'P':>5} {'R':>5} {'words':>6} | "
          f"{'cln F1':>7} {'P':>5} {'R':>5} {'words':>6} | {'gold':>6}  cleaner's page")
    for i in below[:show] if show is not None else below:
        b, o = base[i], ours[i]
        print(f"{i:<7} {types[i]:<13} {o['F1'] - b['F1']:+6.3f} | {b['F1']:7.3f} {b['P']:5.2f} {b['R']:5.2f} "
              f"{b['out_tokens']:6d} | {o['F1']:7.3f} {o['P']:5.2f} {o['R']:5.2f} {o['out_tokens']:6d} | "
              f"{b['gold_tokens']:6d}  {fate.get(i, '?')}")
    if show is not None and len(below) > show:
        print(f"  ... {len(below) - show} more (--show {len(below)} lists them all)")
    by_kind = Counter(types[i] for i in below)
    print(f"cleaner more than {GAP} below trafilatura: {len(below)} pages "
          f"({', '.join(f'{k} {n}' for k, n in by_kind.most_common()) or 'none'}); "
          f"with dropped-as-empty pages scored as empty text: {len(below_empty)}")
    print(f"cleaner more than {GAP} above trafilatura: {len(above)} pages; "
          f"with dropped-as-empty pages scored as empty text: {len(above_empty)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLEANER_SHARED", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--set", default="wcxb-dev", help="folder under SHARED/eval with *.html.gz, "
                        "*.keep.txt and manifest.jsonl (default wcxb-dev)")
    parser.add_argument("--show", type=int, default=None, metavar="N",
                        help="list only the first N pages of the per-page comparison (default: all)")
    parser.add_argument("--pred-cleaner", metavar="FILE", help="score this JSON Lines file of {id, text} "
                        "in place of running cleaner")
    parser.add_argument("--errors-cleaner", metavar="FILE", help="with --pred-cleaner: the `--errors` file of "
                        "the run that wrote it (for the accounting and the as-empty scoring)")
    parser.add_argument("--first", type=int, metavar="N", help="only the first N pages in sorted order")
    parser.add_argument("--no-cache", action="store_true", help="run trafilatura even when cached")
    args = parser.parse_args()

    folder = os.path.join(args.shared, "eval", args.set)
    scorer = os.path.join(args.shared, "eval", "score_chrome.py")
    baselines = os.path.join(args.shared, "bench", "baselines.py")
    files = sorted(glob.glob(os.path.join(folder, "*.html.gz")) + glob.glob(os.path.join(folder, "*.html")))
    missing = [p for p in (scorer, baselines, os.path.join(folder, "manifest.jsonl")) if not os.path.exists(p)]
    if missing or not files:
        print(f"skipped: {', '.join(missing) or 'no pages in ' + folder} not found")
        return 0
    if args.pred_cleaner and not os.path.exists(args.pred_cleaner):
        parser.error(f"--pred-cleaner {args.pred_cleaner}: no such file")
    if args.first:
        files = files[: args.first]
    manifest = {page_id(m["id"]): m for m in read_jsonl(os.path.join(folder, "manifest.jsonl"))}
    ids = [page_id(f) for f in files]
    types = {i: str(manifest.get(i, {}).get("page_type", "?")) for i in ids}

    with tempfile.TemporaryDirectory() as tmp:
        gold = folder
        if args.first:  # the scorer's document set is the gold folder's: give it only these pages
            gold = os.path.join(tmp, "gold")
            os.makedirs(gold)
            for i in ids:
                os.symlink(os.path.join(folder, i + ".keep.txt"), os.path.join(gold, i + ".keep.txt"))
        base_pred, base_note = run_trafilatura(args.shared, files, tmp, not args.no_cache)
        if args.pred_cleaner:
            pred, errors = args.pred_cleaner, args.errors_cleaner
            note = f"given predictions {pred}" + (f", errors {errors}" if errors else "")
        else:
            pred, errors, note = run_cleaner(files, tmp)
        print(f"{args.set}: {len(files)} pages; trafilatura.extract (baselines.py html): {base_note}; cleaner: {note}")
        fate, lines = accounting(pred, errors, ids)
        print("cleaner's pages:")
        print("\n".join(lines))

        # As empty: a page dropped as empty gets an empty text; everything else as written.
        empty = [i for i in ids if fate[i].split(":", 1)[-1] in EMPTY_REASONS and fate[i].startswith("dropped")]
        as_empty_pred = os.path.join(tmp, "cleaner-as-empty.jsonl")
        write_jsonl(as_empty_pred, [*read_jsonl(pred), *({"id": i, "text": ""} for i in empty)])
        base = score(scorer, gold, base_pred)
        ours = score(scorer, gold, pred)
        as_empty = score(scorer, gold, as_empty_pred)

    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print("\ncleaner (as written): a dropped page has no record (missing, F1 0); cleaner (drops as empty): "
          "a page dropped as empty is scored as an empty text")
    print_table(types, [("trafilatura", base), ("cleaner (as written)", ours),
                        ("cleaner (drops as empty)", as_empty)])
    lost = [i for i in empty if base[i]["gold_tokens"] > 0]
    print(f"\npages dropped as empty whose gold has text: {len(lost)} (of {len(empty)} dropped as empty)")
    for i in lost:
        b = base[i]
        print(f"  {i:<7} {types[i]:<13} {fate[i]:<30} gold {b['gold_tokens']:6d} words; "
              f"trafilatura F1 {b['F1']:.3f} ({b['out_tokens']} words)  {manifest.get(i, {}).get('url', '')}")
    compare(types, fate, base, ours, as_empty, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
