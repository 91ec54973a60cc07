"""The persistent near-duplicate index: what every store keeps, and the small
interface the pipeline uses (stores: sqlite_store.py on local disk, the
default; redis_store.py, shared by several machines).

What is kept of a document: its id, the run that added it, the kept document
of its group (`root`, a sequence number), its shingle-set size, its 42 LSH
band hashes (32 bits each) and a b-bit MinHash signature (the low 16 bits of
each of its 128 values, enough to verify a candidate: two different values
agree there by chance once in 65,536, which the estimate corrects for).
Documents are numbered in the order they were added (`seq`), across runs, so
"earlier" is a comparison of numbers.

A run uses a store in this order: `begin` (takes the store's write lock, so
that two runs never both keep the same story), `band_entries` and
`documents` (the candidates and what verifying them needs), `add`, then
`commit` (or `abort`). Only `add`, `commit` and `abort` write.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from typing import Protocol

import numpy as np

from . import minhash

FORMAT_VERSION = 1
# The tokenisation signatures are made of (cleaner.tokens: casefolded NFC
# words, and characters in scripts written without spaces); a change to it
# gets a new name here.
TOKENISATION = "words+unspaced-chars/1"
SIGNATURE_BITS = 16
_B_BIT_CHANCE = 1.0 / (1 << SIGNATURE_BITS)


class IndexProblem(Exception):
    """An index that cannot be used as asked: not an index, damaged, of other
    parameters, of a newer format, or unreachable. Its message says what to do."""


@dataclass(frozen=True)
class IndexParameters:
    """What makes two signatures comparable; stored with the index, and a run
    whose options differ is refused."""

    num_perm: int
    ngram: int
    seed: int
    bands: int
    rows: int
    scheme: str = minhash.SCHEME
    tokens: str = TOKENISATION
    signature_bits: int = SIGNATURE_BITS

    @classmethod
    def of(cls, options) -> "IndexParameters":
        from .index import lsh_bands

        bands, rows = lsh_bands(options.threshold, options.num_perm)
        return cls(options.num_perm, options.ngram, options.seed, bands, rows)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, stored: dict) -> "IndexParameters":
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in stored.items() if k in names})

    def refuse_other(self, wanted: "IndexParameters", location: str) -> None:
        """Raise IndexProblem when a run's parameters would make signatures
        that cannot be compared with the stored ones."""
        differing = [(name, getattr(self, name), getattr(wanted, name)) for name in self.as_dict()
                     if getattr(self, name) != getattr(wanted, name)]
        if not differing:
            return
        said = "; ".join(f"{name} is {stored} there, {asked} here" for name, stored, asked in differing)
        hint = (" (bands and rows follow from --threshold and --num-perm: use the index's --threshold)"
                if {"bands", "rows"} & {name for name, _, _ in differing} else "")
        raise IndexProblem(f"{location} was built with other parameters: {said}{hint}. Its signatures "
                           "cannot be compared with this run's; use the same options or another index.")


@dataclass
class IndexedDocuments:
    """What verification needs of indexed documents (rows in the order asked,
    removed documents left out)."""

    seqs: np.ndarray  # int64
    ids: list[str]
    runs: np.ndarray  # int64, the run that added each
    roots: np.ndarray  # int64, seq of the kept document of its group (itself when kept)
    sizes: np.ndarray  # int64, shingle-set sizes
    signatures: np.ndarray  # uint16, documents x num_perm


@dataclass
class NewDocuments:
    """A run's documents for the index, in input order. A document's group is
    kept either by an earlier document (`root_seqs` >= 0) or by a document of
    this run (`root_positions`, an index into these documents)."""

    ids: list[str]
    root_positions: np.ndarray  # int64, -1 when the root is an earlier document
    root_seqs: np.ndarray  # int64, -1 when the root is of this run
    sizes: np.ndarray  # int64
    bands: np.ndarray  # uint32, documents x bands
    signatures: np.ndarray  # uint16, documents x num_perm


class IndexStore(Protocol):
    """A persistent near-duplicate index (see the module's docstring for the order of calls)."""

    location: str
    parameters: IndexParameters

    def begin(self, token: str, label: str, write: bool = True) -> int:
        """Start a run: with `write`, wait for the write lock and take out what
        an earlier attempt of the same run (`token`, kept in the run's journal)
        added. Returns the run's number."""

    def band_entries(self, band: int) -> Iterator[tuple[np.ndarray, np.ndarray | int]]:
        """Every indexed (band hash, seq) of one band, in chunks: uint32
        hashes, and their int64 seqs or, when they are consecutive, the first
        (no array to make for a million entries of which few are wanted);
        removed documents may be among them."""

    def documents(self, seqs: np.ndarray) -> IndexedDocuments:
        """The indexed documents with these seqs (removed ones left out)."""

    def add(self, run: int, documents: NewDocuments) -> np.ndarray:
        """Add a run's documents (not visible to others before `commit`);
        returns their seqs."""

    def commit(self, run: int, documents: int, outputs: list[str]) -> None:
        """Make the run's additions durable and visible; release the lock."""

    def abort(self) -> None:
        """Undo what the run added, if anything; release the lock."""

    def remove(self, ids: list[str]) -> int:
        """Take documents out by id; returns how many were indexed."""

    def runs(self) -> list[dict]:
        """The committed runs, in order: run, label, started, finished,
        documents, outputs (where their texts were written)."""

    def stats(self) -> dict:
        """Documents, runs, size on disk or in memory, parameters, format
        (may read the whole index: a command's figures, not a run's)."""

    def close(self) -> None:
        """Release the store (and the lock, if a run still holds it)."""


def low_bits(signatures: np.ndarray) -> np.ndarray:
    """The b-bit signature kept by the index: the low 16 bits of each value."""
    return (np.asarray(signatures, dtype=np.uint32) & 0xFFFF).astype(np.uint16)


def b_bit_jaccard(agreement: np.ndarray | float) -> np.ndarray | float:
    """Estimated Jaccard from the share of agreeing 16-bit values: two
    different values agree with chance 2^-16, so J = (a - c) / (1 - c)."""
    return np.maximum(0.0, (np.asarray(agreement, dtype=np.float64) - _B_BIT_CHANCE) / (1 - _B_BIT_CHANCE))


def open_index(location: str, parameters: IndexParameters | None = None, create: bool = True) -> IndexStore:
    """The store at `location`: redis:// or rediss:// URLs are Redis, anything
    else a file path (SQLite). `parameters` are checked against the stored
    ones (and stored in a new index)."""
    if location.startswith(("redis://", "rediss://", "unix://")):
        from .redis_store import RedisStore

        return RedisStore(location, parameters, create=create)
    from .sqlite_store import SqliteStore

    return SqliteStore(location, parameters, create=create)
