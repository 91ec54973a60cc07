"""The pipeline: the stages (stages.py) run over a corpus, and the library
API the CLI sits on (`clean`, `CleanRun`).

    read → decode → extract (HTML) → clean (chrome) → fingerprint → group → write

Stages up to fingerprint are pure functions of one document, applied to
batches (stages.process_batch), so a process pool or a cluster can run them
unchanged. Grouping needs the whole corpus: processed records are spooled to a
temporary file while only their signatures stay in memory, then read back in
input order with the duplicate fields filled in. Without dedup, documents
stream straight through.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from array import array
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from ..chrome.sites import SiteStats
from ..dedup.index import CorpusIndex, Grouping, report_clusters
from ..dedup.stream import StreamIndex
from ..document import (
    DUPLICATE_DROPPED,
    Document,
    Options,
)
from ..engines import BatchSizer, Engine, LocalEngine, batched, can_shuffle, engine_for
from ..io import readers
from ..io.paths import IdAllocator
from ..io.shards import ShardOutput
from ..memory import keep_heap_small, release_free_memory
from .batches import SpooledBatch, add_to_index, allocate_ids, part_jobs, read_documents, spooled_batch
from .cluster.bands import band_shuffle
from .cluster.records import KeptRecords
from .finishing import Written, count, fields_of, finish_line
from .journal import Journal, ResumeError
from .jsonl_dedup import IdTable
from .site_learning import changed_jobs, resign_job, site_learning, update_signatures
from .stages import fingerprint_batch, part_widths, process_job, process_job_partitioned
from .stats import RunStats

Input = str | os.PathLike | Document
# Documents between two returns of the main process's free heap to the system.
TRIM_EVERY = 4096
ProgressCallback = Callable[[int, int], None]


class CleanRun:
    """An iterable over every input document, in input order, each one kept,
    flagged, dropped or failed; `stats` holds the run's figures.

    Passes: (A) the per-document stages, journaled, with a first
    near-duplicate grouping; (B) site statistics counted per cluster, site
    boilerplate removed, the final near-duplicate grouping on the final text;
    (C) records read back with their duplicate fields. With neither site
    learning nor dedup, documents stream straight through.

    With `journal` (a path), processed documents are kept in that file as they
    come, and a run started with `resume=True` takes over the documents an
    interrupted run left there, processing only the rest; the output is the
    same as an uninterrupted run's. Call `discard_journal()` once the output
    is safely written.
    """

    def __init__(self, inputs: Iterable[Input], options: Options | None = None, *,
                 stdin: BinaryIO | None = None,
                 on_progress: ProgressCallback | None = None,
                 journal: str | None = None, resume: bool = False, outputs: list[str] | None = None,
                 engine: Engine | None = None) -> None:
        self.inputs = inputs
        self.options = options or Options()
        self.stdin = stdin
        self.on_progress = on_progress
        self.stats = RunStats()
        self.journal_path = journal
        self.resume = resume
        self.resumed = 0  # documents taken over from an interrupted run
        self._lines = False  # see `output_lines`
        self.outputs = outputs or []  # where this run's texts go: a persistent index keeps it
        self.engine = engine  # given: used as it is (and not closed); else made from options.engine
        self._running: Engine | None = None
        self._shards: ShardOutput | None = None  # written by the cluster's tasks (write_shards)
        self.shard_paths: list[str] = []

    def _journal(self, temporary_ok: bool) -> Journal | None:
        if self.journal_path is None and not temporary_ok:
            return None
        return Journal(self.options, self.journal_path, self.resume)

    def discard_journal(self) -> None:
        """Remove the journal file (call after the output is committed)."""
        if self.journal_path is not None and os.path.exists(self.journal_path):
            os.unlink(self.journal_path)

    def _processed(self, journal: Journal | None) -> Iterator[Document]:
        """Every document through the per-document stages, in input order."""
        for batch in self._batches(journal, spool=False):
            yield from self._counted(batch)

    def _batches(self, journal: Journal | None, spool: bool,
                 shuffles: tuple[int, int, bool] = (0, 0, False)) -> Iterator[list[Document] | SpooledBatch]:
        """Every document through the per-document stages, a batch at a time
        in input order, run by the engine; those an interrupted run journaled
        come from the journal instead. With `spool` (the corpus passes), as
        SpooledBatches; with `shuffles` (site and band partitions, and 1 to
        keep the records), rows of theirs stay in the cluster (ShuffledSites,
        ShuffledBands, KeptRecords)."""
        options = self.options
        docs = read_documents(self.inputs, self.stdin, options)
        if journal is not None and journal.replayable:
            for batch in batched(journal.replay(), options.batch_size):
                for old in batch:
                    new = next(docs, None)
                    if new is None or new.source != old.source:
                        raise ResumeError(
                            f"the inputs differ from the interrupted run's at document {self.resumed + 1} "
                            f"({old.source!r} then, {new.source if new else 'nothing'!r} now); "
                            "run without --resume")
                    self.resumed += 1
                fingerprint_batch(batch, options)  # signatures are not journaled
                yield spooled_batch(batch, journal_lines=False) if spool else batch
        engine = self._engine()
        sizes = BatchSizer(options.batch_size, getattr(engine, "longest_task_seconds", None))
        # A cluster's tasks read the inputs themselves (not when resuming: the
        # interrupted run's documents are matched with the inputs read here).
        in_parts = getattr(engine, "reads_inputs", False) and not self.resumed
        if in_parts:
            ids = IdAllocator()
            jobs = part_jobs(self.inputs, self.stdin, options, spool, sizes.next_size,
                             min_parts=4 * getattr(engine, "cpus", 1),
                             largest=readers.KEPT_PART_BYTES if shuffles[2] else None)
        else:
            jobs = ((None, (batch, options, spool)) for batch in batched(docs, sizes.next_size))
        mapped = engine.map_partitioned(process_job_partitioned, ((tag, (job, *shuffles)) for tag, job in jobs),
                                        sum(part_widths(*shuffles))) if any(shuffles) else \
            ((tag, result, None) for tag, result in engine.map_ordered(process_job, jobs))
        for given, (batch, seconds), parts in mapped:
            if parts is not None:
                batch.parts = parts
            if in_parts:
                allocate_ids(ids, given, batch)
            sizes.observe(len(batch), seconds)
            if journal is not None:
                if isinstance(batch, SpooledBatch):
                    journal.write_lines(batch.lines)
                else:
                    journal.write(batch)
                journal.flush()
            yield batch

    def _engine(self) -> Engine:
        """The run's engine: the one given, or made from the options for the
        run (and closed at its end: a cluster's search of --index uses it too)."""
        if self._running is None:
            self._running = self.engine or engine_for(self.options)
        return self._running

    def _counted(self, batch: list[Document]) -> Iterator[Document]:
        for doc in batch:
            self.stats.count_read(doc)
            yield doc
        self._progressed(len(batch))

    def _progressed(self, documents: int) -> None:
        """`documents` more have been read: progress, and now and then the
        main process's free heap goes back to the system."""
        if self.on_progress:
            self.on_progress(self.stats.read, self.stats.bytes_in)
        if (self.stats.read - documents) // TRIM_EVERY != self.stats.read // TRIM_EVERY:
            release_free_memory()

    def __iter__(self) -> Iterator[Document]:
        options = self.options
        try:
            if options.stream:
                yield from self._streamed()
            elif not (options.dedup or options.site_learning or self._shards):
                with self._journal(temporary_ok=False) or contextlib.nullcontext() as journal:
                    for doc in self._processed(journal):
                        self.stats.count_result(doc)
                        yield doc
            else:
                keep_heap_small()
                yield from self._corpus_passes()
        finally:
            if self._running is not None and self._running is not self.engine:
                self._running.close()
            self._running = None
        self.stats.finish()

    def _streamed(self) -> Iterator[Document]:
        """Each document out as soon as it is compared with all earlier ones
        (keep-first); no corpus pass, so no site learning."""
        options = self.options
        index = StreamIndex(options.threshold, options.num_perm, options.containment) if options.dedup else None
        ids = IdTable()
        keys: list[int] = []  # index row -> input key
        journal = self._journal(temporary_ok=False)
        try:
            yield from self._compared(journal, index, ids, keys)
        finally:
            if journal is not None:
                journal.close()

    def _compared(self, journal: Journal | None, index: StreamIndex | None, ids: IdTable,
                  keys: list[int]) -> Iterator[Document]:
        options = self.options
        for doc in self._processed(journal):
            ids.append(doc.id)
            if index is not None and doc.ok and doc.signature is not None and doc.shingle_count:
                row, match, similarity, contained = index.add(doc.signature, doc.shingle_count)
                keys.append(len(ids) - 1)
                if match is not None:
                    root_id = ids[keys[match]]
                    doc.cluster = doc.duplicate_of = root_id
                    doc.similarity = similarity
                    if contained is not None:
                        doc.contained_in, doc.containment = root_id, contained
                    if options.drop_duplicates:
                        doc.drop(DUPLICATE_DROPPED, f"near-duplicate of {root_id}")
            self.stats.count_result(doc)
            yield doc

    def _index(self, find_groups=None) -> CorpusIndex:
        o = self.options
        return CorpusIndex(o.threshold, o.num_perm, o.containment, o.keep, find_groups=find_groups)

    def _corpus_passes(self) -> Iterator[Document]:
        """Pass A processes every document into the journal and the index
        (site keys to their own spool); grouping and site statistics follow.
        Documents holding site boilerplate lose it and get new signatures in
        the same index (pass B reads only theirs from the journal), and the
        index groups again. The last pass reads the journal and writes."""
        options = self.options
        ids = IdTable()
        index = sites = None
        try:
            with self._journal(temporary_ok=True) as journal:
                engine, replaying = self._engine(), journal.replayable
                sites, bands = site_learning(options, engine, replaying), band_shuffle(options, engine, replaying)
                records = KeptRecords(engine, self._shards, options) if self._shards else None
                index = self._index(bands)
                shuffles = (getattr(sites, "partitions", 0), getattr(bands, "partitions", 0), records is not None)
                for batch in self._batches(journal, spool=True, shuffles=shuffles):
                    self.stats.count_read_batch(len(batch), batch.bytes_in)
                    add_to_index(index, batch, len(ids))
                    parts = batch.parts or []
                    for shuffle, width in zip((sites, bands, records), part_widths(*shuffles)):
                        if shuffle is not None:
                            shuffle.add(len(ids), batch, parts[:width])
                        parts = parts[width:]
                    for doc_id in batch.ids:
                        ids.append(doc_id)
                    self._progressed(len(batch))
                grouping = index.grouping() if options.index is None or sites is not None else None
                if sites is None:
                    grouping, names = self._with_earlier(index, grouping, ids, journal)
                    yield from self._finish(journal, records, grouping, names)
                    return
                site_stats, changed = sites.statistics(grouping, options)
                if not options.dedup:
                    grouping = Grouping()
                elif changed:
                    del grouping  # the next one replaces it; both at once would double the peak
                    grouping = self._regrouped(journal, records, index, changed, site_stats,
                                               options.index is None)
                # else no document lost a line: the index, and so its grouping, stand
                if options.index is not None:
                    grouping = None  # made with the earlier runs' documents, next
                grouping, names = self._with_earlier(index, grouping, ids, journal)
                yield from self._finish(journal, records, grouping, names, site_stats, changed)
        finally:
            if index is not None:
                index.close()
            if sites is not None:
                sites.close()

    def _with_earlier(self, index: CorpusIndex, grouping: Grouping | None, ids: IdTable, journal: Journal):
        """The grouping, with --index made here with the earlier runs' documents."""
        if self.options.index is None:
            return grouping, ids
        from .indexing import run_against_index

        grouping, names, self.stats.index = run_against_index(self.options, index, ids, journal.token, self.outputs,
                                                              self._running)
        return grouping, names

    def _regrouped(self, journal: Journal, records: KeptRecords | None, index: CorpusIndex, changed: array,
                   site_stats: SiteStats, group: bool = True) -> Grouping | None:
        """The grouping after site learning: the documents that lost boilerplate
        (only theirs are read back from the journal, or where the cluster
        keeps them) get new signatures in the same index
        (site_learning.resign_job); the others keep those of the first pass."""
        if records is not None:
            resigned = records.resign(changed, site_stats)
        else:
            # (the second map: on the run's engine when there is more than a batch of them)
            engine = self._engine() if len(changed) > self.options.batch_size else LocalEngine(1)
            jobs = changed_jobs(journal, changed, site_stats, self.options)
            resigned = (signed for _, signed in engine.map_ordered(resign_job, jobs))
        for signed in resigned:
            update_signatures(index, signed)
        return index.grouping() if group else None  # (with --index, grouped with the earlier runs next)

    def write_shards(self, output: ShardOutput) -> Iterator[Document]:
        """Write every record to the shards `output` names; yields the
        documents not written (failed, dropped, skipped), in input order, and
        `shard_paths` lists the shards once done. On an engine with a shuffle
        (a cluster), the cluster keeps the records and its tasks write the
        shards (cluster/records.py; documents not written come as id, source
        and reason), unless a journal was asked for or the run streams; here,
        this process writes them one after another."""
        if self.options.stream or self.journal_path is not None or not can_shuffle(self._engine()):
            yield from self._written_here(output)
            return
        self._shards = output
        yield from self

    def _written_here(self, output: ShardOutput) -> Iterator[Document]:
        writer = output.writer()
        try:
            for item in self.output_lines():
                if type(item) is bytes:
                    writer.write_line(item)
                elif item.ok:
                    writer.write(item.record())
                else:
                    yield item
        except BaseException:
            writer.close(ok=False)
            raise
        writer.close(ok=True)
        self.shard_paths = writer.paths

    def output_lines(self) -> Iterator[Document | bytes]:
        """The run for a JSON Lines writer: as iterating it, except that a
        written document the corpus passes left alone (no boilerplate removed,
        in no group) comes as its output line, bytes copied from the journal
        without parsing it (the last pass's cost was parsing and writing
        every record again in the main process while the workers idled)."""
        self._lines = True
        return iter(self)

    def _finish(self, spool: Journal, records: KeptRecords | None, grouping: Grouping, ids: IdTable,
                site_stats: SiteStats | None = None, changed: array | None = None
                ) -> Iterator[Document | bytes]:
        self.stats.clusters = report_clusters(grouping, ids)
        if records is not None:  # the cluster's tasks write the records: what was not written comes
            yield from records.write(grouping, ids, site_stats, changed, self.stats)
            self.shard_paths = records.paths
            return
        at = 0
        root_of = grouping.roots_ascending()
        for key, line in enumerate(spool.lines()):
            edited = changed is not None and at < len(changed) and changed[at] == key
            at += edited
            item = finish_line(line, fields_of(key, root_of(key), grouping, ids), self.options, edited=edited,
                               site_stats=site_stats, as_bytes=self._lines)
            count(self.stats, item)
            yield item.line if isinstance(item, Written) else item


def clean(inputs: Iterable[Input], options: Options | None = None, **kwargs) -> CleanRun:
    """Clean and deduplicate documents: paths (files, directories, globs, "-")
    or `Document`s with `raw` bytes. Iterate the result for documents in input
    order; its `stats` holds the figures once iteration ends.

    Keyword arguments named as Options fields override `options`
    (`clean(paths, workers=1)`); `engine=` takes an engine object (cleaner.engines: LocalEngine, RayEngine,
    or one of your own with `map_ordered` and `close`) instead of options.engine.

    >>> run = clean(["samples/"])                               # doctest: +SKIP
    >>> kept = [d for d in run if d.ok and d.duplicate_of is None]  # doctest: +SKIP
    """
    # (engine= is an option when it names one, "local" or "ray", and an engine object otherwise)
    overrides = {name: kwargs.pop(name) for name in list(kwargs)
                 if name in _OPTION_NAMES and (name != "engine" or isinstance(kwargs[name], str))}
    if overrides:
        options = dataclasses.replace(options or Options(), **overrides)
    return CleanRun(inputs, options, **kwargs)


_OPTION_NAMES = {f.name for f in dataclasses.fields(Options)}
