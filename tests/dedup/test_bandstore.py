"""The index's chunked storage: band hashes on disk read back one band at a
time, and in-memory chunks, give back exactly what was appended or set."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.dedup.bandstore import BandStore, Chunked


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 23), min_size=1, max_size=8), st.integers(1, 7), st.data())
def test_band_store_gives_back_its_columns(batch_sizes, chunk_rows, data):
    rng = np.random.default_rng(len(batch_sizes) * 31 + chunk_rows)
    store = BandStore(bands=5, chunk_rows=chunk_rows)
    try:
        batches = [rng.integers(0, 2**32, size=(n, 5), dtype=np.uint32) for n in batch_sizes]
        for batch in batches:
            store.append(batch)
        everything = np.concatenate(batches)
        assert store.count == len(everything)
        rows = np.array(sorted(data.draw(st.sets(st.integers(0, max(len(everything) - 1, 0)), max_size=6)))
                        if len(everything) else [], dtype=np.int64)
        new = rng.integers(0, 2**32, size=(len(rows), 5), dtype=np.uint32)
        store.set_rows(rows, new)
        everything[rows] = new
        again = rng.integers(0, 2**32, size=(len(rows), 5), dtype=np.uint32)
        store.set_rows(rows[::-1], again[::-1])  # updated twice, unsorted: the later hashes win
        everything[rows] = again
        store.append(batches[0])  # appending after reading still works
        everything = np.concatenate([everything, batches[0]])
        for band in range(5):
            assert np.array_equal(store.column(band), everything[:, band])
    finally:
        store.close()


def test_chunked_rows_come_back_in_order_and_can_be_set():
    table = Chunked(np.uint32, 3, chunk_rows=4)
    values = np.arange(30, dtype=np.uint32).reshape(10, 3)
    table.append(values[:3])
    table.append(values[3:])
    assert np.array_equal(table.array(), values)
    table.set_rows(np.array([1, 6]), np.array([100, 600]), column=2)
    values[[1, 6], 2] = [100, 600]
    assert np.array_equal(table.array(), values)
    keys = Chunked(np.int64, chunk_rows=4)
    assert keys.array().shape == (0,)
    keys.append(np.arange(9))
    assert np.array_equal(keys.array(), np.arange(9))
