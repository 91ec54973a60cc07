"""The per-document stages wired together: what a worker runs on a batch.

    load → decode → extract (HTML) or clean (text dump) → site keys → language → fingerprint

Each is a pure function of one document (or of a batch, vectorised) that
never raises: a failure becomes the document's reason, and one broken
document never stops a batch. `process_batch` is the unit the local process
pool (and, later, a cluster) runs, unchanged.
"""

from __future__ import annotations

import time
from array import array

import numpy as np

from .. import chrome, encoding, extract, language
from ..chrome.site_parts import split_by_site
from ..chrome.sites import paragraph_keys
from ..dedup.candidates import band_hashes, lsh_bands, split_by_hash
from ..dedup.index import fingerprints
from ..document import (
    EMPTY_AFTER_CLEANING,
    EMPTY_INPUT,
    INTERNAL_ERROR,
    NOT_TEXT,
    Document,
    Options,
)
from ..io import readers
from .batches import SpooledBatch, read_parts, spooled_batch


def decode_stage(doc: Document) -> Document:
    """Bytes → NFC text, recording the encoding decision."""
    raw = doc.raw or b""
    doc.bytes_in = len(raw)
    if not raw.strip():
        return doc.drop(EMPTY_INPUT, "the input is empty")
    if encoding.is_probably_binary(raw):
        return doc.drop(NOT_TEXT, "binary content, not text or HTML")
    decoded = encoding.decode(raw, doc.content_type)
    doc.raw = None
    doc.text = decoded.text
    doc.encoding = decoded.encoding
    doc.encoding_method = decoded.method
    doc.confidence = decoded.confidence
    doc.repairs = decoded.repairs
    doc.chars_in = len(decoded.text)
    return doc


def extract_stage(doc: Document, options: Options) -> Document:
    """HTML → main text (the block model) and metadata, then cleaner's chrome
    rules on the text; a text dump goes through the chrome rules alone."""
    if extract.is_html(doc.text):
        doc.format = "html"
        page = extract.extract_html(doc.text, favor_precision=options.favor_precision,
                                    favor_recall=options.favor_recall, explain=options.explain)
        cleaned = chrome.clean_text(page.text, html=True, title=page.title, navigation=page.whole_page)
        doc.title = page.title or cleaned.title
        doc.date = page.date or cleaned.date
        doc.url, doc.site = doc.url or page.url, doc.site or page.site  # a crawl's own URL first
    else:
        doc.format = "text"
        cleaned = chrome.clean_text(doc.text)
        doc.title, doc.date = cleaned.title, cleaned.date
    doc.text = cleaned.text
    doc.chars_out = len(doc.text)
    doc.removed = chrome.removed_by_rule(cleaned.decisions) or None
    if options.explain:
        lines = [{"line": d.index + 1, "text": d.text, "keep": d.keep, "rule": d.rule,
                  "evidence": d.evidence, "output": d.output} for d in cleaned.decisions]
        blocks = page.blocks if doc.format == "html" else None
        doc.explain = [d for d in (_with_blocks(lines, blocks) if blocks else lines) if d["text"].strip()]
    if not doc.text.strip():
        return doc.drop(EMPTY_AFTER_CLEANING, "no article text left after removing chrome")
    return doc


def _with_blocks(lines: list[dict], blocks: list[extract.BlockVerdict]) -> list[dict]:
    """The chrome rules' line decisions with the blocks the extraction left
    out in their places (line None): each kept block holds the next lines of
    the extracted text, one per line of the block."""
    kept_p = [b.probability for b in blocks if b.kept and b.why == "model"]
    cut = min(kept_p) if kept_p else 1.0
    out, at = [], 0
    for block in blocks:
        if block.kept:
            count = block.text.count("\n") + 1
            out.extend(lines[at:at + count])
            at += count
        else:
            rule, evidence = _left_out(block, cut)
            out.append({"line": None, "text": block.text, "keep": False, "rule": rule,
                        "evidence": evidence, "output": None})
    out.extend(lines[at:])
    return out


def _left_out(block: extract.BlockVerdict, cut: float) -> tuple[str, str]:
    """The explain rule and evidence of a block the extraction left out."""
    if block.why == "no words":
        return "block_no_words", "no word in it (a separator)"
    if block.why == "repeat":
        return "block_repeat", "repeats a kept block word for word"
    if block.why == "related":
        return "block_related", (f"p={block.probability:.2f}; one of consecutive headline links between "
                                 "paragraphs of the text")
    return "block_model", f"p={block.probability:.2f}, the page keeps p ≥ {cut:.2f}"


def language_batch(docs: list[Document]) -> list[Document]:
    """Language of each clean text that does not have one yet (a Document
    given as input may), in one call (the compiled walk is faster over many
    texts). A text it fails on fails alone."""
    todo = [d for d in docs if d.ok and not d.language]
    try:
        detected = language.detect_batch([d.text for d in todo])
    except Exception:  # find which document it was; the others still get theirs
        detected = []
        for doc in todo:
            try:
                detected.append(language.detect(doc.text))
            except Exception as exc:
                doc.fail(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
                detected.append(None)
    for doc, code in zip(todo, detected):
        doc.language = code
    return docs


def fingerprint_batch(docs: list[Document], options: Options) -> list[Document]:
    """MinHash signatures of a batch's clean texts, in one vectorised pass
    (site learning uses them too: near-duplicates count once per site)."""
    ready = [d for d in docs if d.ok]
    if (options.dedup or options.site_learning) and ready:
        sigs, counts = fingerprints([d.text for d in ready], options.num_perm, options.ngram, options.seed)
        for doc, sig, count in zip(ready, sigs, counts):
            doc.signature, doc.shingle_count = sig, int(count)
    return docs


def process_document(doc: Document, options: Options) -> Document:
    """Every stage up to the language of the text (no signature); never
    raises: failures become a reason."""
    return language_batch([_read_and_clean(doc, options)])[0]


def _read_and_clean(doc: Document, options: Options) -> Document:
    """Load, decode, extract and clean one document; never raises."""
    try:
        doc = readers.load(doc, options.max_bytes)
        if doc.ok:
            doc = decode_stage(doc)
        if doc.ok:
            doc = extract_stage(doc, options)
        if doc.ok and options.site_learning:
            doc.site_keys = paragraph_keys(doc.text)
    except Exception as exc:  # one broken document must never stop a run
        doc.fail(INTERNAL_ERROR, f"{type(exc).__name__}: {exc}")
    doc.raw = None
    return doc


def process_job(job: tuple[list[Document], Options, bool]) -> tuple[list[Document] | SpooledBatch, float]:
    """A worker's batch, and the seconds it took (batches are sized by it).
    With `spool` (the corpus passes), the batch comes back as a SpooledBatch:
    the journal lines made here and the few figures pass A reads, instead of
    the Documents (see batches.py). A part of a crawl or record file in the
    batch is read here into its records."""
    started = time.perf_counter()
    docs, options, spool = job
    docs = process_batch(read_parts(docs, options), options)
    result = spooled_batch(docs) if spool else docs
    return result, time.perf_counter() - started


def process_job_partitioned(payload: tuple, partitions: int) -> tuple[tuple, list]:
    """`process_job`, with rows of its batch split for the cluster's shuffles
    (`partitions` parts in all, which the cluster keeps): its site rows by
    site into `site_partitions` parts (site learning reduced by site), then
    its signed documents' band hashes by hash into `band_partitions` parts
    (near-duplicate candidates found by partition) and their signatures as
    one more part (verified there: run/cluster/bands.py), then, with
    `keep_records`, its journal lines as one part (uint8; the cluster's
    tasks write them: run/cluster/records.py)."""
    job, site_partitions, band_partitions, keep_records = payload
    batch, seconds = process_job(job)
    parts: list = []
    if site_partitions:
        parts += split_by_site(batch.sites, batch.key_counts, batch.keys, site_partitions)
        batch.sites, batch.key_counts, batch.keys = [], array("L"), array("Q")  # (they are in the parts)
    if band_partitions:
        options = job[1]
        hashes = band_hashes(batch.signatures, *lsh_bands(options.threshold, options.num_perm))
        parts += split_by_hash(batch.signed, hashes, band_partitions)
        parts.append((batch.signed, batch.signatures, batch.shingle_counts, batch.chars_out, batch.dates))
        batch.signatures = batch.signatures[:, :0]  # (the index here keeps none)
    if keep_records:
        # (an array: a task reading it maps it from the object store, without a copy)
        parts.append(np.frombuffer(batch.lines, dtype=np.uint8))
        batch.lines = b""
    return (batch, seconds), parts


def part_widths(site_partitions: int, band_partitions: int, keep_records: bool) -> tuple[int, int, int]:
    """How many of a map task's parts are site rows, band hashes (with the
    signatures), and journal lines (process_job_partitioned)."""
    return site_partitions, band_partitions + 1 if band_partitions else 0, int(keep_records)


def process_batch(docs: list[Document], options: Options) -> list[Document]:
    """The per-document stages over a batch, then its languages and signatures:
    the unit a worker process runs."""
    return fingerprint_batch(language_batch([_read_and_clean(doc, options) for doc in docs]), options)
