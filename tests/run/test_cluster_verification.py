"""Near-duplicates found, verified and grouped by the cluster's rounds of
tasks (run/cluster/bands.py), here run in this process: the grouping equals
the one the driver makes alone (CorpusIndex with its signatures), whatever
the batches and partitions, with documents signed again (site learning) and
documents left out, for every keep policy."""

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
    smaller shingle set: contained), chains of copies of copies (components
    that only the union-finds merged across groups join), and keys with gaps
    (documents that have no signature)."""
    rng = np.random.default_rng(seed)
    sigs = rng.integers(0, 2**32, (documents, 128), dtype=np.uint64).astype(np.uint32)
    sizes = rng.integers(50, 400, documents).astype(np.int64)
    for i in range(documents // 4, documents):
        source = int(rng.integers(0, documents // 4))
        sigs[i] = np.where(rng.random(128) < rng.choice([0.1, 0.3, 0.5]), sigs[i], sigs[source])
        if rng.random() < 0.3:
            sizes[i] = sizes[source] // 2
    for i in range(documents // 2, documents, 2):  # chains of drifting copies, across batches and groups
        sigs[i] = np.where(rng.random(128) < 0.25, sigs[i], sigs[i - 23])
    keys = np.sort(rng.choice(documents * 3, documents, replace=False)).astype(np.int64)
    return keys, sigs, sizes


def groupings(seed: int, batch: int, partitions: int, resign: bool, keep: str = "first") -> tuple:
    keys, sigs, sizes = corpus(seed, 300)
    options = Options(threshold=0.5, containment=0.8, keep=keep)
    bands, rows = lsh_bands(options.threshold, options.num_perm)
    rng = np.random.default_rng(seed + 2)
    lengths, dates = sizes * 6 + rng.integers(0, 5, len(keys)), rng.integers(19000, 19010, len(keys))
    here = CorpusIndex(options.threshold, options.num_perm, options.containment, options.keep)
    shuffled = ShuffledBands(InProcess(), partitions, options)
    there = CorpusIndex(options.threshold, options.num_perm, options.containment, options.keep, find_groups=shuffled)
    first_key = 0
    for lo in range(0, len(keys), batch):
        hi = min(lo + batch, len(keys))
        here.add(keys[lo:hi], sigs[lo:hi], sizes[lo:hi], lengths[lo:hi], dates[lo:hi])
        there.add(keys[lo:hi], sigs[lo:hi, :0], sizes[lo:hi], lengths[lo:hi], dates[lo:hi])
        # (a task's positions are its documents' keys less the batch's first key)
        first_key = int(keys[lo]) if lo else 0
        positions = keys[lo:hi] - first_key
        parts = [*split_by_hash(positions, band_hashes(sigs[lo:hi], bands, rows), partitions),
                 (positions, sigs[lo:hi], sizes[lo:hi], lengths[lo:hi], dates[lo:hi])]
        shuffled.add(first_key, None, parts)
        if (lo // batch) % 3 == 1:  # a batch with no signed document (failed or empty ones): signatures of width 0
            none = np.zeros(0, dtype=np.int64)
            shuffled.add(int(keys[hi - 1]) + 1, None, [*split_by_hash(none, np.zeros((0, bands), np.uint32), partitions),
                                                      (none, np.zeros((0, 0), np.uint32), none, none, none)])
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
@pytest.mark.parametrize("keep", ["first", "longest", "earliest-date"])
def test_the_cluster_groups_as_the_driver_would(seed: int, batch: int, partitions: int, resign: bool,
                                               keep: str) -> None:
    results = groupings(seed, batch, partitions, resign, keep)
    for here, there in results:
        assert len(here.keys) > 50 and here.contained_in  # groups, and shortened copies contained
        assert same(here, there)
    if resign:
        assert not same(results[0][0], results[1][0])  # (the documents signed again changed the groups)
