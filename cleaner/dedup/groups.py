"""Groups of near-duplicate documents: connected components of the verified
links, the kept document and similarity of each member (compact arrays), and
the report's view of them, made one cluster at a time.

`CorpusIndex.grouping()` (index.py) finds and verifies the links; this module
holds what it builds from them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import numpy as np

# Links handled at once (at least; see _link_chunk): temporaries over every
# link at once were the run's peak on a corpus of near-copies.
LINK_CHUNK = 16384


def _link_chunk(size: int) -> int:
    """Links hooked at once: at least as many as there are rows, since each
    chunk ends with pointer jumping over every row (with 16,384 links a
    chunk, a million documents took 13 times as long); the temporaries stay
    a few arrays of one value per row."""
    return max(LINK_CHUNK, size)


def components(size: int, left: np.ndarray, right: np.ndarray, chunk: int | None = None) -> np.ndarray:
    """Connected components of rows 0..size-1 linked by the pairs (left, right):
    for each row, the smallest row of its component. Union-find done with
    arrays, `chunk` links at a time: hook each root onto the smaller root
    across a link, then jump pointers until every row points at its root;
    sweep the links again until none joins two components. A million linked
    documents cost a few arrays, not a dict entry and two int objects each."""
    chunk = chunk or _link_chunk(size)
    row = np.int32 if size < 2**31 else np.int64
    parent = np.arange(size, dtype=row)
    joined = True
    while joined:
        joined = False
        for lo in range(0, len(left), chunk):
            a = parent[np.asarray(left[lo:lo + chunk])]
            b = parent[np.asarray(right[lo:lo + chunk])]
            apart = a != b
            if not apart.any():
                continue
            a, b = a[apart], b[apart]
            np.minimum.at(parent, np.maximum(a, b), np.minimum(a, b))
            joined = True
            while True:
                grand = parent[parent]
                if np.array_equal(grand, parent):
                    break
                parent = grand
    return parent


def groups_of(parent: np.ndarray) -> Iterator[np.ndarray]:
    """The rows of each component with more than one row, ascending, the
    components in order of their smallest row."""
    order = np.argsort(parent, kind="stable").astype(parent.dtype)  # int32 below 2**31 rows
    ordered = parent[order]
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    ends = np.append(starts[1:], len(ordered))
    for start, end in zip(starts.tolist(), ends.tolist()):
        if end - start > 1:
            yield order[start:end]


_NO_KEYS = np.zeros(0, dtype=np.int64)


@dataclass
class Grouping:
    """For each grouped document key: the kept document of its group and the
    estimated similarity to it (1.0 for the kept one), in three sorted arrays
    (20 bytes per grouped document, where dicts took ~300); containment links,
    which are few, in a dict. `root_of`, `similarity` and `members` are dict
    views for small uses and tests."""

    keys: np.ndarray = field(default_factory=lambda: _NO_KEYS)  # int64, ascending
    roots: np.ndarray = field(default_factory=lambda: _NO_KEYS)  # int64, the kept key of each
    similarities: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.float32))
    contained_in: dict[int, tuple[int, float]] = field(default_factory=dict)
    # Earlier runs' documents in the groups (negative keys): key -> (id, run).
    earlier: dict[int, tuple[str, int]] = field(default_factory=dict)

    def root(self, key: int) -> int | None:
        """The kept document of `key`'s group, or None when it is in none."""
        at = int(np.searchsorted(self.keys, key))
        return int(self.roots[at]) if at < len(self.keys) and self.keys[at] == key else None

    def roots_ascending(self) -> Callable[[int], int | None]:
        """`root` for keys asked in ascending order (as the passes over the
        journal and the key spool ask them): a cursor over the sorted keys,
        not a binary search per document."""
        keys, roots = iter(self.keys), iter(self.roots)
        at, root = next(keys, None), next(roots, None)

        def root_of(key: int) -> int | None:
            nonlocal at, root
            while at is not None and at < key:
                at, root = next(keys, None), next(roots, None)
            if at is None or at != key:
                return None
            return int(root)

        return root_of

    def similarity_of(self, key: int) -> float:
        at = int(np.searchsorted(self.keys, key))
        return round(float(self.similarities[at]), 4)

    def groups(self) -> Iterator[tuple[int, np.ndarray]]:
        """(kept key, member keys ascending) per group, groups ordered by their
        smallest member."""
        if not len(self.keys):
            return
        order = np.lexsort((self.keys, self.roots))
        roots, members = self.roots[order], self.keys[order]
        starts = np.flatnonzero(np.concatenate(([True], roots[1:] != roots[:-1])))
        ends = np.append(starts[1:], len(roots))
        for i in np.argsort(members[starts], kind="stable"):
            yield int(roots[starts[i]]), members[starts[i]:ends[i]]

    def __len__(self) -> int:
        """Number of groups."""
        return int(np.count_nonzero(self.keys == self.roots))

    @property
    def root_of(self) -> dict[int, int]:
        return dict(zip(self.keys.tolist(), self.roots.tolist()))

    @property
    def similarity(self) -> dict[int, float]:
        return {k: self.similarity_of(k) for k, r in zip(self.keys.tolist(), self.roots.tolist()) if k != r}

    @property
    def members(self) -> dict[int, list[int]]:
        return {root: group.tolist() for root, group in self.groups()}


class _Adjacency:
    """Verified links as compressed sparse rows, one table per direction:
    neighbours of a row are two slices of arrays (no Python set per
    document). Links come sorted by their left row, so the forward table is
    the links themselves; only the backward one needs sorting (the full
    two-way table's sort was the peak of grouping a corpus of near-copies)."""

    def __init__(self, left: np.ndarray, right: np.ndarray, size: int, chunk: int = LINK_CHUNK) -> None:
        if len(left) > 1 and not np.all(left[1:] >= left[:-1]):
            order = np.argsort(left, kind="stable")
            left, right = left[order], right[order]
        index = np.int32 if len(left) < 2**31 else np.int64
        self.forward = right
        self.forward_starts = _starts(left, size, index)
        self.backward_starts = _starts(right, size, index)
        # A stable counting sort of the links by right row, a chunk at a time
        # (an argsort of every link was the peak of grouping near-copies).
        self.backward = np.empty(len(left), dtype=left.dtype)
        filled = self.backward_starts[:-1].copy()
        for lo in range(0, len(left), chunk):
            rights = right[lo:lo + chunk]
            order = np.argsort(rights, kind="stable")
            ordered = rights[order]
            run_starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
            run_lengths = np.diff(np.append(run_starts, len(ordered)))
            rank = np.arange(len(ordered)) - np.repeat(run_starts, run_lengths)
            self.backward[filled[ordered] + rank] = left[lo:lo + chunk][order]
            filled[ordered[run_starts]] += run_lengths.astype(index)  # one run per row: no repeats

    def get(self, row: int, default=()) -> np.ndarray:
        return np.concatenate((self.forward[self.forward_starts[row]:self.forward_starts[row + 1]],
                               self.backward[self.backward_starts[row]:self.backward_starts[row + 1]]))


def _starts(rows: np.ndarray, size: int, dtype) -> np.ndarray:
    """Where each row's entries begin in a table sorted by row (size + 1 values)."""
    starts = np.zeros(size + 1, dtype=dtype)
    np.cumsum(np.bincount(rows, minlength=size), out=starts[1:])
    return starts


def _component(start: int, allowed: set[int], linked: _Adjacency) -> set[int]:
    seen, todo = {start}, [start]
    while todo:
        for other in linked.get(todo.pop()).tolist():
            if other in allowed and other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def _representative(rows: list[int], keep: str, lengths: np.ndarray, dates: np.ndarray) -> int:
    """The row a group keeps: the first in input order, the longest, or the
    earliest dated (ties, and undated documents, fall back to input order)."""
    if keep == "longest":
        return min(rows, key=lambda r: (-int(lengths[r]), r))
    if keep == "earliest-date":
        return min(rows, key=lambda r: (int(dates[r]), r))
    return min(rows)


class ClusterReport:
    """The report's view of the groups, made one cluster at a time when the
    report is written (a list of dicts would hold ~300 bytes per grouped
    document for the whole run). Each cluster: which document was kept, and
    its members with their similarity to the kept one (and containment, for
    shortened copies). `ids[key]` names a document."""

    def __init__(self, grouping: Grouping, ids) -> None:
        self.grouping, self.ids = grouping, ids

    def __len__(self) -> int:
        return len(self.grouping)

    def __iter__(self) -> Iterator[dict]:
        g, ids = self.grouping, self.ids
        for root, members in g.groups():
            if members[-1] < 0:
                continue  # earlier runs' documents only: their clusters are in those runs' reports
            yield {
                "cluster": ids[root],
                "kept": ids[root],
                **({"kept_run": g.earlier[root][1]} if root < 0 else {}),
                "size": len(members),
                "members": [{"id": ids[k], "similarity": 1.0 if k == root else g.similarity_of(k),
                             # an earlier run's document (a persistent index): the run that holds it
                             **({"run": g.earlier[k][1]} if k < 0 else {}),
                             **({"contained_in": ids[g.contained_in[k][0]],
                                 "containment": g.contained_in[k][1]} if k in g.contained_in else {})}
                            for k in members.tolist()],
            }


def report_clusters(grouping: Grouping, ids) -> ClusterReport:
    return ClusterReport(grouping, ids)
