"""Site learning in a run, two ways with the same answers: counted in this
process (chrome.sites.SiteKeySpool, on temporary files), or, on an engine
with a shuffle (a cluster), reduced by site there (chrome/site_parts.py):
each task's site rows stay in the cluster split by site, one reduce task per
partition counts its sites whole, and only their boilerplate lines and the
keys of the documents that hold some come back.
"""

from __future__ import annotations

from array import array

import numpy as np

from ..chrome.site_parts import merged, site_statistics
from ..chrome.sites import SiteKeySpool, SiteStats
from ..document import Options
from .batches import SpooledBatch


class SpooledSites:
    """Site rows counted here, in a spool of temporary files."""

    def __init__(self) -> None:
        self._spool = SiteKeySpool()

    def add(self, first_key: int, batch: SpooledBatch) -> None:
        self._spool.add_batch(first_key, batch.sites, batch.key_counts, batch.keys)

    def statistics(self, grouping, options: Options) -> tuple[SiteStats, array]:
        """The boilerplate lines (only they stay in memory) and the keys of
        the documents holding some, ascending."""
        stats = self._spool.statistics(grouping, options.site_min_docs, options.site_min_share).compacted()
        changed = self._spool.changed(stats)
        self.close()
        return stats, changed

    def close(self) -> None:
        self._spool.close()


class ShuffledSites:
    """Site rows kept in the cluster by partition (`batch.site_parts`, from
    stages.process_job_by_site), counted there by `engine.reduce`."""

    def __init__(self, engine, partitions: int) -> None:
        self.engine, self.partitions = engine, partitions
        self._first_keys: list[int] = []
        self._handles: list[list] = [[] for _ in range(partitions)]

    def add(self, first_key: int, batch: SpooledBatch) -> None:
        self._first_keys.append(first_key)
        for partition, handle in enumerate(batch.site_parts):
            self._handles[partition].append(handle)

    def statistics(self, grouping, options: Options) -> tuple[SiteStats, array]:
        payload = (self._first_keys, options.site_min_docs, options.site_min_share)
        answers = list(self.engine.reduce(reduce_sites, grouping, [(payload, h) for h in self._handles]))
        self.close()
        stats = merged([stats for stats, _ in answers], options.site_min_docs, options.site_min_share)
        changed = np.sort(np.concatenate([np.zeros(0, dtype=np.int64)] + [keys for _, keys in answers]))
        return stats, array("q", changed.astype(np.int64).tobytes())

    def close(self) -> None:
        self._handles = [[] for _ in range(self.partitions)]  # the cluster may drop the parts


def reduce_sites(grouping, payload, parts) -> tuple[SiteStats, np.ndarray]:
    """A partition's reduce task: its sites' statistics and changed keys."""
    first_keys, min_docs, min_share = payload
    return site_statistics(first_keys, parts, grouping, min_docs, min_share)


def site_learning(options: Options, engine, replaying: bool) -> SpooledSites | ShuffledSites | None:
    """How the run learns its sites' boilerplate: None without site learning;
    reduced in the cluster when the engine can shuffle (not when resuming:
    the journaled documents' rows are here); else counted here."""
    if not options.site_learning:
        return None
    if hasattr(engine, "map_partitioned") and not replaying:
        return ShuffledSites(engine, max(2, 2 * getattr(engine, "cpus", 1)))
    return SpooledSites()
