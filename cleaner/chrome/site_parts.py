"""Site learning by key, for a cluster: each task splits its documents'
(site, paragraph keys) into partitions by site; a reducer per partition
counts its sites whole (sites.SiteKeySpool, each near-duplicate group once)
and gives their boilerplate lines and the documents that hold some; the
partitions' answers are joined (`SiteStats.joined`). A site is all in one partition,
so every verdict is the one a count of the whole corpus gives.
"""

from __future__ import annotations

import zlib
from array import array
from dataclasses import dataclass, field

import numpy as np

from .sites import SiteKeySpool, SiteStats


@dataclass
class SiteRows:
    """The documents of one partition's sites, of one batch: each one's
    position in the batch, its site and its paragraph keys (concatenated)."""

    positions: array = field(default_factory=lambda: array("q"))
    sites: list[str] = field(default_factory=list)
    key_counts: array = field(default_factory=lambda: array("L"))
    keys: array = field(default_factory=lambda: array("Q"))


def partition_of(site: str, partitions: int) -> int:
    """A site's partition: a hash that every process computes alike."""
    return zlib.crc32(site.encode("utf-8", "surrogatepass")) % partitions


def split_by_site(sites: list[str | None], key_counts: array, keys: array, partitions: int) -> list[SiteRows]:
    """A batch's site rows, one SiteRows per partition (documents without a
    site count nowhere, as in SiteKeySpool)."""
    parts = [SiteRows() for _ in range(partitions)]
    at = 0
    for position, (site, count) in enumerate(zip(sites, key_counts)):
        if site is not None:
            part = parts[partition_of(site, partitions)]
            part.positions.append(position)
            part.sites.append(site)
            part.key_counts.append(count)
            part.keys.extend(keys[at:at + count])
        at += count
    return parts


def site_statistics(first_keys: list[int], parts: list[SiteRows], grouping, min_docs: int,
                    min_share: float) -> tuple[SiteStats, np.ndarray]:
    """A partition's statistics (only its boilerplate lines kept) and the keys
    of its documents that hold boilerplate, from its rows of every batch
    (`first_keys`: each batch's first document key, ascending)."""
    spool = SiteKeySpool()
    try:
        for first, part in zip(first_keys, parts):
            spool.add_batch(first, part.sites, part.key_counts, part.keys,
                            doc_keys=[first + position for position in part.positions])
        stats = spool.statistics(grouping, min_docs, min_share).compacted()
        return stats, np.frombuffer(spool.changed(stats), dtype=np.int64).copy()
    finally:
        spool.close()
