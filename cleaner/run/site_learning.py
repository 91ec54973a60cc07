"""Site learning in a run, two ways with the same answers: counted in this
process (chrome.sites.SiteKeySpool, on temporary files), or, on an engine
with a shuffle (a cluster), reduced by site there (chrome/site_parts.py):
each task's site rows stay in the cluster split by site, one reduce task per
partition counts its sites whole, and only their boilerplate lines and the
keys of the documents that hold some come back.

Then the second map: the documents that hold boilerplate lose it and are
signed again (`resign_job`), on the run's engine.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from ..chrome.site_parts import site_statistics
from ..chrome.sites import SiteKeySpool, SiteStats, site_of
from ..document import EMPTY_AFTER_CLEANING, Document, Options
from ..engines import can_shuffle, shuffle_partitions
from ..io.writers import dumps as record_line
from .batches import SpooledBatch
from .journal import parse_line
from .stages import fingerprint_batch


class SpooledSites:
    """Site rows counted here, in a spool of temporary files."""

    def __init__(self) -> None:
        self._spool = SiteKeySpool()

    def add(self, first_key: int, batch: SpooledBatch, parts: list | None = None) -> None:
        self._spool.add_batch(first_key, batch.sites, batch.key_counts, batch.keys)

    def statistics(self, grouping, options: Options) -> tuple[SiteStats, array]:
        """The boilerplate lines of the sites that have some (only they stay
        in memory, and go to the tasks that remove them) and the keys of the
        documents holding some, ascending."""
        stats = self._spool.statistics(grouping, options.site_min_docs, options.site_min_share).compacted()
        changed = self._spool.changed(stats)
        self.close()
        return SiteStats.joined([stats], options.site_min_docs, options.site_min_share), changed

    def close(self) -> None:
        self._spool.close()


class ShuffledSites:
    """Site rows kept in the cluster by partition (from
    stages.process_job_partitioned), counted there by `engine.reduce`."""

    def __init__(self, engine, partitions: int) -> None:
        self.engine, self.partitions = engine, partitions
        self._first_keys: list[int] = []
        self._handles: list[list] = [[] for _ in range(partitions)]

    def add(self, first_key: int, batch: SpooledBatch, parts: list) -> None:
        """A batch's site rows: `parts`, one per partition."""
        self._first_keys.append(first_key)
        for partition, handle in enumerate(parts):
            self._handles[partition].append(handle)

    def statistics(self, grouping, options: Options) -> tuple[SiteStats, array]:
        payload = (self._first_keys, options.site_min_docs, options.site_min_share)
        answers = list(self.engine.reduce(reduce_sites, grouping, [(payload, h) for h in self._handles]))
        self.close()
        stats = SiteStats.joined([stats for stats, _ in answers], options.site_min_docs, options.site_min_share)
        changed = np.sort(np.concatenate([np.zeros(0, dtype=np.int64)] + [keys for _, keys in answers]))
        return stats, array("q", changed.astype(np.int64).tobytes())

    def close(self) -> None:
        self._handles = [[] for _ in range(self.partitions)]  # the cluster may drop the parts


def remove_site_boilerplate(doc: Document, site_stats: SiteStats, options: Options) -> bool:
    """Drop the paragraphs that recur across the document's site; True if any went."""
    text, removed = site_stats.filter(site_of(doc.url, doc.source), doc.text, doc.site_keys)
    if not removed:
        return False
    doc.text, doc.chars_out = text, len(text)
    doc.removed = {**(doc.removed or {}), "site_boilerplate": len(removed)}
    doc.boilerplate = [paragraph for paragraph, _, _ in removed]
    if doc.explain is not None:
        verdicts = {paragraph: (k, n) for paragraph, k, n in removed}
        for decision in doc.explain:
            if decision["keep"] and decision["output"] in verdicts:
                k, n = verdicts[decision["output"]]
                decision.update(keep=False, rule="site_boilerplate",
                                evidence=f"site frequency {k}/{n} (near-duplicates counted once)")
    if not doc.text.strip():
        doc.drop(EMPTY_AFTER_CLEANING, "only site boilerplate left")
    return True


def changed_jobs(journal, changed: array, site_stats: SiteStats, options: Options
                 ) -> Iterator[tuple[None, tuple[list[int], list[bytes], SiteStats, Options]]]:
    """The second map's jobs: the journal lines of the documents that hold
    boilerplate (keys ascending), a batch at a time, with the boilerplate
    lines (sent with every job)."""
    keys: list[int] = []
    lines: list[bytes] = []
    at = 0  # next position in `changed`
    for key, line in enumerate(journal.lines()):
        if at == len(changed):
            break
        if changed[at] == key:
            at += 1
            keys.append(key)
            lines.append(line)
            if len(keys) == options.batch_size or at == len(changed):
                yield None, (keys, lines, site_stats, options)
                keys, lines = [], []


class Resigned(NamedTuple):
    """A resign_job's answer: the documents it had (`keys`), those still
    signed and their signatures, shingle counts and lengths (the others lost
    all their text or words), and, when asked, each document's output
    record size (0: no longer written)."""

    keys: np.ndarray
    signed: np.ndarray
    signatures: np.ndarray
    shingle_counts: np.ndarray
    lengths: np.ndarray
    record_sizes: np.ndarray | None


def resign_job(job: tuple[list[int], list[bytes], SiteStats, Options], record_sizes: bool = False) -> Resigned:
    """A task of the second map: documents without their site boilerplate,
    signed again; with `record_sizes`, their records' sizes too (a cluster
    that writes them plans its shards so)."""
    keys, lines, site_stats, options = job
    docs = [parse_line(line) for line in lines]
    for doc in docs:
        remove_site_boilerplate(doc, site_stats, options)
    fingerprint_batch(docs, options)
    signed = [i for i, d in enumerate(docs) if d.ok and d.signature is not None and d.shingle_count > 0]
    return Resigned(np.array(keys, dtype=np.int64), np.array([keys[i] for i in signed], dtype=np.int64),
                    np.array([docs[i].signature for i in signed], dtype=np.uint32).reshape(len(signed), -1),
                    np.array([docs[i].shingle_count for i in signed], dtype=np.int64),
                    np.array([docs[i].chars_out for i in signed], dtype=np.int64),
                    np.array([len(record_line(d.record())) if d.ok else 0 for d in docs], dtype=np.int32)
                    if record_sizes else None)


def update_signatures(index, resigned: Resigned) -> None:
    """A resign_job's answer into the index: new signatures, and the
    documents left without text or words out of it."""
    index.update(resigned.signed, resigned.signatures, resigned.shingle_counts, resigned.lengths)
    index.remove(np.setdiff1d(resigned.keys, resigned.signed))


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
    if can_shuffle(engine) and not replaying:
        return ShuffledSites(engine, shuffle_partitions(engine))
    return SpooledSites()
