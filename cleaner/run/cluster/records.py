"""The records a cluster keeps, and the shards its tasks write.

With a sharded output (`-o 'out/part-{shard:05d}.jsonl' --shard-size N`) on
an engine with a shuffle, a run's processed records never come to the
driver: each map task keeps its batch's journal lines in the cluster (one
more part, stages.process_job_partitioned) and sends back only what pass A
reads, with the size of each output record. Once the grouping is known:

- the documents holding site boilerplate are read where they are kept, a
  batch's at a time, and signed again (`resign_kept`, the second map);
- the driver plans the shards as ShardedWriter cuts them in one process (by
  the count of records written, or by their bytes, counted before the
  duplicate fields are filled in), and one task per shard reads the kept
  lines it covers, finishes each (finishing.finish_line, the driver's own
  last pass) and writes the shard, renamed into place when complete
  (`write_shard`). Only the run's figures and the documents not written
  (id, source, reason) come back.

Shards are numbered in input order, so they hold the records in the order a
run on one machine writes them.
"""

from __future__ import annotations

import bisect
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...chrome.sites import SiteStats
from ...dedup.index import Grouping
from ...document import Document, Options
from ...io.shards import ShardOutput
from ..batches import SpooledBatch
from ..finishing import Written, count, finish_line
from ..jsonl_dedup import IdTable, duplicate_fields
from ..site_learning import Resigned, resign_job
from ..stats import RunStats


@dataclass
class KeptBatch:
    """A map task's batch as the driver knows it once its lines are kept in
    the cluster: its first key, each record's size (0: not written), the
    handle of its lines, and the ids the run gave where they differ."""

    first_key: int
    sizes: np.ndarray  # int32
    handle: Any
    renamed: dict[int, str] | None


class KeptRecords:
    """A run's records kept in the cluster (`engine`: map_partitioned and
    reduce), written by its tasks to the shards `output` names."""

    def __init__(self, engine, output: ShardOutput, options: Options) -> None:
        self.engine, self.options = engine, options
        self.output = output.absolute()  # the tasks' working directories are not the driver's
        self._batches: list[KeptBatch] = []
        self._first_keys: list[int] = []
        self.paths: list[str] = []

    def add(self, first_key: int, batch: SpooledBatch, parts: list) -> None:
        """A batch whose lines the cluster keeps (`parts`: their one handle)."""
        # (a copy: the array may be a view of Ray's object store, which it would pin)
        self._batches.append(KeptBatch(first_key, np.array(batch.record_sizes, dtype=np.int32), parts[0],
                                       batch.renamed))
        self._first_keys.append(first_key)

    def resign(self, changed: array, site_stats: SiteStats) -> Iterator[Resigned]:
        """The second map over the kept records: the documents holding site
        boilerplate (`changed`, keys ascending) lose it and are signed again,
        a task per batch that holds some."""
        keys = np.frombuffer(changed, dtype=np.int64) if len(changed) else np.zeros(0, dtype=np.int64)
        jobs = []
        for kept in self._batches:
            lo, hi = np.searchsorted(keys, [kept.first_key, kept.first_key + len(kept.sizes)])
            if hi > lo:
                jobs.append(((kept.first_key, keys[lo:hi]), [kept.handle]))
        for resigned in self.engine.reduce(resign_kept, (site_stats, self.options), jobs):
            for key, size in zip(resigned.keys.tolist(), resigned.record_sizes.tolist()):
                kept = self._batches[bisect.bisect_right(self._first_keys, key) - 1]
                kept.sizes[key - kept.first_key] = size
            yield resigned

    def write(self, grouping: Grouping, ids: IdTable, site_stats: SiteStats | None, changed: array | None,
              stats: RunStats) -> Iterator[Document]:
        """Every record into its shard, by the cluster's tasks; the documents
        not written (failed, dropped, skipped: id, source and reason) in
        input order. The run's figures are added to `stats`."""
        if self.options.drop_duplicates:
            for key in grouping.keys[(grouping.keys != grouping.roots) & (grouping.keys >= 0)].tolist():
                kept = self._batches[bisect.bisect_right(self._first_keys, key) - 1]
                kept.sizes[key - kept.first_key] = 0
        edited = np.frombuffer(changed, dtype=np.int64) if changed is not None and len(changed) \
            else np.zeros(0, dtype=np.int64)
        shared = (self.options, self.output, site_stats)
        for path, figures, not_written in self.engine.reduce(write_shard, shared,
                                                             self._jobs(grouping, ids, edited)):
            self.paths.append(path)
            stats.add_results(figures)
            yield from not_written

    def _shard_starts(self) -> list[int]:
        """The first key of each shard: where ShardedWriter, given the
        written records in order, opens the next one."""
        starts, records, size, opened = [0], 0, 0, False
        for kept in self._batches:
            sizes = kept.sizes.tolist()
            for offset in np.flatnonzero(kept.sizes).tolist():
                if opened and self.output.full(records, size):
                    starts.append(kept.first_key + offset)
                    records = size = 0
                opened = True
                records += 1
                size += sizes[offset]
        return starts

    def _jobs(self, grouping: Grouping, ids: IdTable, edited: np.ndarray) -> Iterator[tuple[tuple, list]]:
        """(payload, handles) of each shard's task: the kept lines it covers
        (keys from its start to the next shard's), the duplicate fields of
        its grouped documents, its documents holding boilerplate, and its
        renamed ids."""
        end = self._batches[-1].first_key + len(self._batches[-1].sizes) if self._batches else 0
        bounds = [*self._shard_starts(), end]
        for number, (start, stop) in enumerate(zip(bounds, bounds[1:])):
            segments, handles, renamed = [], [], {}
            at = max(0, bisect.bisect_right(self._first_keys, start) - 1)
            while at < len(self._batches) and self._batches[at].first_key < stop:
                kept = self._batches[at]
                lo = max(start, kept.first_key) - kept.first_key
                hi = min(stop, kept.first_key + len(kept.sizes)) - kept.first_key
                if hi > lo:
                    segments.append((kept.first_key, lo, hi))
                    handles.append(kept.handle)
                    renamed.update({kept.first_key + offset: name for offset, name in (kept.renamed or {}).items()
                                    if lo <= offset < hi})
                at += 1
            lo, hi = np.searchsorted(grouping.keys, [start, stop])
            fields = {key: duplicate_fields(key, root, grouping, ids)
                      for key, root in zip(grouping.keys[lo:hi].tolist(), grouping.roots[lo:hi].tolist())}
            first, last = np.searchsorted(edited, [start, stop])
            yield (number, segments, fields, edited[first:last].copy(), renamed), handles


def kept_lines(part: np.ndarray) -> list[bytes]:
    """A kept part's journal lines (without their newlines)."""
    return bytes(part).split(b"\n")


def resign_kept(shared: tuple, payload: tuple, parts: list) -> Resigned:
    """A task of the second map, on the lines kept for one batch."""
    site_stats, options = shared
    first_key, keys = payload
    lines = kept_lines(parts[0])
    return resign_job((keys.tolist(), [lines[key - first_key] for key in keys.tolist()], site_stats, options),
                      record_sizes=True)


def write_shard(shared: tuple, payload: tuple, parts: list) -> tuple[str, RunStats, list[Document]]:
    """A shard's task: its records finished and written, the file renamed into
    place once complete. (its path, its figures, the documents not written)"""
    options, output, site_stats = shared
    number, segments, fields, edited, renamed = payload
    edited = set(edited.tolist())
    path = output.path(number)
    writer = output.open(path)
    stats, not_written = RunStats(), []
    try:
        for (first_key, lo, hi), part in zip(segments, parts):
            lines = kept_lines(part)
            for offset in range(lo, hi):
                key = first_key + offset
                item = finish_line(lines[offset], fields.get(key), options, edited=key in edited,
                                   site_stats=site_stats, new_id=renamed.get(key), as_bytes=True)
                count(stats, item)
                if isinstance(item, Written):
                    writer.write_line(item.line)
                elif item.ok:
                    writer.write(item.record())
                else:
                    not_written.append(Document(id=item.id, source=item.source, url=item.url, status=item.status,
                                                reason=item.reason, message=item.message))
            del lines
    except BaseException:
        writer.close(ok=False)
        raise
    writer.close(ok=True)
    return path, stats, not_written
