"""Which blocks of a page are its main content: a boosted-tree model scores
each block, and the page keeps the blocks that maximise its expected F1.

The model (block_model.json, beside this module) is a set of regression trees trained by
scripts/train_block_model.py on blocks of real pages labelled by hand-checked
main content; it reads the features of blockfeatures.py. Scoring walks all trees
at once for all blocks with numpy (a block's path through a tree is a few
comparisons; a page has a few hundred blocks).

Selection: with p_i the probability that block i is content and w_i its
words, keeping the blocks of highest p whose expected word-level F1,
2·Σ p_i w_i / (Σ_kept w_i + α·Σ_all p_i w_i), is largest gives each page
the cut that suits its own certainty, where one threshold for all pages
keeps too much of a page the model is unsure of and too little of one it is
sure of. α above 1 keeps more (recall), below 1 less (precision).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np

MODEL_FILE = "block_model.json"
# α of the expected-F1 cut: default, --favor-precision, --favor-recall.
ALPHA = 0.8
ALPHA_PRECISION = 0.5
ALPHA_RECALL = 1.3


@dataclass(frozen=True, eq=False)
class Forest:
    """Regression trees in flat arrays; a leaf points to itself, so every
    path can take `depth` steps."""

    feature_names: tuple[str, ...]
    feature: np.ndarray      # int32, per node
    threshold: np.ndarray    # float64, per node (inf at leaves)
    left: np.ndarray         # int32, per node
    right: np.ndarray        # int32, per node
    value: np.ndarray        # float64, per node (leaf values; 0 inside)
    roots: np.ndarray        # int32, per tree
    depth: int
    baseline: float

    def raw_scores(self, rows: np.ndarray) -> np.ndarray:
        """Sum of the trees' leaf values for each row (a logit), by the
        compiled kernel (cleaner/_native/_forest.c) when it is built."""
        rows = np.ascontiguousarray(rows, dtype=np.float32)
        kernel = _kernel()
        if kernel is not None and rows.ndim == 2 and rows.shape[1] == len(self.feature_names) and len(self.roots):
            scores = kernel.raw_scores(rows, rows.shape[0], rows.shape[1], self.feature, self.threshold,
                                       self.left, self.right, self.value, self.roots, self.baseline)
            return np.frombuffer(scores, dtype=np.float64)
        return self.numpy_raw_scores(rows)

    def numpy_raw_scores(self, rows: np.ndarray) -> np.ndarray:
        """raw_scores with numpy: every tree of every row a level at a time."""
        n = rows.shape[0]
        if n == 0 or len(self.roots) == 0:
            return np.full(n, self.baseline)
        node = np.broadcast_to(self.roots, (n, len(self.roots))).copy()
        row_index = np.arange(n)[:, None]
        for _ in range(self.depth):
            go_left = rows[row_index, self.feature[node]] <= self.threshold[node]
            node = np.where(go_left, self.left[node], self.right[node])
        total = np.zeros(n)
        for leaf_values in self.value[node].T:  # tree by tree, in the kernel's order of addition
            total += leaf_values
        return self.baseline + total

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-self.raw_scores(rows)))


@lru_cache(maxsize=1)
def _kernel():
    try:
        from .._native import _forest
    except ImportError:
        return None
    return _forest


def forest_from_dict(data: dict) -> Forest:
    """A Forest from the JSON form written by scripts/train_block_model.py:
    per tree, lists of feature, threshold, left, right, value (leaves have
    left = -1)."""
    features, thresholds, lefts, rights, values, roots = [], [], [], [], [], []
    depth = 0
    offset = 0
    for tree in data["trees"]:
        count = len(tree["feature"])
        roots.append(offset)
        for i in range(count):
            leaf = tree["left"][i] < 0
            features.append(0 if leaf else tree["feature"][i])
            thresholds.append(np.inf if leaf else tree["threshold"][i])
            lefts.append(offset + i if leaf else offset + tree["left"][i])
            rights.append(offset + i if leaf else offset + tree["right"][i])
            values.append(tree["value"][i] if leaf else 0.0)
        depth = max(depth, tree["depth"])
        offset += count
    return Forest(
        feature_names=tuple(data["feature_names"]),
        feature=np.asarray(features, dtype=np.int32),
        threshold=np.asarray(thresholds, dtype=np.float64),
        left=np.asarray(lefts, dtype=np.int32),
        right=np.asarray(rights, dtype=np.int32),
        value=np.asarray(values, dtype=np.float64),
        roots=np.asarray(roots, dtype=np.int32),
        depth=depth,
        baseline=float(data["baseline"]),
    )


@lru_cache(maxsize=1)
def default_forest() -> Forest:
    """The packaged model; its features must be the ones pageblocks computes."""
    from .blockfeatures import FEATURE_NAMES

    text = resources.files(__package__).joinpath(MODEL_FILE).read_text(encoding="utf-8")
    forest = forest_from_dict(json.loads(text))
    if forest.feature_names != FEATURE_NAMES:
        raise RuntimeError(f"{MODEL_FILE} was trained on other features than pageblocks computes; "
                           "retrain it with scripts/train_block_model.py")
    return forest


def select(probabilities: np.ndarray, words: np.ndarray, alpha: float = ALPHA) -> np.ndarray:
    """Indices of the blocks to keep, in document order: the most probable
    blocks, as many as maximise the expected F1 (see module docstring)."""
    if len(probabilities) == 0:
        return np.zeros(0, dtype=np.int64)
    weights = np.asarray(words, dtype=np.float64)
    order = np.argsort(-probabilities, kind="stable")
    expected_tp = np.cumsum(probabilities[order] * weights[order])
    kept_words = np.cumsum(weights[order])
    total = alpha * expected_tp[-1]
    denominator = kept_words + total
    f1 = np.divide(2 * expected_tp, denominator, out=np.zeros_like(expected_tp), where=denominator > 0)
    count = int(np.argmax(f1)) + 1
    if f1[count - 1] <= 0:
        return np.zeros(0, dtype=np.int64)
    return np.sort(order[:count])
