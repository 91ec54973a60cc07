"""Batches: what a worker gets, and a processed batch as the corpus passes
receive it (journal lines and arrays).

A worker gets documents, or (on an engine whose tasks read their inputs, a
cluster) a part of a crawl or record file to read itself (`part_jobs`): the
ids a task's records want are allocated here as their results come, in
input order, so they are those a run reading the inputs here gives.

Pass A needs little of a processed document in the main process: its journal
line (written out as it is), its signature and a few numbers for the
near-duplicate index, its site and paragraph keys for site learning, and what
the run's figures count. A worker sends exactly that for a whole batch, in a
few objects, instead of the Documents: the main process, which shares the
cores with the workers, no longer unpickles a Document per input (~14 µs)
nor walks them one by one. `add_to_index` hands a batch's signatures to
the run's near-duplicate index.
"""

from __future__ import annotations

import os
from array import array
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

from ..chrome.sites import site_of
from ..dedup.index import CorpusIndex, date_number
from ..document import INTERNAL_ERROR, Document, Options
from ..io import readers
from ..io.paths import IdAllocator
from ..io.records import RecordFields
from .journal import parse_line, spool_line


@dataclass
class SpooledBatch:
    """What pass A keeps of a batch of processed documents, in input order."""

    ids: list[str]
    lines: bytes  # the documents' journal lines, joined (empty when already journaled)
    bytes_in: int  # input bytes of the batch, for the run's figures
    # Documents with a signature (positions in the batch) and their index rows.
    signed: np.ndarray  # int64
    signatures: np.ndarray  # uint32, one row per signed document
    shingle_counts: np.ndarray  # int64
    chars_out: np.ndarray  # int64
    dates: np.ndarray  # int64, days since 1970 (dedup.date_number)
    # Site learning: per document its site (None when it is not written or
    # has none), and its paragraph keys that are not None, all concatenated.
    sites: list[str | None]
    key_counts: array  # "L", one per document
    keys: array  # "Q"
    # Bytes of each document's output record (its newline included), 0 for
    # one that is not written: a cluster that keeps the records plans the
    # shards with them (cluster/records.py).
    record_sizes: np.ndarray | None = None  # int32
    # On a cluster with shuffles: handles of the batch's rows kept there, one
    # per partition, site rows (instead of the three above) then band hashes,
    # then its journal lines when the cluster keeps them (`lines` is empty).
    parts: list | None = None
    # Kept lines: the ids the run gave its documents, by position, where they
    # are not the ones the records hold (allocate_ids).
    renamed: dict[int, str] | None = None

    def __len__(self) -> int:
        return len(self.ids)


def spooled_batch(docs: list[Document], journal_lines: bool = True) -> SpooledBatch:
    """The batch summary of processed documents (signatures computed);
    `journal_lines=False` for documents read back from a journal."""
    signed = [i for i, d in enumerate(docs) if d.ok and d.signature is not None and d.shingle_count > 0]
    sites: list[str | None] = []
    key_counts, keys = array("L"), array("Q")
    for doc in docs:
        present = [k for k in doc.site_keys or () if k is not None] if doc.ok else []
        sites.append(site_of(doc.url, doc.source) if doc.ok else None)
        key_counts.append(len(present))
        keys.extend(present)
    width = len(docs[signed[0]].signature) if signed else 0
    lines = [spool_line(d, site) for d, site in zip(docs, sites)] if journal_lines else []
    return SpooledBatch(
        ids=[d.id for d in docs],
        lines=b"".join(lines),
        record_sizes=np.array([line.index(b"\t") + 1 if doc.ok else 0 for doc, line in zip(docs, lines)],
                              dtype=np.int32) if journal_lines else None,
        bytes_in=sum(d.bytes_in for d in docs),
        signed=np.array(signed, dtype=np.int64),
        signatures=(np.stack([docs[i].signature for i in signed]).astype(np.uint32, copy=False) if signed
                    else np.zeros((0, width), dtype=np.uint32)),
        shingle_counts=np.array([docs[i].shingle_count for i in signed], dtype=np.int64),
        chars_out=np.array([docs[i].chars_out for i in signed], dtype=np.int64),
        dates=np.array([date_number(docs[i].date) for i in signed], dtype=np.int64),
        sites=sites, key_counts=key_counts, keys=keys)


def add_to_index(index: CorpusIndex, batch: SpooledBatch, first_key: int) -> None:
    """The batch's documents that have signatures, under their input-order keys."""
    if len(batch.signed):
        index.add(batch.signed + first_key, batch.signatures, batch.shingle_counts, batch.chars_out,
                  batch.dates)


Job = tuple[list, Options, bool]  # (documents or one Part, options, spool)


def input_groups(inputs: Iterable, batch_size: int) -> Iterator[Document | list[str]]:
    """A run's inputs in order: each given Document alone, and the paths
    between them in lists of up to `batch_size` (expanded and read a list
    at a time)."""
    paths: list[str] = []
    for item in inputs:
        if isinstance(item, Document):
            if paths:
                yield paths
                paths = []
            yield item
        else:
            paths.append(os.fspath(item))
            if len(paths) >= batch_size:
                yield paths
                paths = []
    if paths:
        yield paths


def read_documents(inputs: Iterable, stdin: BinaryIO | None, options: Options) -> Iterator[Document]:
    """A run's inputs read here, in order, the run's ids given (a given
    Document keeps its own)."""
    ids = IdAllocator()
    fields = RecordFields.of(options)
    for group in input_groups(inputs, options.batch_size):
        if isinstance(group, Document):
            ids.allocate(group.id)
            yield group
        else:
            yield from readers.documents(group, stdin=stdin, max_bytes=options.max_bytes, ids=ids, fields=fields,
                                         input_format=options.input_format)


def part_jobs(inputs: Iterable, stdin: BinaryIO | None, options: Options, spool: bool,
              size: Callable[[], int], min_parts: int = 1, largest: int | None = None
              ) -> Iterator[tuple[list[bool] | None, Job]]:
    """(tag, job) for a run whose tasks read their inputs: a Part a job (a
    file in `min_parts` at least, when large enough, parts of `largest`
    bytes at most: readers.parts), page
    files and given Documents in batches of `size()`. The tag says which
    documents were given (their ids are theirs); None for a Part."""
    fields = RecordFields.of(options)
    batch: list[Document] = []
    given: list[bool] = []
    limit = size()

    def items() -> Iterator[tuple[Document | readers.Part, bool]]:
        for group in input_groups(inputs, options.batch_size):
            if isinstance(group, Document):
                yield group, True
                continue
            for item in readers.parts(group, stdin=stdin, max_bytes=options.max_bytes, fields=fields,
                                      input_format=options.input_format, min_parts=min_parts, largest=largest):
                yield item, False

    for item, is_given in items():
        if isinstance(item, readers.Part):
            if batch:
                yield given, (batch, options, spool)
                batch, given, limit = [], [], size()
            yield None, ([item], options, spool)
            continue
        batch.append(item)
        given.append(is_given)
        if len(batch) >= limit:
            yield given, (batch, options, spool)
            batch, given, limit = [], [], size()
    if batch:
        yield given, (batch, options, spool)


def read_parts(items: list, options: Options) -> list[Document]:
    """A job's documents, a Part read here into its records (in a task). A
    part that breaks the reader keeps the records read before, and fails as
    one more document."""
    if not any(isinstance(item, readers.Part) for item in items):
        return items
    fields, docs = RecordFields.of(options), []
    for item in items:
        if not isinstance(item, readers.Part):
            docs.append(item)
            continue
        try:
            docs.extend(readers.part_documents(item, options.max_bytes, fields))
        except Exception as exc:  # one broken part must never stop a run
            where = f"{item.shown}@{item.start}"
            docs.append(Document(id=where, source=where).fail(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}"))
    return docs


def allocate_ids(ids: IdAllocator, given: list[bool] | None, batch: list[Document] | SpooledBatch) -> None:
    """The run's ids for a task's documents (which have the ids they want),
    in input order: one already taken gets its suffix, as when the inputs
    are read here; a given Document keeps its own."""
    wanted = batch.ids if isinstance(batch, SpooledBatch) else [doc.id for doc in batch]
    renamed = {}
    for at, name in enumerate(wanted):
        final = ids.allocate(name)
        if final != name and not (given and given[at]):
            renamed[at] = final
    if not renamed:
        return
    if isinstance(batch, SpooledBatch) and not batch.lines:  # the cluster keeps them: renamed when written
        for at, name in renamed.items():
            batch.ids[at] = name
        batch.renamed = renamed
        return
    if not isinstance(batch, SpooledBatch):
        for at, name in renamed.items():
            batch[at].id = name
        return
    lines = batch.lines.split(b"\n")
    for at, name in renamed.items():
        doc = parse_line(lines[at])
        doc.id = batch.ids[at] = name
        lines[at] = spool_line(doc)[:-1]
    batch.lines = b"\n".join(lines)
