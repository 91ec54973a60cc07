"""Near-duplicate reports: MinHash signatures of the clean text, LSH candidates,
verification, and groups.

Signatures are computed per document by a pure function (`signature`), so they
can be made in worker processes; grouping needs the corpus and goes through a
`NearDuplicateIndex` (add/query), kept in memory today. Signatures are exactly
datasketch's `MinHash(num_perm, seed, scheme="affine32")` fed the word n-gram shingles, so they can
be loaded into datasketch's own LSH and storage.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

WORD = re.compile(r"\w+")
# datasketch's permutation scheme (its default since 2.0): 32-bit values.
SCHEME = "affine32"


def tokens(text: str) -> list[str]:
    """Word tokens of NFC, casefolded text (the tokens the eval scorers use)."""
    return WORD.findall(unicodedata.normalize("NFC", text).casefold())


def shingles(text: str, ngram: int) -> list[bytes]:
    """Word n-grams as UTF-8 bytes; a text shorter than n is one shingle."""
    words = tokens(text)
    if not words:
        return []
    if len(words) < ngram:
        return [" ".join(words).encode("utf-8")]
    return [" ".join(words[i:i + ngram]).encode("utf-8") for i in range(len(words) - ngram + 1)]


def signature(text: str, num_perm: int = 128, ngram: int = 3, seed: int = 1) -> np.ndarray | None:
    """MinHash signature (uint32 per permutation) of `text`, or None for no words."""
    from datasketch import MinHash

    grams = shingles(text, ngram)
    if not grams:
        return None
    minhash = MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME,
                      permutations=_permutations(num_perm, seed))
    minhash.update_batch(grams)
    return np.asarray(minhash.hashvalues, dtype=np.uint32)


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int):
    """datasketch draws its permutations from a seeded generator on every
    MinHash(); drawing them once per (num_perm, seed) gives the same values."""
    from datasketch import MinHash

    return MinHash(num_perm=num_perm, seed=seed, scheme=SCHEME).permutations


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of permutations on which two signatures agree: estimates Jaccard."""
    return float(np.count_nonzero(a == b)) / len(a)


@dataclass
class Match:
    key: int
    similarity: float


class NearDuplicateIndex:
    """In-memory LSH index over signatures, with verification of every candidate.

    Interface (kept small so an on-disk or Redis index can stand in later):
    `add(key, signature)`, `query(signature) -> [Match]`.
    LSH bands are tuned to a lower threshold than the one verified, so that
    pairs near the threshold are still proposed as candidates.
    """

    def __init__(self, threshold: float, num_perm: int, seed: int = 1) -> None:
        from datasketch import MinHashLSH

        self.threshold = threshold
        self.num_perm = num_perm
        self.seed = seed
        self._lsh = MinHashLSH(threshold=max(0.05, threshold - 0.1), num_perm=num_perm)
        self._signatures: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self._signatures)

    def _minhash(self, sig: np.ndarray):
        from datasketch import LeanMinHash

        return LeanMinHash(seed=self.seed, hashvalues=sig, scheme=SCHEME)

    def query(self, sig: np.ndarray) -> list[Match]:
        """Verified near-duplicates of `sig` among the documents added so far."""
        matches = []
        for key in self._lsh.query(self._minhash(sig)):
            similarity = estimated_jaccard(sig, self._signatures[key])
            if similarity >= self.threshold:
                matches.append(Match(key, similarity))
        return sorted(matches, key=lambda m: m.key)

    def add(self, key: int, sig: np.ndarray) -> None:
        self._lsh.insert(key, self._minhash(sig))
        self._signatures[key] = sig

    def signature_of(self, key: int) -> np.ndarray:
        return self._signatures[key]

    def get(self, key: int) -> np.ndarray | None:
        """The signature added under `key`, or None."""
        return self._signatures.get(key)


class UnionFind:
    """Groups of document keys; the smallest key of a group is its root."""

    def __init__(self) -> None:
        self._parent: dict[int, int] = {}

    def find(self, key: int) -> int:
        parent = self._parent
        root = parent.setdefault(key, key)
        while parent[root] != root:
            root = parent[root]
        while parent[key] != root:  # path compression, iteratively: chains can be long
            parent[key], key = root, parent[key]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)

    def groups(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = {}
        for key in self._parent:
            out.setdefault(self.find(key), []).append(key)
        return {root: sorted(keys) for root, keys in out.items() if len(keys) > 1}


@dataclass
class Grouping:
    """Outcome of deduplication for a run: for each document key, its group root
    (the kept document) and its estimated similarity to it."""

    root_of: dict[int, int] = field(default_factory=dict)
    similarity: dict[int, float] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=dict)


class Deduplicator:
    """Feeds documents (in input order) through the index and groups them.

    Keep policy: the first document of a group in input order is kept; the
    others point to it with `duplicate_of`.
    """

    def __init__(self, threshold: float, num_perm: int, seed: int = 1) -> None:
        self.index = NearDuplicateIndex(threshold, num_perm, seed)
        self.union = UnionFind()

    def add(self, key: int, sig: np.ndarray | None) -> None:
        if sig is None:
            return
        for match in self.index.query(sig):
            self.union.union(key, match.key)
        self.index.add(key, sig)

    def grouping(self) -> Grouping:
        result = Grouping()
        for root, keys in self.union.groups().items():
            result.members[root] = keys
            root_sig = self.index.signature_of(root)
            for key in keys:
                result.root_of[key] = root
                if key != root:
                    result.similarity[key] = round(
                        estimated_jaccard(self.index.signature_of(key), root_sig), 4)
        return result
