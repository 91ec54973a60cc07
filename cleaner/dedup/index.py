"""Near-duplicate reports: LSH candidates over MinHash signatures, every
candidate verified, containment, groups, and the keep policy.

Signatures come from `minhash.py` (vectorised, datasketch-compatible). The
corpus index keeps in memory, per document, only its key, shingle-set size,
length and date (20 bytes); its LSH band hashes go to a temporary file read
one band at a time (bandstore.py), and its signatures to another, read back
only for the candidate pairs. Candidates are found by
sorting each band's hashes (candidates.py; no per-document Python dicts), verified by the
signatures' estimated Jaccard, grouped (groups.py) by connected components
split into stars around each kept document. A shortened
republication (one report inside a longer one, low Jaccard but high
containment) is linked to the longer one as `contained_in`.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from ..memory import release_free_memory
from .bandstore import BandStore, Chunked, RowReader, WithEarlier, agreement, release
from .candidates import band_hashes, candidate_pairs, collision_probability, lsh_bands
from .earlier import similarity
from .groups import (
    ClusterReport,
    Grouping,
    _Adjacency,
    _component,
    _representative,
    components,
    groups_of,
    report_clusters,
)
from .minhash import estimated_jaccard, fingerprints

if TYPE_CHECKING:
    from .earlier import CandidateSearch
    from .store import IndexStore

KEEP_POLICIES = ("first", "longest", "earliest-date")
# A group member must be this share of the threshold similar to the kept
# document (or contained in it, or contain it): links between members alone
# do not chain different stories into one group.
MEMBER_SHARE = 0.9
# A document is "contained" in another only when it is clearly shorter.
SHORTER_SHARE = 0.9
NO_DATE = np.iinfo(np.int32).max
# Candidate pairs judged at once (their float arrays: a few MB).
_PAIR_CHUNK = 16384


def judged(jaccard: np.ndarray, size_l: np.ndarray, size_r: np.ndarray, threshold: float,
           containment: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Candidate pairs judged by their estimated Jaccard and shingle-set
    sizes: which are linked (near-duplicates, or one contained in the
    other), which are containment links of a clearly shorter copy, and each
    pair's containment of the smaller set in the larger."""
    small = np.minimum(size_l, size_r).astype(np.float64)
    total = (size_l + size_r).astype(np.float64)
    # |A ∩ B| = J (|A| + |B|) / (1 + J)
    contained = np.where(small > 0, jaccard * total / ((1 + jaccard) * np.maximum(small, 1)), 0.0)
    linked = (jaccard >= threshold) | (contained >= containment)
    shorter = small < SHORTER_SHARE * np.maximum(size_l, size_r)
    return linked, (contained >= containment) & shorter & linked, contained


@dataclass
class CorpusIndex:
    """The near-duplicate index of a run: add documents in input order, then
    `grouping()`. Holds a key and three numbers per document in memory, band
    hashes and signatures in temporary files. After grouping, documents can
    be given new signatures (`update`) or left out (`remove`) and grouped
    again."""

    threshold: float = 0.5
    num_perm: int = 128
    containment: float = 0.8
    keep: str = "first"
    directory: str | None = None
    # Set: the band hashes and signatures are kept elsewhere (a cluster), and
    # find_groups(the documents signed again: keys, band hashes, signatures,
    # shingle-set sizes, lengths; or None, and the keys left out) finds,
    # verifies and groups the pairs there.
    find_groups: Callable[[tuple | None, np.ndarray], Grouping] | None = None

    def __post_init__(self) -> None:
        self.bands, self.rows = lsh_bands(self.threshold, self.num_perm)
        self._bands = BandStore(self.bands, self.directory)  # uint32, documents x bands, on disk
        self._keys = Chunked(np.int64)
        self._numbers = Chunked(np.uint32, 3)  # shingle-set size, length, date
        # Nameless (unlinked at once): a run killed with SIGKILL leaves nothing behind.
        self._file = tempfile.TemporaryFile("w+b", prefix="cleaner-signatures-", dir=self.directory)
        self._count = 0
        self._removed: np.ndarray | None = None  # rows left out of the grouping
        self._replaced: list[tuple] = []  # find_groups: documents signed again (keys, hashes, signatures, sizes)
        self._all_keys: np.ndarray | None = None  # the keys as one array, once updates begin

    def __len__(self) -> int:
        return self._count

    @property
    def bytes_per_document(self) -> float:
        """Memory the index holds per document (signatures and band hashes
        are on disk)."""
        return (self._bands.nbytes + self._keys.nbytes + self._numbers.nbytes) / max(1, self._count)

    def add(self, keys: np.ndarray, sigs: np.ndarray, sizes: np.ndarray,
            lengths: np.ndarray, dates: np.ndarray) -> None:
        """Documents with signatures (rows of `sigs`); keys ascending, in input order."""
        if len(keys) == 0:
            return
        if self.find_groups is None:
            self._bands.append(band_hashes(sigs, self.bands, self.rows))
            self._file.write(np.ascontiguousarray(sigs, dtype=np.uint32).tobytes())
        self._keys.append(keys)
        self._numbers.append(np.stack([np.minimum(sizes, 2**32 - 1), np.minimum(lengths, 2**32 - 1),
                                       np.asarray(dates) - np.iinfo(np.int32).min], axis=1).astype(np.uint32))
        self._count += len(keys)
        if self._removed is not None:
            self._removed = np.concatenate([self._removed, np.zeros(len(keys), dtype=bool)])

    def _rows(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Rows of the documents with these keys, and which keys were added."""
        if self._all_keys is None or len(self._all_keys) != self._count:
            self._all_keys = self._keys.array()  # once, not per batch of updates
        all_keys = self._all_keys
        rows = np.minimum(np.searchsorted(all_keys, keys), max(len(all_keys) - 1, 0))
        found = all_keys[rows] == keys if len(all_keys) else np.zeros(len(keys), dtype=bool)
        return rows[found], found

    def update(self, keys: np.ndarray, sigs: np.ndarray, sizes: np.ndarray, lengths: np.ndarray) -> None:
        """New signatures, shingle-set sizes and lengths for documents already
        added (their text changed: site boilerplate went); keys ascending.
        The index is changed in place: no second index for a second pass."""
        rows, found = self._rows(np.asarray(keys, dtype=np.int64))
        if not len(rows):
            return
        sigs = np.ascontiguousarray(sigs[found], dtype=np.uint32)
        self._numbers.set_rows(rows, np.minimum(sizes[found], 2**32 - 1), column=0)
        self._numbers.set_rows(rows, np.minimum(lengths[found], 2**32 - 1), column=1)
        if self.find_groups is not None:  # (sent with the verification: few, the documents that lost lines)
            self._replaced.append((np.asarray(keys, dtype=np.int64)[found], band_hashes(sigs, self.bands, self.rows),
                                   sigs, np.asarray(sizes, dtype=np.int64)[found],
                                   np.asarray(lengths, dtype=np.int64)[found]))
            return
        self._bands.set_rows(rows, band_hashes(sigs, self.bands, self.rows))
        self._file.flush()
        row_bytes = self.num_perm * 4
        for row, sig in zip(rows.tolist(), sigs):
            os.pwrite(self._file.fileno(), sig.tobytes(), row * row_bytes)

    def remove(self, keys: np.ndarray) -> None:
        """Leave documents out of the grouping (their text is gone)."""
        rows, _ = self._rows(np.asarray(keys, dtype=np.int64))
        if len(rows):
            if self._removed is None:
                self._removed = np.zeros(self._count, dtype=bool)
            self._removed[rows] = True

    def rows_for_store(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What a persistent index keeps of the grouped documents (those not
        left out): keys, shingle-set sizes, band hashes (rows x bands) and
        16-bit signatures."""
        from .store import low_bits

        self._file.flush()
        kept = np.ones(self._count, dtype=bool) if self._removed is None else ~self._removed
        sigs = np.memmap(self._file, dtype=np.uint32, mode="r", shape=(self._count, self.num_perm))
        bands = np.stack([self._bands.column(b)[kept] for b in range(self.bands)], axis=1) if self._count \
            else np.zeros((0, self.bands), dtype=np.uint32)
        out = (self._keys.array()[kept], self._numbers.array()[kept, 0].astype(np.int64), bands,
               low_bits(sigs[kept]) if self._count else np.zeros((0, self.num_perm), dtype=np.uint16))
        release(sigs)
        return out

    def close(self) -> None:
        self._file.close()
        self._bands.close()

    def __del__(self) -> None:
        try:
            self.close()
        except Exception:
            pass

    def grouping(self, store: "IndexStore | None" = None, search: "CandidateSearch | None" = None) -> Grouping:
        """Verified groups of the documents added so far; with a persistent
        index (`store`), the earlier documents they near-duplicate join the
        groups, as their kept documents (earlier.py), candidates found by
        `search` when given."""
        self._file.flush()
        if self._count < (1 if store is not None else 2):
            return Grouping()
        if self.find_groups is not None:
            replaced = tuple(np.concatenate(part) for part in zip(*self._replaced)) if self._replaced else None
            removed = self._keys.array()[self._removed] if self._removed is not None else np.zeros(0, np.int64)
            return self.find_groups(replaced, removed)
        keys = self._keys.array()
        numbers = self._numbers.array().astype(np.int64)
        sizes, lengths, dates = numbers[:, 0], numbers[:, 1], numbers[:, 2] + np.iinfo(np.int32).min
        sigs = np.memmap(self._file, dtype=np.uint32, mode="r", shape=(self._count, self.num_perm))
        left, right, holds = self._verified(sigs, sizes)
        rows_of = RowReader(sigs)
        out, total = Grouping(), self._count
        if store is not None:
            from .earlier import find_earlier

            earlier = find_earlier(store, self._bands.column, self._removed, sigs, sizes, self.threshold,
                                   self.containment, SHORTER_SHARE, search)
            left = np.concatenate([left, earlier.link_rows.astype(left.dtype)])
            right = np.concatenate([right, (earlier.link_earlier + self._count).astype(right.dtype)])
            keys = np.concatenate([keys, earlier.keys])
            sizes = np.concatenate([sizes, earlier.sizes])
            lengths = np.concatenate([lengths, np.zeros(len(earlier), dtype=lengths.dtype)])
            dates = np.concatenate([dates, np.full(len(earlier), NO_DATE, dtype=dates.dtype)])
            rows_of = WithEarlier(rows_of, self._count, earlier.signatures)
            for row, key, score in earlier.contained:
                out.contained_in[int(keys[row])] = (key, score)
            out.earlier, total = earlier.names, self._count + len(earlier)
        out = self.grouped(out, keys, (sizes, lengths, dates), (left, right, holds), rows_of, total, self._count)
        release(sigs)
        return out

    def grouped(self, out: Grouping, keys: np.ndarray, numbers: tuple, links: tuple, rows_of, total: int,
                run_rows: int) -> Grouping:
        """`out` with the groups of rows linked by `links` (left rows, right
        rows, containment links): connected components split into stars
        around their kept documents (`rows_of`: a row's signature; rows from
        `run_rows` on are earlier runs'). A cluster's task calls it too, on
        the rows of whole components (run/cluster/bands.py)."""
        sizes, lengths, dates = numbers
        left, right, holds = links
        parent = components(total, left, right)
        # A shorter report inside a longer one: contained, whether or not the
        # pair is also similar overall.
        for i, j, c in zip(*holds):
            short, long_ = (i, j) if sizes[i] <= sizes[j] else (j, i)
            previous = out.contained_in.get(int(keys[short]))
            if previous is None or (c > previous[1] and previous[0] >= 0):
                out.contained_in[int(keys[short])] = (int(keys[long_]), round(float(min(c, 1.0)), 4))
        linked = _Adjacency(left, right, total)
        del left, right, holds, links
        code, row = ("i", np.int32) if total < 2**31 else ("q", np.int64)  # rows, compactly
        member_rows, root_rows = array(code), array(code)
        similarities = array("f")  # k/128 values: exact in float32
        for rows in groups_of(parent):
            for kept, group, similar in self._stars(rows.tolist(), linked, rows_of, numbers, run_rows):
                member_rows.extend(group)
                root_rows.extend([kept] * len(group))
                similarities.extend(similar)
        del linked, parent
        release_free_memory()  # before the result's arrays: they would be the peak on top
        if member_rows:
            members = np.frombuffer(member_rows, dtype=row)
            order = np.argsort(keys[members], kind="stable")
            out.keys = keys[members[order]]
            out.roots = keys[np.frombuffer(root_rows, dtype=row)[order]]
            out.similarities = np.frombuffer(similarities, dtype=np.float32)[order]
            del members, order
        out.contained_in = {k: v for k, v in out.contained_in.items() if out.root(k) is not None}
        del member_rows, root_rows, similarities
        release_free_memory()  # the Python objects of the grouping are gone: return their pages
        return out

    def _verified(self, sigs, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray, tuple]:
        """The candidate pairs that hold: linked rows (left, right), near-duplicates
        or one contained in the other, and the containment links (shorter row,
        other row, score) of a shorter copy. Pairs are judged a chunk at a
        time, so no per-pair float array ever spans all candidates."""
        left, right = candidate_pairs(self._bands.column, self._count, self.bands)
        if self._removed is not None:
            kept = ~(self._removed[left] | self._removed[right])
            left, right = left[kept], right[kept]
        held = ([], [], [])
        kept_count = 0  # linked pairs are moved to the front of left/right, not copied out
        for lo in range(0, len(left), _PAIR_CHUNK):
            l, r = left[lo:lo + _PAIR_CHUNK], right[lo:lo + _PAIR_CHUNK]
            linked, holds, contained = judged(agreement(sigs, l, r), sizes[l], sizes[r], self.threshold,
                                              self.containment)
            for part, values in zip(held, (l[holds], r[holds], contained[holds])):
                part.append(values)
            linked_l, linked_r = l[linked], r[linked]  # copies: the chunk may be overwritten now
            left[kept_count:kept_count + len(linked_l)] = linked_l
            right[kept_count:kept_count + len(linked_r)] = linked_r
            kept_count += len(linked_l)
        release_free_memory()  # the chunks' temporaries were heap blocks
        return (left[:kept_count], right[:kept_count],
                tuple(np.concatenate(part) if part else np.zeros(0) for part in held))

    def _stars(self, rows: list[int], linked: "_Adjacency", rows_of, numbers: tuple, run_rows: int):
        """Split a union-find group into groups around a kept document: a member
        stays with the kept one when it is itself close to it (similar, or one
        contains the other); the others form groups of their own, by the same
        rule. Chains of links (A~B, B~C, C far from A) thus never put two
        different stories together. Yields (kept, members, each member's
        estimated similarity to the kept one)."""
        sizes, lengths, dates = numbers
        pending = sorted(rows)
        while pending:
            component = _component(pending[0], set(pending), linked)
            earlier = [r for r in component if r >= run_rows]  # earlier runs' documents keep first
            kept = min(earlier) if earlier else _representative(sorted(component), self.keep, lengths, dates)
            kept_sig = rows_of(kept)
            group = {kept: 1.0}
            for r in sorted(component):
                if r == kept:
                    continue
                j = similarity(rows_of(r), kept_sig)
                small, large = sorted((int(sizes[r]), int(sizes[kept])))
                contained = j * (small + large) / ((1 + j) * max(small, 1))
                if j >= self.threshold * MEMBER_SHARE or contained >= self.containment:
                    group[r] = j
            members = sorted(group)
            if len(members) > 1:
                yield kept, members, [group[r] for r in members]
            taken = set(members) if len(members) > 1 else {kept}
            pending = [r for r in pending if r not in taken]


def date_number(date: str | None) -> int:
    """Days since 1970-01-01 of an ISO date (YYYY-MM-DD or YYYY-MM), else NO_DATE."""
    import datetime as dt

    if not date:
        return int(NO_DATE)
    parts = date.split("-")
    try:
        day = dt.date(int(parts[0]), int(parts[1]) if len(parts) > 1 else 1,
                      int(parts[2][:2]) if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return int(NO_DATE)
    return (day - dt.date(1970, 1, 1)).days


__all__ = ["CorpusIndex", "Grouping", "KEEP_POLICIES", "components", "groups_of", "collision_probability",
           "date_number", "estimated_jaccard", "report_clusters", "ClusterReport", "fingerprints", "lsh_bands"]
