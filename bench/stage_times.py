#!/usr/bin/env python3
"""Where a real page's time goes in cleaner, stage by stage, in one process.

    python bench/stage_times.py [--shared PATH] [--every 2] [--first N] [--batch 16] [--no-reference]

Runs cleaner's per-document stages (`cleaner.run.stages.process_batch` with
the default Options: everything on, one process) over the sample of
bench/throughput.py's html-real bench (every other page of
../shared/eval/wcxb-dev in sorted order: 679 gzip files, as fetched), after
a few warm-up pages (imports, models) that are not counted. The time is
taken around the library's own functions, wrapped with a timer at run time
(cleaner's code is not edited): each stage's figure is its own (exclusive)
time, a wrapped function called inside another one counting for the inner
stage only, so the stages add up to the whole; what no wrapper covers is
"rest". A name that does not exist in this cleaner is skipped and listed, so
the script runs unchanged against a refactored cleaner. Printed per stage:
ms per page (mean over the sample), share of the per-document time, the
median page's ms, the slowest page and its ms, the functions timed and
their calls (language and fingerprint run once per batch: no per-page
figures). For scale, `../shared/bench/baselines.py html` (trafilatura.extract
defaults, its own process) on the same pages, run once before and once after
(the machine is shared: compare shares and ratios, not milliseconds). Not included: what a run does beyond the per-document
stages (start-up, workers, grouping, site learning, writing; see
bench/throughput.py). Skips cleanly (exit 0) without ../shared.
A run took 2.7 minutes, 0.7 of them cleaner's stages (2-core machine, load average 4).
"""

from __future__ import annotations

import argparse
import functools
import glob
import importlib
import inspect
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# Stages in pipeline order: (label, functions timed for it). Alternatives
# for one stage (an older or newer cleaner's names) can sit side by side;
# those missing are listed, not fatal.
STAGES = [
    ("read (file, gunzip)", ["cleaner.io.readers.load"]),
    ("decode", ["cleaner.encoding.decode"]),
    ("parse", ["cleaner.extract.html.parse_html"]),
    ("layout tables", ["cleaner.extract.html.unwrap_layout_tables"]),
    ("page walk", ["cleaner.extract.pageblocks.walk"]),
    ("trafilatura", ["cleaner.extract.rows._trafilatura_texts", "trafilatura.bare_extraction",
                     "trafilatura.extract"]),
    ("block features", ["cleaner.extract.blockfeatures.features", "cleaner.extract.blockfeatures.shares_in"]),
    ("block model", ["cleaner.extract.blockmodel.Forest.raw_scores", "cleaner.extract.blockmodel.Forest.probabilities",
                     "cleaner.extract.blockmodel.select"]),
    ("lead/captions", ["cleaner.extract.blocks.recover_parts"]),
    ("metadata, title", ["cleaner.extract.metadata.page_metadata", "cleaner.extract.metadata.title_of"]),
    ("date", ["cleaner.extract.metadata.page_date", "cleaner.extract.metadata.headline_date"]),
    ("extraction, rest", ["cleaner.extract.html.extract_html"]),
    ("chrome rules", ["cleaner.chrome.filter.clean_text"]),
    ("site keys", ["cleaner.chrome.sites.paragraph_keys"]),
    ("language", ["cleaner.language.detect_batch"]),
    ("fingerprint", ["cleaner.run.stages.fingerprint_batch"]),
]
# Modules searched for other references to a wrapped function (`from x import f`).
SCANNED = ("cleaner", "trafilatura")
# The function that starts a page's work (its Document is the first argument):
# time after its call counts for that page, for the per-page median and maximum.
PAGE_START = "cleaner.io.readers.load"
# Stages run once per batch, not per page: no per-page figures.
BATCH_STAGES = ("language", "fingerprint")


class Timers:
    """Exclusive seconds per stage label (in all, and per page), calls per function."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.per_page: dict[str, Counter[str]] = defaultdict(Counter)
        self.calls: Counter[str] = Counter()
        self.page: str | None = None
        self._stack: list[list] = []  # [label, seconds spent in wrapped callees]

    def wrap(self, label: str, name: str, fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            if name == PAGE_START and args:
                self.page = getattr(args[0], "id", None)
            outer = self._stack[-1] if self._stack else None
            self._stack.append([label, 0.0])
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                _, inner = self._stack.pop()
                self.seconds[label] += elapsed - inner
                if self.page is not None and label not in BATCH_STAGES:
                    self.per_page[label][self.page] += elapsed - inner
                self.calls[name] += 1
                if outer is not None:
                    outer[1] += elapsed
        timed.__wrapped_stage__ = label
        return timed

    def reset(self) -> None:
        self.seconds.clear()
        self.per_page.clear()
        self.calls.clear()


def resolve(dotted: str):
    """(owner, attribute name, value) for a dotted name: a module's function
    or a class's method; None if it does not exist."""
    parts = dotted.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            owner = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for name in parts[cut:-1]:
            owner = getattr(owner, name, None)
            if owner is None:
                return None
        if not hasattr(owner, parts[-1]):
            return None
        return owner, parts[-1], inspect.getattr_static(owner, parts[-1])
    return None


def install(timers: Timers) -> tuple[dict[str, list[str]], list[str]]:
    """Wrap every function of STAGES found; (label: names wrapped, names not found)."""
    importlib.import_module("cleaner.run.pipeline")  # loads the stages' modules as a run does
    found: dict[str, list[str]] = defaultdict(list)
    missing: list[str] = []
    replaced: dict[int, object] = {}
    for label, names in STAGES:
        for dotted in names:
            target = resolve(dotted)
            if target is None:
                missing.append(dotted)
                continue
            owner, attribute, value = target
            kind = type(value) if isinstance(value, (staticmethod, classmethod)) else None
            fn = value.__func__ if kind else value
            if not callable(fn) or getattr(fn, "__wrapped_stage__", None):
                missing.append(f"{dotted} (not a function)" if not callable(fn) else dotted + " (twice)")
                continue
            wrapper = timers.wrap(label, dotted, fn)
            setattr(owner, attribute, kind(wrapper) if kind else wrapper)
            replaced[id(fn)] = (fn, wrapper)
            found[label].append(dotted)
    # Other modules' references to the same functions (`from .sites import paragraph_keys`).
    for name, module in list(sys.modules.items()):
        if module is None or name.split(".")[0] not in SCANNED:
            continue
        for attribute, value in list(vars(module).items()):
            if id(value) in replaced and replaced[id(value)][0] is value:
                setattr(module, attribute, replaced[id(value)][1])
    return found, missing


def reference(shared: str, pages: list[str]) -> float | None:
    """Seconds per page of baselines.py html (trafilatura.extract, its own process)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = subprocess.run([sys.executable, os.path.join(shared, "bench", "baselines.py"), "html",
                              os.path.join(tmp, "base.jsonl"), *pages], capture_output=True, text=True)
    match = re.search(r"seconds=([\d.]+)", out.stdout)
    return float(match[1]) / len(pages) if out.returncode == 0 and match else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLEANER_SHARED", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--every", type=int, default=2, help="take every K-th page in sorted order (default 2)")
    parser.add_argument("--first", type=int, metavar="N", help="only the first N pages of the sample")
    parser.add_argument("--batch", type=int, default=16, help="documents per process_batch call (default 16, "
                        "about what a worker gets)")
    parser.add_argument("--warmup", type=int, default=4, help="pages run first and not counted (default 4)")
    parser.add_argument("--no-reference", action="store_true", help="do not run baselines.py html for scale")
    args = parser.parse_args()
    pages = sorted(glob.glob(os.path.join(args.shared, "eval", "wcxb-dev", "*.html.gz")))[:: max(args.every, 1)]
    if not pages or not os.path.exists(os.path.join(args.shared, "bench", "baselines.py")):
        print(f"skipped: no wcxb-dev pages or baselines under {args.shared}")
        return 0
    pages = pages[: args.first] if args.first else pages

    from cleaner import Document, Options
    from cleaner.run.stages import process_batch

    options = Options()
    before = None if args.no_reference else reference(args.shared, pages)
    timers = Timers()
    found, missing = install(timers)
    process_batch([Document(id=f"warm{i}", source=p) for i, p in enumerate(pages[: args.warmup])], options)
    timers.reset()

    fates: Counter[str] = Counter()
    started = time.perf_counter()
    for at in range(0, len(pages), args.batch):
        docs = [Document(id=os.path.basename(p).split(".")[0], source=p) for p in pages[at: at + args.batch]]
        for doc in process_batch(docs, options):
            fates[doc.status if doc.ok else f"{doc.status}:{doc.reason}"] += 1
    total = time.perf_counter() - started
    after = None if args.no_reference else reference(args.shared, pages)

    n = len(pages)
    print(f"{n} wcxb-dev pages (1 in {args.every} in sorted order), cleaner.run.stages.process_batch "
          f"in batches of {args.batch}, one process, default Options; {args.warmup} warm-up pages not counted")
    print(f"load average (1 min) at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    print(f"outcome: {', '.join(f'{k} {v}' for k, v in fates.most_common())}")
    print(f"per-document stages: {total:.1f} s, {1000 * total / n:.1f} ms a page")
    print(f"\n{'stage':<20} {'ms/page':>8} {'share':>6} {'median':>7} {'max':>7} {'max page':<8}  "
          "functions timed (calls)")
    accounted = 0.0
    for label, _ in STAGES:
        if label not in found:
            continue
        seconds = timers.seconds.get(label, 0.0)
        accounted += seconds
        pages = timers.per_page.get(label)
        if pages:
            values = sorted([*pages.values(), *[0.0] * (n - len(pages))])
            slowest = max(pages, key=pages.get)
            spread = f"{1000 * values[len(values) // 2]:7.2f} {1000 * pages[slowest]:7.1f} {slowest:<8}"
        else:
            spread = f"{'':7} {'':7} {'':8}"
        print(f"{label:<20} {1000 * seconds / n:8.2f} {100 * seconds / total:5.1f}% {spread}  "
              f"{', '.join(f'{name} ({timers.calls[name]})' for name in found[label])}")
    rest = total - accounted
    print(f"{'rest':<20} {1000 * rest / n:8.2f} {100 * rest / total:5.1f}% {'':24}  "
          "process_batch outside the functions above")
    if missing:
        print(f"\nnot found in this cleaner (skipped): {', '.join(missing)}")
    if before or after:
        shown = " / ".join(f"{1000 * s:.1f}" for s in (before, after) if s)
        ours = total / n
        print(f"\nfor scale: baselines.py html (trafilatura.extract defaults, own process, import included) "
              f"on the same pages, before / after: {shown} ms a page; cleaner's stages here {1000 * ours:.1f} ms "
              f"a page ({', '.join(f'{s / ours:.2f}x' for s in (before, after) if s)} trafilatura's per-page speed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
