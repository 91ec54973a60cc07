"""The pipeline: stages wired together, and the library API the CLI sits on.

    read → decode → extract (HTML) → clean (chrome) → fingerprint → group → write

Stages up to fingerprint are pure functions of one document, applied to
batches (`process_batch`), so a process pool or a cluster can run them
unchanged. Grouping needs the whole corpus: processed records are spooled to a
temporary file while only their signatures stay in memory, then read back in
input order with the duplicate fields filled in. Without dedup, documents
stream straight through.
"""

from __future__ import annotations

import itertools
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from . import chrome, encoding, extract
from .dedup import Deduplicator, Grouping, signature
from .document import (DUPLICATE_DROPPED, EMPTY_AFTER_CLEANING, EMPTY_INPUT, INTERNAL_ERROR,
                       NOT_TEXT, Document, Options)
from .io import readers
from .stats import RunStats

Input = str | os.PathLike | Document
ProgressCallback = Callable[[int, int], None]


def decode_stage(doc: Document) -> Document:
    """Bytes → NFC text, recording the encoding decision."""
    raw = doc.raw or b""
    doc.bytes_in = len(raw)
    if not raw.strip():
        return doc.drop(EMPTY_INPUT, "the input is empty")
    if encoding.is_probably_binary(raw):
        return doc.drop(NOT_TEXT, "binary content, not text or HTML")
    decoded = encoding.decode(raw)
    doc.raw = None
    doc.text = decoded.text
    doc.encoding = decoded.encoding
    doc.encoding_method = decoded.method
    doc.confidence = decoded.confidence
    doc.repairs = decoded.repairs
    doc.chars_in = len(decoded.text)
    return doc


def extract_stage(doc: Document, options: Options) -> Document:
    """HTML → main text and metadata (trafilatura), then cleaner's chrome rules
    on the text; a text dump goes through the chrome rules alone."""
    if extract.is_html(doc.text):
        doc.format = "html"
        page = extract.extract_html(doc.text, favor_precision=options.favor_precision,
                                    favor_recall=options.favor_recall)
        cleaned = chrome.clean_text(page.text, leading_nav=False, title=page.title)
        doc.title = page.title or cleaned.title
        doc.date = page.date or cleaned.date
        doc.url, doc.site, doc.language = page.url, page.site, page.language
    else:
        doc.format = "text"
        cleaned = chrome.clean_text(doc.text)
        doc.title, doc.date = cleaned.title, cleaned.date
    doc.text = cleaned.text
    doc.chars_out = len(doc.text)
    if not doc.text.strip():
        return doc.drop(EMPTY_AFTER_CLEANING, "no article text left after removing chrome")
    return doc


def fingerprint_stage(doc: Document, options: Options) -> Document:
    if options.dedup:
        doc.signature = signature(doc.text, options.num_perm, options.ngram, options.seed)
    return doc


def process_document(doc: Document, options: Options) -> Document:
    """Every per-document stage; never raises: failures become a reason."""
    try:
        doc = readers.load(doc, options.max_bytes)
        if doc.ok:
            doc = decode_stage(doc)
        if doc.ok:
            doc = extract_stage(doc, options)
        if doc.ok:
            doc = fingerprint_stage(doc, options)
    except Exception as exc:  # one broken document must never stop a run
        doc.fail(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
    doc.raw = None
    return doc


def process_batch(docs: list[Document], options: Options) -> list[Document]:
    """The per-document stages over a batch: the unit a worker process runs."""
    return [process_document(doc, options) for doc in docs]


def _documents(inputs: Iterable[Input], stdin: BinaryIO | None,
               options: Options) -> Iterator[Document]:
    ids = readers.IdAllocator()
    paths: list[str] = []

    def flush() -> Iterator[Document]:
        yield from readers.documents(paths, stdin=stdin, max_bytes=options.max_bytes, ids=ids)
        paths.clear()

    for item in inputs:
        if isinstance(item, Document):
            yield from flush()
            ids.allocate(item.id)
            yield item
        else:
            paths.append(os.fspath(item))
            if len(paths) >= 1024:
                yield from flush()
    yield from flush()


def _batched(items: Iterable[Document], size: int) -> Iterator[list[Document]]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


class CleanRun:
    """An iterable over every input document, in input order, each one kept,
    flagged, dropped or failed; `stats` holds the run's figures."""

    def __init__(self, inputs: Iterable[Input], options: Options | None = None, *,
                 stdin: BinaryIO | None = None,
                 on_progress: ProgressCallback | None = None) -> None:
        self.inputs = inputs
        self.options = options or Options()
        self.stdin = stdin
        self.on_progress = on_progress
        self.stats = RunStats()

    def _processed(self) -> Iterator[Document]:
        docs = _documents(self.inputs, self.stdin, self.options)
        for batch in _batched(docs, self.options.batch_size):
            for doc in process_batch(batch, self.options):
                self.stats.count_read(doc)
                yield doc
            if self.on_progress:
                self.on_progress(self.stats.read, self.stats.bytes_in)

    def __iter__(self) -> Iterator[Document]:
        if self.options.dedup:
            yield from self._grouped()
        else:
            for doc in self._processed():
                self.stats.count_result(doc)
                yield doc
        self.stats.finish()

    def _grouped(self) -> Iterator[Document]:
        options = self.options
        dedup = Deduplicator(options.threshold, options.num_perm, options.seed)
        ids: list[str] = []
        with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
            for doc in self._processed():
                if doc.ok:
                    dedup.add(len(ids), doc.signature)
                ids.append(doc.id)
                spool.write(json.dumps(doc.spool_record(), ensure_ascii=False) + "\n")
            grouping = dedup.grouping()
            self.stats.clusters = _clusters(grouping, ids)
            spool.seek(0)
            for key, line in enumerate(spool):
                doc = Document.from_spool(json.loads(line))
                _mark_duplicate(doc, key, grouping, ids, options)
                self.stats.count_result(doc)
                yield doc


def _mark_duplicate(doc: Document, key: int, grouping: Grouping, ids: list[str],
                    options: Options) -> None:
    root = grouping.root_of.get(key)
    if root is None:
        return
    doc.cluster = ids[root]
    if root != key:
        doc.duplicate_of = ids[root]
        doc.similarity = grouping.similarity[key]
        if options.drop_duplicates:
            doc.drop(DUPLICATE_DROPPED, f"near-duplicate of {ids[root]}")


def _clusters(grouping: Grouping, ids: list[str]) -> list[dict]:
    clusters = []
    for root, members in sorted(grouping.members.items()):
        clusters.append({
            "cluster": ids[root],
            "kept": ids[root],
            "size": len(members),
            "members": [{"id": ids[k], "similarity": grouping.similarity.get(k, 1.0)}
                        for k in members],
        })
    return clusters


def clean(inputs: Iterable[Input], options: Options | None = None, **kwargs) -> CleanRun:
    """Clean and deduplicate documents: paths (files, directories, globs, "-")
    or `Document`s with `raw` bytes. Iterate the result for documents in input
    order; its `stats` holds the figures once iteration ends.

    >>> run = clean(["samples/"])                               # doctest: +SKIP
    >>> kept = [d for d in run if d.ok and d.duplicate_of is None]  # doctest: +SKIP
    """
    return CleanRun(inputs, options, **kwargs)
