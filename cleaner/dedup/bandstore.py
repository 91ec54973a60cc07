"""Storage of the corpus index's per-document values in fixed-size chunks.

The LSH band hashes are most of the index (168 bytes a document at 42 bands):
they live in a temporary file, each chunk of rows written band by band, so
that finding candidates reads one band at a time (a few hundred kilobytes per
100,000 documents) and the main process holds only one chunk of them. The
small per-document numbers (keys, sizes, lengths, dates) stay in memory, in
chunks too: a few large arrays instead of one small one per batch, which left
the heap fragmented. The signatures are in a temporary file of their own,
read back row by row (`RowReader`) with its pages released as it goes.
"""

from __future__ import annotations

import mmap
import os
import tempfile
from bisect import bisect_right

import numpy as np

# Rows per chunk: 8,192 x 42 bands x 4 bytes is 1.4 MB of band hashes buffered.
CHUNK_ROWS = 8192


class Chunked:
    """A growing array of rows (1-D or rows x width) kept as full chunks plus
    the one being filled."""

    def __init__(self, dtype, width: int | None = None, chunk_rows: int = CHUNK_ROWS) -> None:
        self._shape = (chunk_rows,) if width is None else (chunk_rows, width)
        self._dtype = np.dtype(dtype)
        self._chunks: list[np.ndarray] = []
        self._fill = chunk_rows  # no open chunk yet
        self.count = 0

    def append(self, values: np.ndarray) -> None:
        values = np.asarray(values, dtype=self._dtype)
        at = 0
        while at < len(values):
            if self._fill == self._shape[0]:
                self._chunks.append(np.empty(self._shape, dtype=self._dtype))
                self._fill = 0
            take = min(len(values) - at, self._shape[0] - self._fill)
            self._chunks[-1][self._fill:self._fill + take] = values[at:at + take]
            self._fill += take
            at += take
        self.count += len(values)

    def array(self) -> np.ndarray:
        """All rows as one array (a copy)."""
        if not self._chunks:
            return np.zeros((0, *self._shape[1:]), dtype=self._dtype)
        return np.concatenate([*self._chunks[:-1], self._chunks[-1][:self._fill]])

    def set_rows(self, rows: np.ndarray, values: np.ndarray, column: int | None = None) -> None:
        """Overwrite rows (ascending positions) in place."""
        size = self._shape[0]
        for row, value in zip(rows.tolist(), values):
            chunk = self._chunks[row // size]
            if column is None:
                chunk[row % size] = value
            else:
                chunk[row % size, column] = value

    @property
    def nbytes(self) -> int:
        return sum(chunk.nbytes for chunk in self._chunks)


class BandStore:
    """Band hashes (documents x bands, uint32) in a temporary file: each chunk
    of rows is written as `bands` contiguous columns."""

    def __init__(self, bands: int, directory: str | None = None, chunk_rows: int = CHUNK_ROWS) -> None:
        self.bands = bands
        self._buffer = np.empty((chunk_rows, bands), dtype=np.uint32)
        self._fill = 0
        self._starts: list[int] = []  # first row of each chunk on disk
        self._chunks: list[tuple[int, int]] = []  # (file offset, rows) of each chunk on disk
        self._end = 0
        # Nameless (unlinked at once): a run killed with SIGKILL leaves nothing behind.
        self._file = tempfile.TemporaryFile(prefix="cleaner-bands-", dir=directory)
        self._fd: int | None = self._file.fileno()
        self.count = 0
        self._pending: list[tuple[np.ndarray, np.ndarray]] = []  # (rows, hashes) not yet written
        self._pending_rows = 0

    def append(self, hashes: np.ndarray) -> None:
        at = 0
        while at < len(hashes):
            take = min(len(hashes) - at, len(self._buffer) - self._fill)
            self._buffer[self._fill:self._fill + take] = hashes[at:at + take]
            self._fill += take
            at += take
            if self._fill == len(self._buffer):
                self._spill()
        self.count += len(hashes)

    def _spill(self) -> None:
        """Write the buffered rows out, band by band."""
        if not self._fill:
            return
        data = np.ascontiguousarray(self._buffer[:self._fill].T).tobytes()
        _write_all(self._fd, data, self._end)
        self._starts.append(self._starts[-1] + self._chunks[-1][1] if self._chunks else 0)
        self._chunks.append((self._end, self._fill))
        self._end += len(data)
        self._fill = 0

    def column(self, band: int) -> np.ndarray:
        """Band `band`'s hash of every document, in row order."""
        self._spill()
        self._apply()
        out = np.empty(self.count, dtype=np.uint32)
        for start, (offset, rows) in zip(self._starts, self._chunks):
            out[start:start + rows] = np.frombuffer(_read_all(self._fd, rows * 4, offset + band * rows * 4),
                                                    dtype=np.uint32)
        return out

    def set_rows(self, rows: np.ndarray, hashes: np.ndarray) -> None:
        """New band hashes for some rows. They wait in memory (at most a
        chunk's worth) and are written a chunk at a time, so a stream of small
        updates does not read and write a whole chunk each."""
        self._pending.append((np.asarray(rows, dtype=np.int64), np.asarray(hashes, dtype=np.uint32)))
        self._pending_rows += len(rows)
        if self._pending_rows >= len(self._buffer):
            self._apply()

    def _apply(self) -> None:
        """Write the waiting updates; a row updated twice keeps the later hashes."""
        if not self._pending:
            return
        self._spill()
        rows = np.concatenate([r for r, _ in self._pending])
        hashes = np.concatenate([h for _, h in self._pending])
        self._pending, self._pending_rows = [], 0
        if not len(rows):
            return
        order = np.argsort(rows, kind="stable")
        rows, hashes = rows[order], hashes[order]
        last = np.append(rows[1:] != rows[:-1], True)  # the latest update of each row
        rows, hashes = rows[last], hashes[last]
        at = 0
        while at < len(rows):
            c = bisect_right(self._starts, int(rows[at])) - 1
            offset, count = self._chunks[c]
            stop = np.searchsorted(rows, self._starts[c] + count)
            block = np.frombuffer(_read_all(self._fd, count * 4 * self.bands, offset),
                                  dtype=np.uint32).reshape(self.bands, count).copy()
            block[:, rows[at:stop] - self._starts[c]] = hashes[at:stop].T
            _write_all(self._fd, block.tobytes(), offset)
            at = stop

    @property
    def nbytes(self) -> int:
        return self._buffer.nbytes

    def close(self) -> None:
        self._file.close()
        self._fd = None


def _write_all(fd: int, data: bytes, offset: int) -> None:
    view = memoryview(data)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def _read_all(fd: int, size: int, offset: int) -> bytes:
    parts = []
    while size:
        part = os.pread(fd, size, offset)
        if not part:
            raise OSError("band file shorter than expected")
        parts.append(part)
        size, offset = size - len(part), offset + len(part)
    return b"".join(parts)


# Pairs verified at once, the signature file's pages released after each
# chunk: rows are scattered, and a read maps the whole page-cache folio
# around its row (up to 16 pages seen), so a chunk can make up to 2 x 64 x
# 64 KB (8 MB) resident, whatever the corpus size; 2 MB is usual.
_VERIFY_CHUNK = 32


def agreement(sigs: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Estimated Jaccard of each candidate pair, read from the signature file."""
    out = np.zeros(len(left), dtype=np.float64)
    for lo in range(0, len(left), _VERIFY_CHUNK):
        hi = lo + _VERIFY_CHUNK
        out[lo:hi] = (np.asarray(sigs[left[lo:hi]]) == np.asarray(sigs[right[lo:hi]])).mean(axis=1)
        release(sigs)
    return out


class RowReader:
    """Signature rows read one at a time (scattered over the file), with the
    file's pages released every _VERIFY_CHUNK reads: one group can hold
    thousands of rows, so releasing between groups did not bound them."""

    def __init__(self, sigs) -> None:
        self.sigs, self.reads = sigs, 0

    def __call__(self, row: int) -> np.ndarray:
        self.reads += 1
        if self.reads >= _VERIFY_CHUNK:
            release(self.sigs)
            self.reads = 0
        return np.asarray(self.sigs[row])


class WithEarlier:
    """Signature rows of the run, then those of the earlier rows (16-bit)."""

    def __init__(self, run_rows: RowReader, count: int, earlier: np.ndarray) -> None:
        self.run_rows, self.count, self.earlier = run_rows, count, earlier

    def __call__(self, row: int) -> np.ndarray:
        return self.run_rows(row) if row < self.count else self.earlier[row - self.count]


def release(sigs) -> None:
    """Drop the signature file's pages from this process's resident memory
    (they stay in the page cache: reading them again is cheap). Without it a
    run's peak RSS would grow by 512 bytes per document read."""
    mapped = getattr(sigs, "_mmap", None)
    if mapped is not None and hasattr(mapped, "madvise"):
        try:
            mapped.madvise(mmap.MADV_DONTNEED)
        except (OSError, ValueError):
            pass

