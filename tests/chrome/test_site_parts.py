"""Site learning reduced by site over partitions (chrome/site_parts.py), as
a cluster runs it: the joined answers are exactly those of one count over
the whole corpus, for any number of partitions and batches."""

from __future__ import annotations

import random
from array import array

import numpy as np
import pytest

from cleaner.chrome.site_parts import partition_of, site_statistics, split_by_site
from cleaner.chrome.sites import SiteKeySpool, SiteStats
from cleaner.dedup.groups import Grouping


def corpus(seed: int, documents: int = 600):
    """Batches of (sites, key counts, keys): five sites of different sizes,
    each with its own furniture lines (in many of its documents) and a few
    shared across sites; documents without a site; and a grouping that puts
    some documents in groups (counted once)."""
    rng = random.Random(seed)
    sites = [f"site{n}.example.vn" for n in range(5)]
    rows = []
    for n in range(documents):
        site = None if rng.random() < 0.05 else rng.choices(sites, weights=[50, 20, 10, 5, 1])[0]
        keys = [rng.getrandbits(64) for _ in range(rng.randint(0, 6))]  # their own lines
        if site is not None:
            number = sites.index(site)
            keys += [number * 100 + k for k in range(4) if rng.random() < 0.3 + 0.15 * k]  # its furniture
        keys += [7, 8] if rng.random() < 0.1 else []  # lines of several sites
        rows.append((site, keys))
    grouped = sorted(rng.sample(range(documents), documents // 5))
    roots = {key: grouped[max(0, i - i % 3)] for i, key in enumerate(grouped)}  # groups of three
    grouping = Grouping(keys=np.array(grouped, dtype=np.int64),
                        roots=np.array([roots[k] for k in grouped], dtype=np.int64),
                        similarities=np.ones(len(grouped), dtype=np.float32))
    return rows, grouping


def batches(rows, size: int):
    for first in range(0, len(rows), size):
        part = rows[first:first + size]
        yield first, [s for s, _ in part], array("L", [len(k) for _, k in part]), \
            array("Q", [k for _, keys in part for k in keys])


@pytest.mark.parametrize("seed, partitions, size", [(1, 1, 50), (2, 3, 7), (3, 4, 600), (4, 16, 33)])
def test_partitions_give_the_verdicts_of_one_count(seed: int, partitions: int, size: int) -> None:
    rows, grouping = corpus(seed)
    whole = SiteKeySpool()
    for first, sites, counts, keys in batches(rows, size):
        whole.add_batch(first, sites, counts, keys)
    expected = whole.statistics(grouping, 3, 0.05).compacted()
    expected_changed = list(whole.changed(expected))
    firsts, parts = [], [[] for _ in range(partitions)]
    for first, sites, counts, keys in batches(rows, size):
        firsts.append(first)
        for p, part in enumerate(split_by_site(sites, counts, keys, partitions)):
            parts[p].append(part)
    answers = [site_statistics(firsts, parts[p], grouping, 3, 0.05) for p in range(partitions)]
    joined = SiteStats.joined([stats for stats, _ in answers], 3, 0.05)
    assert sorted(np.concatenate([changed for _, changed in answers]).tolist()) == expected_changed
    assert expected_changed and expected.boilerplate_keys() == joined.boilerplate_keys()
    for site, keys in rows:
        for key in keys:
            assert joined.frequency(site, key) == expected.frequency(site, key)


def test_a_site_has_one_partition_in_every_process() -> None:
    assert partition_of("vnexpress.net", 7) == 2  # (crc32: the same in every process, unlike hash())
