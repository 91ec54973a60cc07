"""Near-duplicate candidates found, and verified, in the cluster.

Each map task splits its signed documents' band hashes by hash into
partitions and keeps its signatures as one more part; all stay in the
cluster (stages.process_job_partitioned). When the run groups
(CorpusIndex.find_links), three rounds of reduce tasks run there:

1. one per band partition finds the pairs that share a hash
   (dedup/candidates.partition_pairs: equal hashes of a band meet in one
   partition, so the pairs are exactly those of `candidate_pairs` over the
   whole corpus), and splits them by the group of their lower key;
2. one per group (a run of consecutive map tasks) takes each pair once,
   and attaches the lower document's signature and shingle-set size, read
   from its own tasks' signatures; it splits them by the group of the
   higher key;
3. one per group reads the higher document's signature from its tasks',
   verifies the pairs as the driver would (dedup.index.judged), and returns
   only the linked pairs and the signatures of the documents they link.

So the driver holds no signature but those of linked documents (in a
temporary file), and no band hash. Documents signed again after site
learning send their new band hashes with round 1 and their new signatures
with rounds 2 and 3, in place of their old ones.
"""

from __future__ import annotations

import numpy as np

from ...dedup.candidates import _sorted_unique, lsh_bands, partition_pairs, split_by_hash
from ...dedup.index import Links, judged
from ...document import Options
from ...engines import shuffle_partitions
from ..batches import SpooledBatch

_HIGH = np.int64(0xFFFFFFFF)


class ShuffledBands:
    """The band hash partitions and signatures of a run's batches (from
    stages.process_job_partitioned); called as CorpusIndex.find_links."""

    def __init__(self, engine, partitions: int, options: Options) -> None:
        self.engine, self.partitions = engine, partitions
        self.threshold, self.containment = options.threshold, options.containment
        self.bands, self.rows = lsh_bands(options.threshold, options.num_perm)
        self._first_keys: list[int] = []
        self._handles: list[list] = [[] for _ in range(partitions)]
        self._signatures: list = []  # a handle per batch

    def add(self, first_key: int, batch: SpooledBatch, parts: list) -> None:
        """A batch's band hashes (`parts`, one per partition) and signatures (the last)."""
        self._first_keys.append(first_key)
        for partition, handle in enumerate(parts[:-1]):
            self._handles[partition].append(handle)
        self._signatures.append(parts[-1])

    def __call__(self, replaced: tuple | None) -> Links:
        """The verified pairs of the run, the documents `replaced` (keys,
        band hashes, signatures, sizes) signed again."""
        keys, hashes, sigs, sizes = replaced if replaced is not None else (None,) * 4
        tasks = len(self._first_keys)
        groups = max(1, min(self.partitions, tasks))
        bounds = [tasks * g // groups for g in range(groups + 1)]  # a group's batches: bounds[g] to bounds[g + 1]
        starts = np.array([self._first_keys[b] for b in bounds[:-1]], dtype=np.int64)
        replacements = split_by_hash(keys, hashes, self.partitions) if keys is not None else [None] * self.partitions
        found = list(self.engine.reduce_partitioned(
            pairs_by_group, starts,
            [((self._first_keys, keys, replacements[p]), self._handles[p]) for p in range(self.partitions)], groups))

        def job(g: int, parts: list) -> tuple[tuple, list]:
            """Group g's batches' first keys and signatures, its documents
            signed again, and the pairs it gets."""
            lo, hi = bounds[g], bounds[g + 1]
            again = None
            if keys is not None:
                end = starts[g + 1] if g + 1 < groups else np.iinfo(np.int64).max
                mine = slice(*np.searchsorted(keys, [starts[g], end]).tolist())
                again = (keys[mine], sigs[mine], sizes[mine])
            return (self._first_keys[lo:hi], again), self._signatures[lo:hi] + parts

        attached = list(self.engine.reduce_partitioned(
            attach_lower, starts, [job(g, [handles[g] for _, handles in found]) for g in range(groups)], groups))
        del found
        verified = list(self.engine.reduce(
            verify_higher, (self.threshold, self.containment),
            [job(g, [handles[g] for _, handles in attached]) for g in range(groups)]))
        return _joined(verified, sigs.shape[1] if sigs is not None else 0)


def _joined(verified: list[tuple], width: int) -> Links:
    """The groups' answers as one Links, pairs in order, each linked
    document's signature once."""
    codes = np.concatenate([v[0] for v in verified]) if verified else np.zeros(0, dtype=np.int64)
    order = np.argsort(codes, kind="stable")
    hold_codes = np.concatenate([v[1] for v in verified]) if verified else np.zeros(0, dtype=np.int64)
    hold_scores = np.concatenate([v[2] for v in verified]) if verified else np.zeros(0)
    hold_order = np.argsort(hold_codes, kind="stable")
    keys = np.concatenate([v[3] for v in verified]) if verified else np.zeros(0, dtype=np.int64)
    sigs = np.concatenate([v[4] for v in verified if len(v[4])]) if len(keys) else np.zeros((0, width), np.uint32)
    keys, first = np.unique(keys, return_index=True)
    codes, hold_codes = codes[order], hold_codes[hold_order]
    return Links(codes >> 32, codes & _HIGH, (hold_codes >> 32, hold_codes & _HIGH, hold_scores[hold_order]),
                 keys, sigs[first])


def _group_parts(codes: np.ndarray, keys: np.ndarray, starts: np.ndarray) -> list[np.ndarray]:
    """Positions of `codes` by the group of `keys` (their lower or higher key)."""
    which = np.searchsorted(starts, keys, "right") - 1
    order = np.argsort(which, kind="stable")
    cuts = np.searchsorted(which[order], np.arange(1, len(starts)))
    return np.split(order, cuts)


def pairs_by_group(starts: np.ndarray, payload: tuple, parts: list) -> tuple[None, list]:
    """Round 1, a band partition: its pairs (codes lower key << 32 | higher
    key), split by the group of the lower key."""
    first_keys, replaced, replacements = payload
    entries = [(bands, keys + first, hashes) for (bands, keys, hashes), first in zip(parts, first_keys)]
    codes = partition_pairs(entries, replaced, replacements)
    return None, [codes[at] for at in _group_parts(codes, codes >> 32, starts)]


def _signatures(first_keys: list[int], parts: list, again: tuple | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A group's signed documents: keys ascending, signatures, sizes; those
    signed again (`again`: keys, signatures, sizes) with their new ones."""
    keys = np.concatenate([np.asarray(signed, dtype=np.int64) + first for (signed, _, _), first in zip(parts, first_keys)]
                          + [np.zeros(0, dtype=np.int64)])
    # (a batch with no signed document has signatures of width 0)
    sigs = [part[1] for part in parts if len(part[1])]
    sizes = [np.asarray(part[2], dtype=np.int64) for part in parts if len(part[1])]
    if again is not None and len(again[0]):
        kept = ~np.isin(keys, again[0])
        keys = np.concatenate([keys[kept], again[0]])
        sigs = [np.concatenate(sigs)[kept], again[1]] if sigs else [again[1]]
        sizes = [np.concatenate(sizes)[kept], again[2]] if sizes else [again[2]]
        order = np.argsort(keys, kind="stable")
        return keys[order], np.concatenate(sigs)[order], np.concatenate(sizes)[order]
    width = sigs[0].shape[1] if sigs else 0
    return keys, np.concatenate(sigs) if sigs else np.zeros((0, width), np.uint32), np.concatenate(sizes + [keys[:0]])


def _rows(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    at = np.searchsorted(keys, wanted)
    if len(wanted) and (at.max() >= len(keys) or (keys[at] != wanted).any()):
        raise ValueError("a candidate pair names a document without a signature")
    return at


def attach_lower(starts: np.ndarray, payload: tuple, parts: list) -> tuple[None, list]:
    """Round 2, a group: its pairs once each, with the lower document's
    signature and size (each document once per part), split by the group
    of the higher key."""
    first_keys, again = payload
    count = len(first_keys)
    keys, sigs, sizes = _signatures(first_keys, parts[:count], again)
    codes = _sorted_unique(np.concatenate(parts[count:] + [np.zeros(0, dtype=np.int64)]))
    out = []
    for at in _group_parts(codes, codes & _HIGH, starts):
        mine = codes[at]  # (ascending: the sort is stable)
        lower = np.unique(mine >> 32)
        rows = _rows(keys, lower)
        out.append((mine, lower, sigs[rows], sizes[rows]))
    return None, out


def verify_higher(shared: tuple, payload: tuple, parts: list) -> tuple:
    """Round 3, a group: the pairs whose higher document is its own,
    verified. (linked codes, containment codes and scores, the linked
    documents' keys and signatures)"""
    threshold, containment = shared
    first_keys, again = payload
    count = len(first_keys)
    keys, sigs, sizes = _signatures(first_keys, parts[:count], again)
    received = [part for part in parts[count:] if len(part[0])]
    if not received:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0), empty, np.zeros((0, sigs.shape[1]), dtype=np.uint32)
    codes = np.concatenate([part[0] for part in received])
    lower_keys = np.concatenate([part[1] for part in received])  # (each lower key in one part: its group's)
    order = np.argsort(lower_keys)
    lower_keys = lower_keys[order]
    lower_sigs, lower_sizes = np.concatenate([p[2] for p in received])[order], np.concatenate([p[3] for p in received])[order]
    low, high = _rows(lower_keys, codes >> 32), _rows(keys, codes & _HIGH)
    jaccard = (lower_sigs[low] == sigs[high]).mean(axis=1)
    linked, holds, contained = judged(jaccard, lower_sizes[low], sizes[high], threshold, containment)
    low_linked, high_linked = np.unique(low[linked]), np.unique(high[linked])
    return (codes[linked], codes[holds], contained[holds],
            np.concatenate([lower_keys[low_linked], keys[high_linked]]),
            np.concatenate([lower_sigs[low_linked], sigs[high_linked]]))


def band_shuffle(options: Options, engine, replaying: bool) -> ShuffledBands | None:
    """Candidates found and verified in the cluster when the engine can
    shuffle, except with a persistent index (its search reads the run's band
    hashes) and when resuming (the journaled documents' hashes are here)."""
    if hasattr(engine, "reduce_partitioned") and options.index is None and not replaying:
        return ShuffledBands(engine, shuffle_partitions(engine), options)
    return None
