"""MinHash signatures for batches of documents, vectorised with numpy.

Shingles are n-grams of the tokens of cleaner.tokens (word n-grams, and
character n-grams in scripts written without spaces). Nothing runs per token
in Python:
  * code points come from one `encode("utf-32-le")`, word characters from a
    lookup table;
  * a token's hash is a polynomial over its code points (mod 2^64), read off
    prefix sums;
  * a shingle's hash combines n token hashes, folded to 32 bits;
  * signatures are datasketch's "affine32" permutations of those hashes
    (`fmix32`, then `a*h + b mod 2^32`), minimised per document with
    `np.minimum.reduceat`.
`datasketch.MinHash(num_perm, seed, scheme="affine32", hashfunc=int)` fed the
same shingle hashes gives bit-identical signatures (tests/dedup/test_dedup.py), so
signatures can go into datasketch's own LSH and storage.
`shingle_hash` is the scalar reference of the same hash, for one shingle.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..tokens import UNSPACED, WORD, char_flags, kernel_table, normalise

# The compiled kernel (cleaner/_native/_fingerprint.c) computes `fingerprints` in one
# pass per text; without it (no C compiler at install) the numpy path does.
try:
    from .._native import _fingerprint as _kernel
except ImportError:  # pragma: no cover - depends on the build
    _kernel = None

# Odd multipliers for the polynomial hashes (mod 2^64) and their inverses.
_P = 0x9E3779B97F4A7C15  # token hash: code points
_Q = 0xC2B2AE3D27D4EB4F  # shingle hash: token hashes
_P_INV = pow(_P, -1, 1 << 64)
_MASK64 = (1 << 64) - 1
_MASK32 = (1 << 32) - 1
SEPARATOR = "\n"
# datasketch's name for the permutation scheme the signatures follow.
SCHEME = "affine32"
UINT32_MAX = np.uint32(_MASK32)

def token_hash(token: str) -> int:
    """Scalar reference: polynomial hash of a token's code points, mod 2^64."""
    h, power = 0, 1
    for ch in token:
        h = (h + ord(ch) * power) & _MASK64
        power = (power * _P) & _MASK64
    return h


def _fold(value: int) -> int:
    """fmix64 (MurmurHash3's finaliser), then the low 32 bits."""
    value ^= value >> 33
    value = (value * 0xFF51AFD7ED558CCD) & _MASK64
    value ^= value >> 33
    value = (value * 0xC4CEB9FE1A85EC53) & _MASK64
    value ^= value >> 33
    return value & _MASK32


def shingle_hash(shingle_tokens: list[str]) -> int:
    """Scalar reference: the 32-bit hash of one shingle (its tokens in order)."""
    h, power = 0, 1
    for token in shingle_tokens:
        h = (h + token_hash(token) * power) & _MASK64
        power = (power * _Q) & _MASK64
    return _fold(h)


@dataclass
class Shingles:
    """Shingle hashes of a batch: `hashes[starts[i]:starts[i+1]]` belong to document i."""

    hashes: np.ndarray  # uint32
    starts: np.ndarray  # int64, len = documents + 1

    def of(self, i: int) -> np.ndarray:
        return self.hashes[self.starts[i]:self.starts[i + 1]]


_POWERS: dict[int, np.ndarray] = {}


def _powers(base: int, count: int) -> np.ndarray:
    """base^0 .. base^(count-1) mod 2^64, cached and grown as batches need."""
    have = _POWERS.get(base)
    if have is None or len(have) < count:
        size = max(count, 2 * len(have) if have is not None else 1 << 16)
        out = np.full(size, base, dtype=np.uint64)
        out[0] = 1
        with np.errstate(over="ignore"):
            have = _POWERS[base] = np.cumprod(out, dtype=np.uint64)
    return have[:count]


def _fold_array(values: np.ndarray) -> np.ndarray:
    v = values.copy()
    v ^= v >> np.uint64(33)
    v *= np.uint64(0xFF51AFD7ED558CCD)
    v ^= v >> np.uint64(33)
    v *= np.uint64(0xC4CEB9FE1A85EC53)
    v ^= v >> np.uint64(33)
    return (v & np.uint64(_MASK32)).astype(np.uint32)


def shingle_batch(texts: list[str], ngram: int) -> Shingles:
    """Shingle hashes of every text, in one vectorised pass over the batch."""
    normalised = [normalise(t) for t in texts]
    joined = SEPARATOR.join(normalised) + SEPARATOR
    cps = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    flags = char_flags(cps)
    word = (flags & WORD).astype(bool)
    unspaced = (flags & UNSPACED).astype(bool)
    # A token starts at a word character after a non-word one, and at every
    # unspaced character; it ends likewise. Separators end every document.
    previous_word = np.concatenate(([False], word[:-1]))
    previous_unspaced = np.concatenate(([False], unspaced[:-1]))
    starts_mask = word & (~previous_word | unspaced | previous_unspaced)
    next_word = np.concatenate((word[1:], [False]))
    next_unspaced = np.concatenate((unspaced[1:], [False]))
    ends_mask = word & (~next_word | unspaced | next_unspaced)
    token_starts = np.flatnonzero(starts_mask)
    token_ends = np.flatnonzero(ends_mask) + 1

    with np.errstate(over="ignore"):
        power = _powers(_P, len(cps) + 1)
        inverse = _powers(_P_INV, len(cps) + 1)
        prefix = np.zeros(len(cps) + 1, dtype=np.uint64)
        np.cumsum(cps.astype(np.uint64) * power[:-1], dtype=np.uint64, out=prefix[1:])
        token_hashes = (prefix[token_ends] - prefix[token_starts]) * inverse[token_starts]

    # Tokens per document: documents are separated by one separator each.
    text_ends = np.cumsum([len(t) + 1 for t in normalised])  # position after each separator
    token_doc = np.searchsorted(text_ends, token_starts, side="right")
    counts = np.bincount(token_doc, minlength=len(texts))
    first = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return _shingles(token_hashes, first, counts, ngram)


def _shingles(token_hashes: np.ndarray, first: np.ndarray, counts: np.ndarray, n: int) -> Shingles:
    """n-gram hashes per document; a document shorter than n is one shingle.

    n-grams are combined over the whole batch's token array with contiguous
    slices (no gathers), then those that cross a document boundary are cut."""
    docs = len(counts)
    per_doc = np.where(counts >= n, counts - n + 1, np.minimum(counts, 1))
    starts = np.concatenate(([0], np.cumsum(per_doc))).astype(np.int64)
    total = int(starts[-1])
    combined = np.zeros(total, dtype=np.uint64)
    if total == 0:
        return Shingles(combined.astype(np.uint32), starts)
    full = counts >= n
    with np.errstate(over="ignore"):
        if len(token_hashes) >= n:
            window = token_hashes[: len(token_hashes) - n + 1].copy()
            q_power = 1
            for t in range(1, n):
                q_power = (q_power * _Q) & _MASK64
                window += token_hashes[t: len(token_hashes) - n + 1 + t] * np.uint64(q_power)
            # keep the windows that start in a document with at least n tokens
            # and end inside it
            valid_start = np.zeros(len(window), dtype=bool)
            owner = np.repeat(np.arange(docs), counts)[: len(window)]
            position = np.arange(len(window)) - first[owner]
            valid_start = full[owner] & (position <= counts[owner] - n)
            combined[np.repeat(full, per_doc)] = window[valid_start]
        for d in np.flatnonzero(~full & (counts > 0)):  # shorter than n: one shingle of all its tokens
            h, q_power = 0, 1
            for value in token_hashes[first[d]: first[d] + counts[d]].tolist():
                h = (h + value * q_power) & _MASK64
                q_power = (q_power * _Q) & _MASK64
            combined[starts[d]] = h
    return Shingles(_fold_array(combined), starts)


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutation parameters (a odd, b), drawn as it draws them."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def _fmix32(h: np.ndarray) -> np.ndarray:
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


# Shingles permuted at once: a (permutations x shingles) uint32 buffer of 8 MB.
_CHUNK = 16384


def signatures(shingles: Shingles, num_perm: int, seed: int) -> np.ndarray:
    """One signature row (uint32 x num_perm) per document; a document without
    shingles gets the all-0xFFFFFFFF row (datasketch's empty MinHash)."""
    a, b = permutations(num_perm, seed)
    a, b = a[:, None], b[:, None]
    docs = len(shingles.starts) - 1
    out = np.full((docs, num_perm), UINT32_MAX, dtype=np.uint32)
    buffer = np.empty((num_perm, _CHUNK), dtype=np.uint32)
    with np.errstate(over="ignore"):
        mixed = _fmix32(shingles.hashes)
        doc_of = np.repeat(np.arange(docs), np.diff(shingles.starts))
        for lo in range(0, len(mixed), _CHUNK):
            hi = min(lo + _CHUNK, len(mixed))
            # permutations x shingles, so that the minimum runs along contiguous memory
            permuted = buffer[:, : hi - lo]
            np.multiply(a, mixed[None, lo:hi], out=permuted)
            np.add(permuted, b, out=permuted)
            owners = doc_of[lo:hi]
            segment_starts = np.concatenate(([0], np.flatnonzero(np.diff(owners)) + 1))
            minima = np.minimum.reduceat(permuted, segment_starts, axis=1)
            rows = owners[segment_starts]
            out[rows] = np.minimum(out[rows], minima.T)
    return out


def distinct(shingles: Shingles) -> Shingles:
    """The same documents with each shingle once (sorted within a document):
    MinHash only needs the set, and every shingle dropped here is 128
    multiplications saved."""
    docs = len(shingles.starts) - 1
    doc_of = np.repeat(np.arange(docs, dtype=np.uint64), np.diff(shingles.starts))
    keys = np.sort((doc_of << np.uint64(32)) | shingles.hashes.astype(np.uint64))
    new = np.ones(len(keys), dtype=bool)
    new[1:] = keys[1:] != keys[:-1]
    keys = keys[new]
    counts = np.bincount((keys >> np.uint64(32)).astype(np.int64), minlength=docs)
    starts = np.concatenate(([0], np.cumsum(counts))).astype(np.int64)
    return Shingles((keys & np.uint64(_MASK32)).astype(np.uint32), starts)


def distinct_counts(shingles: Shingles) -> np.ndarray:
    """Distinct shingles per document (set sizes, for containment estimates)."""
    return np.diff(distinct(shingles).starts).astype(np.uint32)



def numpy_fingerprints(texts: list[str], num_perm: int, ngram: int, seed: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """`fingerprints` without the compiled kernel."""
    sets = distinct(shingle_batch(texts, ngram))
    return signatures(sets, num_perm, seed), np.diff(sets.starts).astype(np.uint32)


def fingerprints(texts: list[str], num_perm: int, ngram: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures (documents x num_perm, uint32) and distinct-shingle
    counts of a batch of texts: the compiled kernel when it is built, else
    the numpy path; both give the same values."""
    if _kernel is None:
        return numpy_fingerprints(texts, num_perm, ngram, seed)
    a, b = permutations(num_perm, seed)
    table = kernel_table()
    raw_sigs, raw_counts, slow = _kernel.fingerprint(list(texts), ngram, a, b, table, False)
    sigs = np.frombuffer(raw_sigs, dtype=np.uint32).reshape(len(texts), num_perm).copy()
    counts = np.frombuffer(raw_counts, dtype=np.uint32).copy()
    if slow:  # texts with characters whose folding needs Python's casefold + NFC
        again = [normalise(texts[i]) for i in slow]
        raw_sigs, raw_counts, _ = _kernel.fingerprint(again, ngram, a, b, table, True)
        sigs[slow] = np.frombuffer(raw_sigs, dtype=np.uint32).reshape(len(slow), num_perm)
        counts[slow] = np.frombuffer(raw_counts, dtype=np.uint32)
    return sigs, counts



def fingerprint_json_lines(lines: list[bytes], text_field: str, id_field: str, num_perm: int,
                           ngram: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Fingerprints of JSON Lines read in place by the kernel (no str built
    for the texts): signatures, distinct-shingle counts, and per line a row
    (status, text length, id start, id stop, date start, date stop), status 1
    meaning the line must be parsed in Python (invalid, unusual or needing
    Python's casefold). None without the kernel."""
    if _kernel is None:
        return None
    a, b = permutations(num_perm, seed)
    raw_sigs, raw_counts, raw_spans = _kernel.fingerprint_json(
        lines, text_field.encode("utf-8"), id_field.encode("utf-8"), ngram, a, b, kernel_table())
    return (np.frombuffer(raw_sigs, dtype=np.uint32).reshape(len(lines), num_perm).copy(),
            np.frombuffer(raw_counts, dtype=np.uint32).copy(),
            np.frombuffer(raw_spans, dtype=np.int64).reshape(len(lines), 6))


# One text at a time: the library's helpers (cleaner.dedup hands them on).

def shingles(text: str, ngram: int) -> list[int]:
    """The shingle hashes of one text (the values fed to MinHash)."""
    batch = shingle_batch([text], ngram)
    return [int(h) for h in batch.of(0)]


def signature(text: str, num_perm: int = 128, ngram: int = 3, seed: int = 1) -> np.ndarray | None:
    """MinHash signature (uint32 per permutation) of `text`, or None for no words."""
    batch = shingle_batch([text], ngram)
    if batch.starts[-1] == 0:
        return None
    return signatures(batch, num_perm, seed)[0]


def to_datasketch(sig: np.ndarray, seed: int = 1):
    """A datasketch LeanMinHash of a cleaner signature, for datasketch's own
    LSH and storage."""
    from datasketch import LeanMinHash

    return LeanMinHash(seed=seed, hashvalues=sig, scheme=SCHEME)


def estimated_jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """Share of permutations on which two signatures agree: estimates Jaccard."""
    return float(np.count_nonzero(a == b)) / len(a)
