#!/usr/bin/env python3
"""Train the block model (cleaner/extract/block_model.json) on pages with
hand-checked main content, and say how well it does on sites it has not seen.

    python scripts/train_block_model.py [--shared ../shared] [--cache DIR] [--folds 5]
                                        [--no-export] [--predictions OUT.jsonl]

Data: ../shared/eval/wcxb-dev (1,358 real pages of seven kinds, 2025). Each
page goes through cleaner's own code up to the model's rows
(cleaner.extract.rows.page_rows: parse, layout tables, blocks, trafilatura, features);
a block's label is the share of its word 3-grams (its words, for blocks of
one or two) that occur in the page's gold text, and it counts as content at
0.5 or more. Rows are weighted by the square root of the block's words: the
metric counts words, but a few long blocks must not outweigh the many short
ones that tell chrome apart.

Cross-validation is grouped by site (the URL's host), five folds: a page is
scored by a model that saw no page of its site, as pages in the wild are. The
figures printed (word-bag F1 per page, macro-averaged, as
../shared/eval/score_chrome.py computes it, on the raw selection before the
chrome rules) are those cross-validated ones. Then one model is fitted on all
pages and written as JSON trees (blockmodel.forest_from_dict reads them).

Needs scikit-learn (a development tool, not a dependency of cleaner).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import pickle
import re
import sys
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from urllib.parse import urlparse

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

# Boosting settings, chosen by the cross-validated F1 (see README "Extraction").
ITERATIONS = 200
MAX_DEPTH = 6
LEARNING_RATE = 0.1
LABEL_CUT = 0.5


def _gold_words(text: str) -> list[str]:
    from cleaner.tokens import tokens

    return tokens(text)


def _ngrams(words: list[str], n: int) -> set[tuple[str, ...]]:
    return set(zip(*(words[i:] for i in range(n))))


def labels_for(keys: list[str], gold: str) -> np.ndarray:
    """Each block's share of word 3-grams (1- or 2-grams for short blocks) found in the gold text."""
    words = _gold_words(gold)
    grams = {n: _ngrams(words, n) for n in (1, 2, 3)}
    out = np.zeros(len(keys), dtype=np.float32)
    for i, key in enumerate(keys):
        block = key.split()
        if not block:
            continue
        n = min(3, len(block))
        own = list(zip(*(block[j:] for j in range(n))))
        out[i] = sum(g in grams[n] for g in own) / len(own)
    return out


def page_data(job: tuple[str, str, str]) -> tuple[str, dict | None]:
    """One page's rows, block words and texts, and labels."""
    from cleaner import encoding
    from cleaner.extract import html, metadata, rows as block_rows

    page_id, html_path, gold_path = job
    raw = open(html_path, "rb").read()
    if html_path.endswith(".gz"):
        raw = gzip.decompress(raw)
    text = encoding.decode(raw).text
    tree = html.parse_html(text)
    if tree is None:
        return page_id, None
    title = metadata.title_of(tree)
    meta = metadata.page_metadata(tree, need_title=title is None)
    html.unwrap_layout_tables(tree)
    rows = block_rows.page_rows(tree, title, meta.url)
    gold = open(gold_path, encoding="utf-8").read()
    return page_id, {
        "features": rows.features, "words": np.asarray(rows.page.words, dtype=np.float32),
        "texts": rows.page.texts, "labels": labels_for(rows.page.keys, gold), "page": rows.page,
        "title": title,
    }


# The code that makes a page's rows: a change to any of it makes the cache stale.
ROWS_CODE = ("extract/html.py", "extract/rows.py", "extract/metadata.py", "extract/pageblocks.py",
             "extract/blockfeatures.py", "extract/blocks.py", "extract/fastxpath.py", "_native/_segment.c",
             "encoding")


def rows_key() -> str:
    """The rows' cache key: the feature names, trafilatura's version and the
    text of the modules that make the rows."""
    import hashlib
    from importlib.metadata import version

    from cleaner.extract.blockfeatures import FEATURE_NAMES

    digest = hashlib.sha256(repr((FEATURE_NAMES, version("trafilatura"))).encode())
    for name in ROWS_CODE:
        path = os.path.join(ROOT, "cleaner", name)
        files = sorted(os.path.join(path, f) for f in os.listdir(path)) if os.path.isdir(path) else [path]
        for file in files:
            if file.endswith((".py", ".c", ".json")):
                with open(file, "rb") as f:
                    digest.update(f.read())
    return digest.hexdigest()


def load_set(shared: str, cache: str, workers: int) -> tuple[dict[str, dict], list[dict]]:
    folder = os.path.join(shared, "eval", "wcxb-dev")
    manifest = [json.loads(line) for line in open(os.path.join(folder, "manifest.jsonl"), encoding="utf-8")]

    cache_file = os.path.join(cache, "wcxb-dev.pickle")
    key = rows_key()
    if os.path.exists(cache_file):
        with open(cache_file, "rb") as f:
            cached = pickle.load(f)
        if cached.get("key") == key:
            return cached["pages"], manifest
    jobs = [(m["id"], os.path.join(folder, m["id"] + ".html.gz"), os.path.join(folder, m["id"] + ".keep.txt"))
            for m in manifest]
    pages: dict[str, dict] = {}
    with ProcessPoolExecutor(workers) as pool:
        for done, (page_id, data) in enumerate(pool.map(page_data, jobs, chunksize=4), 1):
            pages[page_id] = data
            if done % 200 == 0:
                print(f"  {done}/{len(jobs)} pages", file=sys.stderr)
    os.makedirs(cache, exist_ok=True)
    with open(cache_file, "wb") as f:
        pickle.dump({"key": key, "pages": pages}, f)
    return pages, manifest


def load_scorer(shared: str):
    """../shared/eval/score_chrome.py as a module: the yardstick's own tokens
    and per-page score, so the figures printed here are the scorer's."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("score_chrome", os.path.join(shared, "eval", "score_chrome.py"))
    scorer = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scorer)
    return scorer


def new_model(iterations: int = ITERATIONS, depth: int = MAX_DEPTH, rate: float = LEARNING_RATE,
              min_leaf: int = 20):
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(max_iter=iterations, max_depth=depth, learning_rate=rate,
                                          min_samples_leaf=min_leaf, random_state=0)


def export(model, feature_names: tuple[str, ...]) -> dict:
    """The fitted model as JSON trees: per node feature, threshold, children, leaf value."""
    trees = []
    for predictors in model._predictors:
        nodes = predictors[0].nodes
        trees.append({
            "feature": nodes["feature_idx"].tolist(),
            "threshold": [float(t) for t in nodes["num_threshold"]],
            "left": [int(l) if not leaf else -1 for l, leaf in zip(nodes["left"], nodes["is_leaf"])],
            "right": [int(r) if not leaf else -1 for r, leaf in zip(nodes["right"], nodes["is_leaf"])],
            "value": [float(v) for v in nodes["value"]],
            "depth": int(nodes["depth"].max()),
        })
    return {"format": 1, "feature_names": list(feature_names), "baseline": float(model._baseline_prediction.ravel()[0]),
            "trees": trees}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLEANER_SHARED", os.path.join(ROOT, "..", "shared")))
    parser.add_argument("--cache", default=os.path.join(ROOT, ".cache", "block-model"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--alpha", type=float, default=None, help="the selection's alpha (default: blockmodel.ALPHA)")
    parser.add_argument("--iterations", type=int, default=ITERATIONS)
    parser.add_argument("--depth", type=int, default=MAX_DEPTH)
    parser.add_argument("--rate", type=float, default=LEARNING_RATE)
    parser.add_argument("--min-leaf", type=int, default=20)
    parser.add_argument("--save-probabilities", help=argparse.SUPPRESS)  # experiments on the selection
    parser.add_argument("--drop", help="an experiment: zero the feature columns whose names match this regex")
    parser.add_argument("--no-export", action="store_true", help="cross-validate only")
    parser.add_argument("--predictions", help="write the cross-validated page texts here (JSON Lines)")
    args = parser.parse_args()
    if not os.path.isdir(os.path.join(args.shared, "eval", "wcxb-dev")):
        print(f"skipped: no wcxb-dev at {args.shared}/eval")
        return 0

    from sklearn.model_selection import GroupKFold

    from cleaner.extract import blockmodel
    from cleaner.extract.blockfeatures import FEATURE_NAMES
    from cleaner.extract.selection import main_lines

    pages, manifest = load_set(args.shared, args.cache, args.workers)
    args.alpha = blockmodel.ALPHA if args.alpha is None else args.alpha
    kinds = {m["id"]: m["page_type"] for m in manifest}
    sites = {m["id"]: urlparse(m["url"]).netloc.lower().removeprefix("www.") for m in manifest}
    ids = [m["id"] for m in manifest if pages.get(m["id"]) is not None and len(pages[m["id"]]["texts"])]
    x = np.concatenate([pages[i]["features"] for i in ids])
    if args.drop:  # an experiment: train as if these columns did not exist
        dropped = [k for k, name in enumerate(FEATURE_NAMES) if re.search(args.drop, name)]
        x[:, dropped] = 0.0
        print(f"dropped {len(dropped)} columns: {[FEATURE_NAMES[k] for k in dropped]}", file=sys.stderr)
    labels = np.concatenate([pages[i]["labels"] for i in ids]) >= LABEL_CUT
    weights = np.sqrt(np.concatenate([pages[i]["words"] for i in ids]) + 1)
    groups = np.concatenate([[sites[i]] * len(pages[i]["texts"]) for i in ids])
    spans = np.cumsum([0] + [len(pages[i]["texts"]) for i in ids])
    print(f"{len(ids)} pages, {len(x)} blocks, {labels.mean():.3f} content", file=sys.stderr)

    settings = (args.iterations, args.depth, args.rate, args.min_leaf)
    def fit(rows: np.ndarray):
        return new_model(*settings).fit(x[rows], labels[rows], sample_weight=weights[rows])

    probabilities = np.zeros(len(x))
    for fold, (train, test) in enumerate(GroupKFold(args.folds).split(x, labels, groups)):
        model = fit(train)
        probabilities[test] = model.predict_proba(x[test])[:, 1]
        print(f"  fold {fold + 1}/{args.folds}", file=sys.stderr)

    if args.save_probabilities:
        np.save(args.save_probabilities, probabilities)
    folder = os.path.join(args.shared, "eval", "wcxb-dev")
    scorer = load_scorer(args.shared)
    texts = {}
    for n, page_id in enumerate(ids):
        page = pages[page_id]
        texts[page_id] = "\n".join(main_lines(page["page"], probabilities[spans[n]:spans[n + 1]], args.alpha,
                                              page["title"]))
    by_kind: dict[str, list[float]] = {}
    for m in manifest:
        gold = scorer.tokens(open(os.path.join(folder, m["id"] + ".keep.txt"), encoding="utf-8").read())
        f1 = scorer.score_doc(gold, Counter(), scorer.tokens(texts.get(m["id"], "")))["F1"]
        by_kind.setdefault(m["page_type"], []).append(f1)
    every = [f for scores in by_kind.values() for f in scores]
    print(f"cross-validated by site ({args.folds} folds): F1={sum(every) / len(every):.4f} " +
          " ".join(f"{kind}={sum(s) / len(s):.3f}" for kind, s in sorted(by_kind.items())))
    if args.predictions:
        with open(args.predictions, "w", encoding="utf-8") as out:
            for page_id in kinds:
                out.write(json.dumps({"id": page_id, "text": texts.get(page_id, "")}, ensure_ascii=False) + "\n")
    if not args.no_export:
        model = fit(np.arange(len(x)))
        path = os.path.join(ROOT, "cleaner", "extract", blockmodel.MODEL_FILE)
        with open(path, "w", encoding="utf-8") as out:
            json.dump(export(model, FEATURE_NAMES), out, separators=(",", ":"))
        print(f"wrote {path} ({os.path.getsize(path) / 1e6:.1f} MB, {len(model._predictors)} trees)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
