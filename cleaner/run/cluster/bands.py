"""Near-duplicate candidates found in the cluster: each task splits its
signed documents' band hashes by hash into partitions, which stay in the
cluster (stages.process_job_partitioned); when the run groups, one reduce
task per partition finds the pairs that share a hash there
(dedup/candidates.partition_pairs), and only the pairs come back. Equal
hashes of a band meet in one partition, so the pairs are exactly those of
`candidate_pairs` over the whole corpus, and the run's index keeps no band
hashes (CorpusIndex.find_pairs). Documents signed again after site learning
send their new hashes with the reduce, in place of their old ones.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ...dedup.candidates import lsh_bands, partition_pairs, split_by_hash
from ...document import Options
from ...engines import shuffle_partitions
from ..batches import SpooledBatch


class ShuffledBands:
    """The band hash partitions of a run's batches (from
    stages.process_job_partitioned); called as CorpusIndex.find_pairs."""

    def __init__(self, engine, partitions: int, options: Options) -> None:
        self.engine, self.partitions = engine, partitions
        self.bands, self.rows = lsh_bands(options.threshold, options.num_perm)
        self._first_keys: list[int] = []
        self._handles: list[list] = [[] for _ in range(partitions)]

    def add(self, first_key: int, batch: SpooledBatch, parts: list) -> None:
        """A batch's band hashes: `parts`, one per partition."""
        self._first_keys.append(first_key)
        for partition, handle in enumerate(parts):
            self._handles[partition].append(handle)

    def __call__(self, replaced: np.ndarray | None, hashes: np.ndarray | None) -> Iterator[np.ndarray]:
        """Candidate pairs (codes lower key << 32 | higher key), a partition's
        at a time (a pair two bands propose may come from two partitions),
        the documents `replaced` with these band hashes."""
        replacements = split_by_hash(replaced, hashes, self.partitions) if replaced is not None \
            else [None] * self.partitions
        jobs = [((self._first_keys, replaced, replacements[p]), self._handles[p]) for p in range(self.partitions)]
        yield from self.engine.reduce(reduce_bands, None, jobs)


def reduce_bands(_shared, payload: tuple, parts: list) -> np.ndarray:
    """A partition's reduce task: its pairs, from its entries of every batch."""
    first_keys, replaced, replacements = payload
    entries = [(bands, keys + first, hashes) for (bands, keys, hashes), first in zip(parts, first_keys)]
    return partition_pairs(entries, replaced, replacements)


def band_shuffle(options: Options, engine, replaying: bool) -> ShuffledBands | None:
    """Candidates found in the cluster when the engine can shuffle, except
    with a persistent index (its search reads the run's band hashes) and
    when resuming (the journaled documents' hashes are here)."""
    if hasattr(engine, "map_partitioned") and options.index is None and not replaying:
        return ShuffledBands(engine, shuffle_partitions(engine), options)
    return None
