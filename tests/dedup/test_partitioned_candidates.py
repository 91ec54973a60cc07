"""Candidate pairs found by partitions of (band, hash), as a cluster's reduce
tasks find them (dedup/candidates.py: split_by_hash, partition_pairs): their
union is exactly `candidate_pairs` over the whole corpus, also with buckets
longer than the neighbours each row is paired with, and after documents are
signed again."""

from __future__ import annotations

import numpy as np
import pytest

from cleaner.dedup.candidates import (
    BUCKET_NEIGHBOURS,
    band_hashes,
    candidate_pairs,
    lsh_bands,
    partition_pairs,
    split_by_hash,
)


def hashes_of(seed: int, documents: int) -> np.ndarray:
    """Band hashes of documents of which many are near-copies, and one bucket
    of formulaic pages longer than BUCKET_NEIGHBOURS + 1 in every band."""
    rng = np.random.default_rng(seed)
    bands, rows = lsh_bands(0.45, 128)
    sigs = rng.integers(0, 2**32, (documents, 128), dtype=np.uint64).astype(np.uint32)
    for i in range(documents // 3, documents):  # copies with some values changed
        source = rng.integers(0, documents // 3)
        sigs[i] = np.where(rng.random(128) < 0.3, sigs[i], sigs[source])
    sigs[-(BUCKET_NEIGHBOURS * 3):] = sigs[0]
    return band_hashes(sigs, bands, rows)


def whole(hashes: np.ndarray) -> set[tuple[int, int]]:
    left, right = candidate_pairs(lambda b: np.ascontiguousarray(hashes[:, b]), len(hashes), hashes.shape[1])
    return set(zip(left.tolist(), right.tolist()))


def by_partitions(keys: np.ndarray, batches: list[tuple[int, int]], hashes: np.ndarray, partitions: int,
                  replaced: np.ndarray | None = None, new: np.ndarray | None = None) -> set[tuple[int, int]]:
    parts: list[list] = [[] for _ in range(partitions)]
    for lo, hi in batches:
        for p, entries in enumerate(split_by_hash(keys[lo:hi], hashes[lo:hi], partitions)):
            parts[p].append(entries)
    replacements = split_by_hash(replaced, new, partitions) if replaced is not None else [None] * partitions
    codes = np.concatenate([partition_pairs(parts[p], replaced, replacements[p]) for p in range(partitions)])
    rows = {key: row for row, key in enumerate(keys.tolist())}  # the rows of the whole corpus
    return {(rows[int(c) >> 32], rows[int(c) & 0xFFFFFFFF]) for c in codes}


@pytest.mark.parametrize("seed, partitions", [(1, 1), (2, 2), (3, 5), (4, 32)])
def test_partitions_find_exactly_the_pairs_of_the_whole_corpus(seed: int, partitions: int) -> None:
    hashes = hashes_of(seed, 400)
    keys = np.sort(np.random.default_rng(seed).choice(2000, 400, replace=False)).astype(np.int64)
    batches = [(lo, min(lo + 37, 400)) for lo in range(0, 400, 37)]
    expected = whole(hashes)
    assert len(expected) > 400  # (the long bucket gives its rows BUCKET_NEIGHBOURS pairs each)
    assert by_partitions(keys, batches, hashes, partitions) == expected


def test_documents_signed_again_replace_their_entries(tmp_path) -> None:
    hashes = hashes_of(5, 300)
    keys = np.arange(300, dtype=np.int64) * 3
    changed = np.array([0, 5, 150, 299], dtype=np.int64)
    new = hashes_of(6, 300)[changed]
    updated = hashes.copy()
    updated[changed] = new
    assert by_partitions(keys, [(0, 100), (100, 300)], hashes, 4, keys[changed], new) == whole(updated)
