"""Candidate pairs found and verified by the cluster's three rounds of
reduce tasks (run/cluster/bands.py), here run in this process: the grouping
equals the one the driver makes alone (CorpusIndex with its signatures),
whatever the batches and partitions, with documents signed again (site
learning) and documents left out."""

from __future__ import annotations

import numpy as np
import pytest

from cleaner.dedup.candidates import band_hashes, lsh_bands, split_by_hash
from cleaner.dedup.index import CorpusIndex
from cleaner.document import Options
from cleaner.run.cluster.bands import ShuffledBands


class InProcess:
    """The shuffle of an engine, each task run here in turn."""

    def reduce(self, function, shared, jobs):
        for payload, handles in jobs:
            yield function(shared, payload, list(handles))

    def reduce_partitioned(self, function, shared, jobs, partitions: int):
        for payload, handles in jobs:
            result, parts = function(shared, payload, list(handles))
            assert len(parts) == partitions
            yield result, parts


def corpus(seed: int, documents: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Signatures of reports and their near-copies, some shortened (of a
    smaller shingle set: contained), and keys with gaps (documents that
    have no signature)."""
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, 2**32, (documents, 128), dtype=np.uint64).astype(np.uint32)
    sizes = rng.integers(50, 400, documents).astype(np.int64)
    for i in range(documents // 4, documents):
        source = int(rng.integers(0, documents // 4))
        sigs[i] = np.where(rng.random(128) < rng.choice([0.1, 0.3, 0.5]), sigs[i], sigs[source])
        if rng.random() < 0.3:
            sizes[i] = sizes[source] // 2
    keys = np.sort(rng.choice(documents * 3, documents, replace=False)).astype(np.int64)
    return keys, sigs, sizes


def groupings(seed: int, batch: int, partitions: int, resign: bool) -> tuple:
    keys, sigs, sizes = corpus(seed, 300)
    options = Options(threshold=0.5, containment=0.8)
    bands, rows = lsh_bands(options.threshold, options.num_perm)
    lengths, dates = sizes * 6, np.zeros(len(keys), dtype=np.int64)
    here = CorpusIndex(options.threshold, options.num_perm, options.containment, options.keep)
    shuffled = ShuffledBands(InProcess(), partitions, options)
    there = CorpusIndex(options.threshold, options.num_perm, options.containment, options.keep, find_links=shuffled)
    first_key = 0
    for lo in range(0, len(keys), batch):
        hi = min(lo + batch, len(keys))
        here.add(keys[lo:hi], sigs[lo:hi], sizes[lo:hi], lengths[lo:hi], dates[lo:hi])
        there.add(keys[lo:hi], sigs[lo:hi, :0], sizes[lo:hi], lengths[lo:hi], dates[lo:hi])
        # (a task's positions are its documents' keys less the batch's first key)
        first_key = int(keys[lo]) if lo else 0
        positions = keys[lo:hi] - first_key
        parts = [*split_by_hash(positions, band_hashes(sigs[lo:hi], bands, rows), partitions),
                 (positions, sigs[lo:hi], sizes[lo:hi])]
        shuffled.add(first_key, None, parts)
    results = [(here.grouping(), there.grouping())]
    if resign:  # a third of the documents signed again, a few left without words
        rng = np.random.default_rng(seed + 1)
        again = np.sort(rng.choice(len(keys), len(keys) // 3, replace=False))
        new = np.where(rng.random((len(again), 128)) < 0.8, sigs[again], sigs[0]).astype(np.uint32)
        for index in (here, there):
            index.update(keys[again], new, sizes[again] - 10, lengths[again])
            index.remove(keys[again[:5]])
        results.append((here.grouping(), there.grouping()))
    return results


def same(a, b) -> bool:
    return (np.array_equal(a.keys, b.keys) and np.array_equal(a.roots, b.roots)
            and np.array_equal(a.similarities, b.similarities) and a.contained_in == b.contained_in)


@pytest.mark.parametrize("seed, batch, partitions", [(1, 300, 1), (2, 37, 2), (3, 11, 5), (4, 64, 32)])
@pytest.mark.parametrize("resign", [False, True])
def test_the_cluster_verifies_as_the_driver_would(seed: int, batch: int, partitions: int, resign: bool) -> None:
    results = groupings(seed, batch, partitions, resign)
    for here, there in results:
        assert len(here.keys) > 50 and here.contained_in  # groups, and shortened copies contained
        assert same(here, there)
    if resign:
        assert not same(results[0][0], results[1][0])  # (the documents signed again changed the groups)
