"""Near-duplicates found, verified and grouped in the cluster.

Each map task splits its signed documents' band hashes by hash into
partitions, and keeps its signatures (with shingle-set sizes, lengths and
dates) as one more part; all stay in the cluster
(stages.process_job_partitioned). The map tasks are cut into groups of
consecutive tasks, one per partition. When the run groups
(CorpusIndex.find_groups), rounds of tasks run there:

1. per band partition, the pairs that share a hash
   (dedup/candidates.partition_pairs: equal hashes of a band meet in one
   partition, so they are exactly the pairs `candidate_pairs` finds over the
   whole corpus), split by the group of their lower key;
2. per group, each pair once, with the lower document's signature and
   figures attached from its own tasks' parts, split by the group of the
   higher key;
3. per group, the pairs verified with the higher document's signature
   (dedup.index.judged, the driver's own test); the linked pairs and the
   linked documents' signatures stay in the cluster, and a union-find over
   them (each document's smallest linked key) is its answer;
4. the union-finds merged two by two, in a tree of tasks, into the
   connected components of the whole corpus (a distributed union-find);
5. per group, its linked pairs and documents split by component into
   partitions;
6. per partition, whole components split into groups around their kept
   documents (CorpusIndex.grouped, the driver's own code).

Only the groups (20 bytes per grouped document) come to the driver.
Documents signed again after site learning send their new band hashes
with round 1 and their new signatures and figures with rounds 2 and 3.
"""

from __future__ import annotations

import numpy as np

from ...dedup.candidates import partition_pairs, sorted_unique, split_by_hash
from ...dedup.groups import Grouping, components
from ...dedup.index import CorpusIndex, judged
from ...document import Options
from ...engines import can_shuffle, shuffle_partitions
from ..batches import SpooledBatch

_HIGH = np.int64(0xFFFFFFFF)


class ShuffledBands:
    """The band hash partitions and signatures of a run's batches (from
    stages.process_job_partitioned); called as CorpusIndex.find_groups."""

    def __init__(self, engine, partitions: int, options: Options) -> None:
        self.engine, self.partitions, self.options = engine, partitions, options
        self._first_keys: list[int] = []
        self._handles: list[list] = [[] for _ in range(partitions)]
        self._signatures: list = []  # a handle per batch

    def add(self, first_key: int, batch: SpooledBatch, parts: list) -> None:
        """A batch's band hashes (`parts`, one per partition) and signatures (the last)."""
        self._first_keys.append(first_key)
        for partition, handle in enumerate(parts[:-1]):
            self._handles[partition].append(handle)
        self._signatures.append(parts[-1])

    def __call__(self, replaced: tuple | None, removed: np.ndarray) -> Grouping:
        """The run's groups, the documents `replaced` (keys, band hashes,
        signatures, sizes, lengths) signed again, those `removed` left out."""
        keys, hashes, *again = replaced if replaced is not None else (None,) * 5
        tasks, o = len(self._first_keys), self.options
        groups = max(1, min(self.partitions, tasks))
        bounds = [tasks * g // groups for g in range(groups + 1)]  # a group's batches: bounds[g] to bounds[g + 1]
        starts = np.array([self._first_keys[b] for b in bounds[:-1]], dtype=np.int64)
        replacements = split_by_hash(keys, hashes, self.partitions) if keys is not None else [None] * self.partitions
        found = list(self.engine.reduce_partitioned(
            pairs_by_group, starts,
            [((self._first_keys, keys, replacements[p]), self._handles[p]) for p in range(self.partitions)], groups))

        def job(g: int, parts: list) -> tuple[tuple, list]:
            """Group g's batches' first keys and signatures, its documents
            signed again, and what it gets from the round before."""
            lo, hi = bounds[g], bounds[g + 1]
            mine = None
            if keys is not None:
                end = starts[g + 1] if g + 1 < groups else np.iinfo(np.int64).max
                at = slice(*np.searchsorted(keys, [starts[g], end]).tolist())
                mine = (keys[at], *(values[at] for values in again))
            return (self._first_keys[lo:hi], mine), self._signatures[lo:hi] + parts

        attached = list(self.engine.reduce_partitioned(
            attach_lower, starts, [job(g, [handles[g] for _, handles in found]) for g in range(groups)], groups))
        del found
        verified = list(self.engine.reduce_partitioned(
            verify_higher, (o.threshold, o.containment, removed),
            [job(g, [handles[g] for _, handles in attached]) for g in range(groups)], 2))
        del attached
        forests = [handles[1] for _, handles in verified]
        while len(forests) > 1:  # (a level of the tree at a time; an odd one out waits for the next)
            merged = [handles[0] for _, handles in self.engine.reduce_partitioned(
                merged_forests, None, [(None, forests[i:i + 2]) for i in range(0, len(forests) - 1, 2)], 1)]
            forests = merged + forests[len(forests) - len(forests) % 2:]
        routed = list(self.engine.reduce_partitioned(
            by_component, self.partitions, [(None, [handles[0], forests[0]]) for _, handles in verified],
            self.partitions))
        del verified, forests
        answers = list(self.engine.reduce(
            grouped_partition, (o.threshold, o.num_perm, o.containment, o.keep),
            [(None, [handles[p] for _, handles in routed]) for p in range(self.partitions)]))
        return joined_groupings(answers)


def joined_groupings(parts: list[Grouping]) -> Grouping:
    """The partitions' groupings (whole components each) as one."""
    out = Grouping()
    keys = np.concatenate([out.keys] + [g.keys for g in parts])
    order = np.argsort(keys, kind="stable")
    out.keys = keys[order]
    out.roots = np.concatenate([out.roots] + [g.roots for g in parts])[order]
    out.similarities = np.concatenate([out.similarities] + [g.similarities for g in parts])[order]
    for g in parts:
        out.contained_in.update(g.contained_in)
    return out


def _group_parts(keys: np.ndarray, starts: np.ndarray) -> list[np.ndarray]:
    """Positions of `keys` by their group (`starts`: each group's first key),
    each group's in their order."""
    which = np.searchsorted(starts, keys, "right") - 1
    order = np.argsort(which, kind="stable")
    return np.split(order, np.searchsorted(which[order], np.arange(1, len(starts))))


def pairs_by_group(starts: np.ndarray, payload: tuple, parts: list) -> tuple[None, list]:
    """Round 1, a band partition: its pairs (codes lower key << 32 | higher
    key), split by the group of the lower key."""
    first_keys, replaced, replacements = payload
    entries = [(bands, keys + first, hashes) for (bands, keys, hashes), first in zip(parts, first_keys)]
    codes = partition_pairs(entries, replaced, replacements)
    return None, [codes[at] for at in _group_parts(codes >> 32, starts)]


def _documents(first_keys: list[int], parts: list, again: tuple | None) -> tuple[np.ndarray, ...]:
    """A group's signed documents: keys ascending, signatures, sizes,
    lengths, dates; those signed again (`again`: keys, signatures, sizes,
    lengths) with their new values."""
    signed = [(part, first) for part, first in zip(parts, first_keys) if len(part[0])]  # (none: width 0)
    keys = np.concatenate([np.asarray(p[0], dtype=np.int64) + first for p, first in signed]
                          + [np.zeros(0, dtype=np.int64)])
    parts = [part for part, _ in signed]
    values = [np.concatenate([p[i] for p in parts]) if parts else np.zeros((0, 0) if i == 1 else 0, np.int64)
              for i in range(1, 5)]
    if again is not None and len(again[0]):
        rows = _rows(keys, again[0])
        for i, new in enumerate(again[1:]):
            values[i][rows] = new
    return (keys, *values)


def _rows(keys: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    at = np.searchsorted(keys, wanted)
    if len(wanted) and (at.max() >= len(keys) or (keys[at] != wanted).any()):
        raise ValueError("a candidate pair names a document without a signature")
    return at


def attach_lower(starts: np.ndarray, payload: tuple, parts: list) -> tuple[None, list]:
    """Round 2, a group: its pairs once each, with the lower document's
    signature and figures (each document once per part), split by the group
    of the higher key."""
    first_keys, again = payload
    count = len(first_keys)
    keys, *values = _documents(first_keys, parts[:count], again)
    codes = sorted_unique(np.concatenate(parts[count:] + [np.zeros(0, dtype=np.int64)]))
    out = []
    for at in _group_parts(codes & _HIGH, starts):
        mine = codes[at]  # (ascending: the split is stable)
        lower = np.unique(mine >> 32)
        rows = _rows(keys, lower)
        out.append((mine, lower, *(v[rows] for v in values)))
    return None, out


def verify_higher(shared: tuple, payload: tuple, parts: list) -> tuple[None, list]:
    """Round 3, a group: the pairs whose higher document is its own,
    verified, pairs of documents left out dropped. Kept: the linked pairs,
    the containment links, and the linked documents (keys, signatures,
    figures); and the union-find of the linked pairs (keys, the smallest
    key linked to each)."""
    threshold, containment, removed = shared
    first_keys, again = payload
    count = len(first_keys)
    keys, sigs, *figures = _documents(first_keys, parts[:count], again)
    received = [part for part in parts[count:] if len(part[0])]
    codes = np.concatenate([p[0] for p in received] + [np.zeros(0, dtype=np.int64)])
    if len(removed):
        codes = codes[~(np.isin(codes >> 32, removed) | np.isin(codes & _HIGH, removed))]
    if not len(codes):
        empty = np.zeros(0, dtype=np.int64)
        return None, [(empty, empty, np.zeros(0), empty, np.zeros((0, 0), np.uint32), empty, empty, empty),
                      (empty, empty)]
    lower = [np.concatenate([p[i] for p in received]) for i in range(1, 6)]  # (each lower key in one part)
    order = np.argsort(lower[0])
    lower = [values[order] for values in lower]
    low, high = _rows(lower[0], codes >> 32), _rows(keys, codes & _HIGH)
    jaccard = (lower[1][low] == sigs[high]).mean(axis=1)
    linked, holds, contained = judged(jaccard, lower[2][low], figures[0][high], threshold, containment)
    low_linked, high_linked = np.unique(low[linked]), np.unique(high[linked])
    documents = tuple(np.concatenate([a[low_linked], b[high_linked]])
                      for a, b in zip(lower, (keys, sigs, *figures)))
    links = codes[linked]
    return None, [(links, codes[holds], contained[holds], *documents), union_find(links >> 32, links & _HIGH)]


def union_find(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The documents of links (left, right keys), ascending, and the
    smallest key of each one's connected component."""
    nodes = np.unique(np.concatenate([left, right]))
    parent = components(len(nodes), np.searchsorted(nodes, left), np.searchsorted(nodes, right))
    return nodes, nodes[parent]


def merged_forests(_shared, _payload, parts: list) -> tuple[None, list]:
    """Round 4: two union-finds as one (each node linked to its label)."""
    left = np.concatenate([nodes for nodes, _ in parts])
    right = np.concatenate([labels for _, labels in parts])
    return None, [union_find(left, right)]


def by_component(partitions: int, _payload, parts: list) -> tuple[None, list]:
    """Round 5, a group: its linked pairs, containment links and documents
    split by their component's partition (its smallest key, modulo)."""
    (links, holds, scores, *documents), (nodes, labels) = parts
    which = [labels[np.searchsorted(nodes, keys)] % partitions for keys in (links >> 32, holds >> 32, documents[0])]
    return None, [(links[which[0] == p], holds[which[1] == p], scores[which[1] == p],
                   *(values[which[2] == p] for values in documents)) for p in range(partitions)]


def grouped_partition(shared: tuple, _payload, parts: list) -> Grouping:
    """Round 6, a partition: its whole components split into groups around
    their kept documents, as the driver's index splits them."""
    threshold, num_perm, containment, keep = shared
    parts = [part for part in parts if len(part[0])]
    if not parts:
        return Grouping()
    links, holds, scores = (np.concatenate([p[i] for p in parts]) for i in range(3))
    keys, first = np.unique(np.concatenate([p[3] for p in parts]), return_index=True)
    sigs, sizes, lengths, dates = (np.concatenate([p[i] for p in parts])[first] for i in range(4, 8))
    links.sort()
    order = np.argsort(holds, kind="stable")
    holds, scores = holds[order], scores[order]
    index = CorpusIndex(threshold, num_perm, containment, keep)
    try:
        row = np.int32 if len(keys) < 2**31 else np.int64
        left, right = (np.searchsorted(keys, k).astype(row) for k in (links >> 32, links & _HIGH))
        held = (np.searchsorted(keys, holds >> 32), np.searchsorted(keys, holds & _HIGH), scores)
        return index.grouped(Grouping(), keys, (sizes, lengths, dates), (left, right, held), sigs.__getitem__,
                             len(keys), len(keys))
    finally:
        index.close()


def band_shuffle(options: Options, engine, replaying: bool) -> ShuffledBands | None:
    """Near-duplicates found, verified and grouped in the cluster when the
    engine can shuffle, except with a persistent index (its search reads the run's band
    hashes) and when resuming (the journaled documents' hashes are here)."""
    if can_shuffle(engine) and options.index is None and not replaying:
        return ShuffledBands(engine, shuffle_partitions(engine), options)
    return None
