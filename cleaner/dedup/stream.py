"""The streaming index (--stream): each document compared with every earlier
one as it arrives, keep-first, the answer final at once."""

from __future__ import annotations

import numpy as np

from .candidates import BUCKET_NEIGHBOURS
from .index import SHORTER_SHARE, band_hashes, lsh_bands
from .minhash import estimated_jaccard


class StreamIndex:
    """Incremental near-duplicate index for streaming (keep-first): each
    document is compared with every earlier one as it arrives, and the answer
    is final at once. Memory grows with the index (band buckets and
    signatures), never with the texts."""

    def __init__(self, threshold: float = 0.5, num_perm: int = 128, containment: float = 0.8,
                 per_bucket: int = BUCKET_NEIGHBOURS) -> None:
        self.threshold, self.num_perm, self.containment = threshold, num_perm, containment
        self.bands, self.rows = lsh_bands(threshold, num_perm)
        self.per_bucket = per_bucket
        self._buckets: list[dict[int, list[int]]] = [{} for _ in range(self.bands)]
        self._sigs = np.zeros((0, num_perm), dtype=np.uint32)
        self._sizes = np.zeros(0, dtype=np.int64)
        self._root = np.zeros(0, dtype=np.int64)
        self._count = 0

    def _grow(self, needed: int) -> None:
        if needed <= len(self._sigs):
            return
        size = max(needed, 2 * len(self._sigs), 1024)
        self._sigs = np.resize(self._sigs, (size, self.num_perm))
        self._sizes = np.resize(self._sizes, size)
        self._root = np.resize(self._root, size)

    def add(self, sig: np.ndarray, size: int) -> tuple[int, int | None, float | None, float | None]:
        """Index one document; return (its row, the row it duplicates or None,
        similarity to that row, containment in it when it is contained)."""
        row = self._count
        self._grow(row + 1)
        hashes = band_hashes(sig[None, :], self.bands, self.rows)[0]
        candidates: set[int] = set()
        for band, value in zip(self._buckets, hashes.tolist()):
            candidates.update(band.get(value, ()))
        match, best, contained = None, None, None
        for other in sorted(candidates):
            j = estimated_jaccard(sig, self._sigs[other])
            small, large = sorted((size, int(self._sizes[other])))
            c = j * (small + large) / ((1 + j) * max(small, 1))
            inside = c >= self.containment and size < SHORTER_SHARE * int(self._sizes[other])
            if j >= self.threshold or inside:
                root = int(self._root[other])
                if match is None or root < match:
                    match, best = root, estimated_jaccard(sig, self._sigs[root])
                    contained = round(min(c, 1.0), 4) if inside else None
        self._sigs[row], self._sizes[row] = sig, size
        self._root[row] = row if match is None else match
        for band, value in zip(self._buckets, hashes.tolist()):
            bucket = band.setdefault(value, [])
            if len(bucket) < self.per_bucket:
                bucket.append(row)
        self._count += 1
        return row, match, (round(best, 4) if best is not None else None), contained
