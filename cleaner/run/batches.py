"""A processed batch as the corpus passes receive it: journal lines and arrays.

Pass A needs little of a processed document in the main process: its journal
line (written out as it is), its signature and a few numbers for the
near-duplicate index, its site and paragraph keys for site learning, and what
the run's figures count. A worker sends exactly that for a whole batch, in a
few objects, instead of the Documents: the main process, which shares the
cores with the workers, no longer unpickles a Document per input (~14 µs)
nor walks them one by one. `add_to_index` and `update_index` hand a batch's
signatures to the run's near-duplicate index.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass

import numpy as np

from ..chrome.sites import site_of
from ..dedup.index import CorpusIndex, date_number
from ..document import Document, Options
from .journal import spool_line


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
    return SpooledBatch(
        ids=[d.id for d in docs],
        lines=b"".join([spool_line(d) for d in docs]) if journal_lines else b"",
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


def update_index(index: CorpusIndex, edited: list[tuple[int, Document]], options: Options) -> None:
    """Edited documents' new signatures into the index; those left without
    text or words leave it."""
    from .stages import fingerprint_batch  # (stages makes batches: imported here, not at the top)

    fingerprint_batch([doc for _, doc in edited], options)
    signed = [(key, d) for key, d in edited if d.ok and d.signature is not None and d.shingle_count > 0]
    index.update(np.array([k for k, _ in signed], dtype=np.int64),
                 np.array([d.signature for _, d in signed], dtype=np.uint32).reshape(len(signed), -1),
                 np.array([d.shingle_count for _, d in signed], dtype=np.int64),
                 np.array([d.chars_out for _, d in signed], dtype=np.int64))
    kept = {key for key, _ in signed}
    index.remove(np.array([key for key, _ in edited if key not in kept], dtype=np.int64))
