"""Earlier runs in this run's grouping: the indexed documents (store.py) that
this run's documents near-duplicate are found band by band, verified on their
16-bit signatures, and their groups' kept documents join the grouping as
rows ahead of the run's own ("earlier rows"), so that a group holding one is
kept by it: keep-first across runs, whatever --keep says within the run.

An earlier document's key in the grouping is its seq + EARLIER_KEY_BASE:
negative, and in the order the documents were indexed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from .minhash import estimated_jaccard
from .store import IndexedDocuments, IndexStore, b_bit_jaccard, low_bits

EARLIER_KEY_BASE = -(1 << 62)
# A table of which hash prefixes the run holds (most index entries stop
# there): ~64 slots a run document, so that few pass by chance and the table
# stays in the CPU's cache (16 MB at most).
_SLOTS_PER_DOCUMENT, _MAX_PREFIX_BITS = 64, 24
_VERIFY = 4096  # pairs verified at once


@dataclass
class EarlierRows:
    """The earlier kept documents a run's grouping gets, and the verified
    links of the run's rows to them."""

    keys: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    signatures: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.uint16))
    sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    link_rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    link_earlier: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    # A run row contained in a (longer) earlier document: (row, earlier key, containment).
    contained: list[tuple[int, int, float]] = field(default_factory=list)
    # The earlier documents the output may name: key -> (id, run).
    names: dict[int, tuple[str, int]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.keys)


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    """Estimated Jaccard of two signatures, either of which may be an
    index's 16-bit one (then compared on the low 16 bits of both)."""
    if a.dtype == np.uint16 or b.dtype == np.uint16:
        return float(b_bit_jaccard(float(np.mean(low_bits(a) == low_bits(b)))))
    return estimated_jaccard(a, b)


# How a run's candidate pairs with the index are found: (column, left_out,
# count) -> (run rows, indexed seqs); `candidates` here, or spread over a
# cluster's tasks by bands (run/indexing.py).
CandidateSearch = Callable[[Callable[[int], np.ndarray], "np.ndarray | None", int], tuple[np.ndarray, np.ndarray]]


def find_earlier(store: IndexStore, column: Callable[[int], np.ndarray], left_out: np.ndarray | None,
                 signatures: np.ndarray, sizes: np.ndarray, threshold: float, containment: float,
                 shorter_share: float, search: CandidateSearch | None = None) -> EarlierRows:
    """The earlier rows for a run whose rows have these band hashes
    (`column(band)`), signatures (rows x num_perm, uint32) and shingle-set
    sizes; rows marked in `left_out` take no part."""
    if search is None:
        rows, seqs = candidates(store, column, left_out, len(sizes))
    else:
        rows, seqs = search(column, left_out, len(sizes))
    if not len(rows):
        return EarlierRows()
    found = store.documents(np.unique(seqs))
    at = np.searchsorted(found.seqs, seqs)
    known = (at < len(found.seqs)) & (found.seqs[np.minimum(at, len(found.seqs) - 1)] == seqs) \
        if len(found.seqs) else np.zeros(len(seqs), dtype=bool)
    rows, seqs, at = rows[known], seqs[known], at[known]
    linked = np.zeros(len(rows), dtype=bool)
    contained_score = np.zeros(len(rows))
    for lo in range(0, len(rows), _VERIFY):
        part = slice(lo, lo + _VERIFY)
        theirs = found.signatures[at[part]]
        ours = low_bits(np.asarray(signatures[rows[part]]))
        jaccard = b_bit_jaccard((ours == theirs).mean(axis=1))
        mine, other = sizes[rows[part]].astype(np.float64), found.sizes[at[part]].astype(np.float64)
        small = np.minimum(mine, other)
        contained_score[part] = np.where(small > 0, jaccard * (mine + other) / ((1 + jaccard) * np.maximum(small, 1)), 0)
        linked[part] = (jaccard >= threshold) | (contained_score[part] >= containment)
    out = EarlierRows()
    inside = linked & (contained_score >= containment) & (sizes[rows] < shorter_share * found.sizes[at])
    out.contained = _best_containers(rows[inside], found, at[inside], contained_score[inside])
    for row, key, _ in out.contained:
        j = int(np.searchsorted(found.seqs, key - EARLIER_KEY_BASE))
        out.names[key] = (found.ids[j], int(found.runs[j]))
    rows, at = rows[linked], at[linked]
    roots = found.roots[at]
    everyone = _with_roots(store, found, roots)
    root_at = np.searchsorted(everyone.seqs, roots)
    gone = (root_at >= len(everyone.seqs)) | (everyone.seqs[np.minimum(root_at, len(everyone.seqs) - 1)] != roots)
    roots = np.where(gone, found.seqs[at], roots)  # a removed kept document: its member stands for itself
    earlier = np.unique(roots)
    where = np.searchsorted(everyone.seqs, earlier)
    out.keys = earlier + EARLIER_KEY_BASE
    out.signatures = everyone.signatures[where]
    out.sizes = everyone.sizes[where]
    out.link_rows, out.link_earlier = rows, np.searchsorted(earlier, roots)
    for seq, j in zip(earlier.tolist(), where.tolist()):
        out.names[seq + EARLIER_KEY_BASE] = (everyone.ids[j], int(everyone.runs[j]))
    return out


def candidates(store: IndexStore, column: Callable[[int], np.ndarray], left_out: np.ndarray | None,
               count: int, bands: Iterable[int] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(run row, indexed seq) pairs sharing a hash of one of `bands` (all
    the index's), each pair once; `merged` joins the pairs of band groups."""
    found_rows, found_seqs = [], []
    bits = int(min(_MAX_PREFIX_BITS, max(16, np.ceil(np.log2(max(1, count) * _SLOTS_PER_DOCUMENT)))))
    shift = np.uint32(32 - bits)
    present = np.zeros(1 << bits, dtype=bool)
    for band in range(store.parameters.bands) if bands is None else bands:
        hashes = column(band)
        order = np.argsort(hashes, kind="stable")
        if left_out is not None:
            order = order[~left_out[order]]
        ordered = hashes[order]
        present[:] = False
        present[ordered >> shift] = True
        for theirs, seqs in store.band_entries(band):
            hit = present[theirs >> shift]
            if not hit.any():
                continue
            theirs = theirs[hit]
            seqs = seqs[hit] if isinstance(seqs, np.ndarray) else seqs + np.flatnonzero(hit)
            lo, hi = np.searchsorted(ordered, theirs, "left"), np.searchsorted(ordered, theirs, "right")
            many = hi - lo
            if not many.any():
                continue
            which = np.repeat(np.arange(len(seqs)), many)
            offsets = np.arange(int(many.sum())) - np.repeat(np.cumsum(many) - many, many)
            found_rows.append(order[lo[which] + offsets])
            found_seqs.append(seqs[which])
    return merged(found_rows, found_seqs, count)


def merged(rows: list[np.ndarray], seqs: list[np.ndarray], count: int) -> tuple[np.ndarray, np.ndarray]:
    """(run row, indexed seq) pairs, each once, ordered by seq then row."""
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    pairs = np.unique(np.concatenate(seqs).astype(np.int64) * count + np.concatenate(rows))
    return pairs % count, pairs // count


def _best_containers(rows: np.ndarray, found: IndexedDocuments, at: np.ndarray,
                     scores: np.ndarray) -> list[tuple[int, int, float]]:
    """Per run row, the earlier document it is most contained in."""
    best: dict[int, tuple[int, float]] = {}
    for row, j, score in zip(rows.tolist(), at.tolist(), scores.tolist()):
        if row not in best or score > best[row][1]:
            best[row] = (int(found.seqs[j]) + EARLIER_KEY_BASE, round(min(score, 1.0), 4))
    return [(row, key, score) for row, (key, score) in sorted(best.items())]


def _with_roots(store: IndexStore, found: IndexedDocuments, roots: np.ndarray) -> IndexedDocuments:
    """`found` and the kept documents of their groups, sorted by seq."""
    missing = np.setdiff1d(np.unique(roots), found.seqs)
    if not len(missing):
        return found
    more = store.documents(missing)
    seqs = np.concatenate([found.seqs, more.seqs])
    order = np.argsort(seqs, kind="stable")
    ids = found.ids + more.ids
    return IndexedDocuments(seqs=seqs[order], ids=[ids[i] for i in order.tolist()],
                            runs=np.concatenate([found.runs, more.runs])[order],
                            roots=np.concatenate([found.roots, more.roots])[order],
                            sizes=np.concatenate([found.sizes, more.sizes])[order],
                            signatures=np.concatenate([found.signatures, more.signatures])[order])


class RunIds:
    """A run's ids by key, and the earlier documents' by their (negative) keys."""

    def __init__(self, ids, names: dict[int, tuple[str, int]]) -> None:
        self.ids, self.names = ids, names

    def __getitem__(self, key: int) -> str:
        return self.names[key][0] if key < 0 else self.ids[key]

    def __len__(self) -> int:
        return len(self.ids)

    def run_of(self, key: int) -> int | None:
        """The index's run of an earlier document; None for this run's."""
        return self.names[key][1] if key < 0 else None
