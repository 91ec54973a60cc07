"""LSH candidate pairs: the row pairs that share a band hash, found by
sorting each band's hashes, and held as sorted pair codes (left * n + right)
in parts by value range, so that no step copies all of them at once."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np

from ..memory import release_free_memory
from . import minhash

# Candidates must be found for pairs this far below the threshold (they may
# still be contained, or their estimate may be low by chance).
CANDIDATE_MARGIN = 0.05
# In a bucket of many documents, each is compared with this many before it.
BUCKET_NEIGHBOURS = 8
# Rows of long runs of equal hashes put back in row order at a time.
REORDER_ROWS = 1 << 16


def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows): the most rows per band (fewest candidates) that still
    propose a pair at `threshold - CANDIDATE_MARGIN` with probability 0.9."""
    target = max(0.05, threshold - CANDIDATE_MARGIN)
    best = (num_perm, 1)
    for rows in range(1, 9):
        bands = num_perm // rows
        if 1 - (1 - target ** rows) ** bands >= 0.9:
            best = (bands, rows)
    return best


def band_hashes(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """One 32-bit hash per band of each signature (documents x bands)."""
    used = sigs[:, : bands * rows].reshape(len(sigs), bands, rows).astype(np.uint64)
    with np.errstate(over="ignore"):
        combined = np.zeros(used.shape[:2], dtype=np.uint64)
        for r in range(rows):
            combined = combined * np.uint64(0x100000001B3) + used[:, :, r]
        return minhash._fold_array(combined.ravel()).reshape(len(sigs), bands)


def collision_probability(jaccard: float, bands: int, rows: int) -> float:
    """How likely LSH proposes a pair of this Jaccard similarity."""
    return 1 - (1 - jaccard ** rows) ** bands



def candidate_pairs(column, n: int, bands: int) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (left < right) that share a band hash, each once; `column(b)`
    gives band b's hashes of the n documents (read one band at a time, so
    they are never all in memory).

    Per band, rows are sorted by hash; in a run of equal hashes each row is
    paired with up to BUCKET_NEIGHBOURS rows before it (a bucket of a thousand
    formulaic pages must not cost a million comparisons)."""
    return collected_pairs((codes for b in range(bands) for codes in _band_codes(column(b))), n)


def collected_pairs(code_parts: Iterable[np.ndarray], n: int) -> tuple[np.ndarray, np.ndarray]:
    """Row pairs (left < right), sorted, each once, from parts of pair codes
    (left * n + right, repeats allowed), collected a part at a time."""
    pairs = _PairSet(n * n)
    for codes in code_parts:
        pairs.add(codes)
    row = np.int32 if n < 2**31 else np.int64  # half the memory per candidate pair
    left, right = np.empty(len(pairs), dtype=row), np.empty(len(pairs), dtype=row)
    at = 0
    for i, part in enumerate(pairs.drain()):  # each part is freed once copied
        left[at:at + len(part)], right[at:at + len(part)] = np.divmod(part, n)
        at += len(part)
        del part
        if i % 4 == 3:  # parts are heap blocks: their pages go back as the arrays fill
            release_free_memory()
    return left, right


def _band_codes(hashes: np.ndarray) -> Iterator[np.ndarray]:
    """The pairs of one band's column that share a hash, as codes (lower row
    x n + higher row, n = len(hashes)), a step at a time: the codes of all
    steps at once were the peak on a corpus of near-copies."""
    n = len(hashes)
    order = np.argsort(hashes)  # introsort: ~4x faster than a stable sort of 64-bit keys
    ordered = hashes[order]
    del hashes
    _rows_ascending_in_long_runs(order, ordered)
    for step in range(1, BUCKET_NEIGHBOURS + 1):
        if step >= n:
            break
        same = ordered[step:] == ordered[:-step]
        if not same.any():
            break
        a, c = order[step:][same], order[:-step][same]
        codes = np.minimum(a, c).astype(np.int64)
        codes *= n
        codes += np.maximum(a, c)
        del a, c
        yield codes


def split_by_hash(keys: np.ndarray, hashes: np.ndarray, partitions: int) -> list[tuple]:
    """Band hashes (documents x bands) of documents `keys` split into
    partitions by hash, for a cluster's reducers: per partition its entries
    (band, key, hash). Equal hashes of a band meet in one partition, so each
    partition finds exactly its share of `candidate_pairs`."""
    bands = np.broadcast_to(np.arange(hashes.shape[1], dtype=np.uint8), hashes.shape).ravel()
    keys = np.broadcast_to(np.asarray(keys, dtype=np.int64)[:, None], hashes.shape).ravel()
    flat = hashes.ravel()
    which = flat % np.uint32(partitions)
    return [(bands[which == p], keys[which == p], flat[which == p]) for p in range(partitions)]


def partition_pairs(entries: list[tuple], replaced: np.ndarray | None = None,
                    replacements: tuple | None = None) -> np.ndarray:
    """One partition's candidate pairs, as codes lower key << 32 | higher key,
    sorted and unique, from its entries (band, key, hash) of every batch; the
    entries of `replaced` keys give way to `replacements` (documents signed
    again). Within a band, pairs are made as `candidate_pairs` makes them over
    its rows, which ascend with the keys."""
    bands, keys, hashes = (np.concatenate([e[i] for e in entries]) for i in range(3)) if entries else \
        (np.zeros(0, dtype=np.uint8), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint32))
    if replaced is not None and len(replaced):
        kept = ~np.isin(keys, replaced)
        bands, keys, hashes = (np.concatenate([a[kept], r]) for a, r in zip((bands, keys, hashes), replacements))
    order = np.lexsort((keys, bands))  # by band, then key
    bands, keys, hashes = bands[order], keys[order], hashes[order]
    found = []
    for lo, hi in _runs_of(bands):
        band_keys = keys[lo:hi]
        for codes in _band_codes(hashes[lo:hi]):
            a, c = np.divmod(codes, hi - lo)
            found.append((band_keys[a] << 32) | band_keys[c])
    return sorted_unique(np.concatenate(found)) if found else np.zeros(0, dtype=np.int64)


def _runs_of(values: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of equal values of a sorted array."""
    if not len(values):
        return []
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    ends = np.append(starts[1:], len(values))
    return list(zip(starts.tolist(), ends.tolist()))


def _rows_ascending_in_long_runs(order: np.ndarray, ordered: np.ndarray) -> None:
    """Put the rows of each run of equal hashes longer than
    BUCKET_NEIGHBOURS + 1 in ascending order, in place, as a stable sort
    leaves them: rows in such a run are paired by position. A shorter run
    gives every pair of its rows whatever their order, so it is left alone."""
    reach = BUCKET_NEIGHBOURS + 1
    if len(ordered) <= reach or not (ordered[reach:] == ordered[:-reach]).any():
        return  # no run that long: the usual case
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    lengths = np.diff(np.append(starts, len(ordered)))
    long = lengths > reach
    starts, lengths = starts[long], lengths[long]
    ends = np.cumsum(lengths)  # of the long runs' rows, counted together
    first = 0
    while first < len(starts):  # a few runs at a time: the arrays below are per row
        last = max(first + 1, int(np.searchsorted(ends, ends[first] - lengths[first] + REORDER_ROWS, "right")))
        run_starts, run_lengths = starts[first:last], lengths[first:last]
        run = np.repeat(np.arange(len(run_starts), dtype=np.int64), run_lengths)
        positions = np.arange(len(run), dtype=np.int64) + np.repeat(
            run_starts - (np.cumsum(run_lengths) - run_lengths), run_lengths)
        keys = run * len(order) + order[positions]  # by run, then by row
        keys.sort()
        order[positions] = keys % len(order)
        first = last


class _PairSet:
    """Sorted unique pair codes (int64 below `limit`), held as parts by value
    range. New codes wait in a small buffer, then are merged into each part
    they fall in, so a merge copies a part at a time (one sorted array copied
    whole on every addition made the run's peak twice the candidate pairs),
    and a small corpus merges a few times, not PARTS times per band step."""

    PARTS = 32
    BUFFER = 1 << 16  # codes (8 bytes each) collected before a merge

    def __init__(self, limit: int) -> None:
        self._bounds = np.array([limit * i // self.PARTS for i in range(1, self.PARTS)], dtype=np.int64)
        self._parts: list[np.ndarray | None] = [np.zeros(0, dtype=np.int64) for _ in range(self.PARTS)]
        self._pending: list[np.ndarray] = []
        self._pending_size = 0

    def __len__(self) -> int:
        self._merge_pending()
        return sum(len(part) for part in self._parts if part is not None)

    def add(self, codes: np.ndarray) -> None:
        """Add `codes` (any order, repeats allowed; may be sorted in place)."""
        self._pending.append(codes)
        self._pending_size += len(codes)
        if self._pending_size >= self.BUFFER:
            self._merge_pending()

    def _merge_pending(self) -> None:
        if not self._pending:
            return
        codes = sorted_unique(self._pending[0] if len(self._pending) == 1 else np.concatenate(self._pending))
        self._pending, self._pending_size = [], 0
        cuts = np.searchsorted(codes, self._bounds).tolist()
        for i, (lo, hi) in enumerate(zip([0, *cuts], [*cuts, len(codes)])):
            if hi > lo:
                self._parts[i] = _merged(self._parts[i], codes[lo:hi])

    def drain(self) -> Iterator[np.ndarray]:
        """The parts in ascending order, each let go of as it is handed out."""
        self._merge_pending()
        for i in range(self.PARTS):
            part, self._parts[i] = self._parts[i], None
            yield part


def sorted_unique(codes: np.ndarray) -> np.ndarray:
    """`codes` sorted (in place) without repeats; np.unique's hash path is far
    slower on large int64 arrays."""
    codes.sort()
    if len(codes) > 1:
        codes = codes[np.concatenate(([True], codes[1:] != codes[:-1]))]
    return codes


def _merged(pairs: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """`pairs` (sorted, unique) with the new ones among `codes` (sorted,
    unique) added. A corpus of near-copies proposes the same pairs in every
    band: known ones are found by binary search (no copy of `pairs`), and the
    new ones are merged in as a second sorted run (a linear merge, not a sort
    of everything again)."""
    if len(pairs):
        at = np.minimum(np.searchsorted(pairs, codes), len(pairs) - 1)
        codes = codes[pairs[at] != codes]
    if not len(codes):
        return pairs
    merged = np.concatenate([pairs, codes])
    merged.sort(kind="stable")  # two sorted runs: timsort merges them
    return merged
