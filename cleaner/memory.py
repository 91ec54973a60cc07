"""Memory given back to the system: the main process of a run (and the
dedup passes) must not grow with the corpus, and glibc keeps freed pages
unless asked. Used by `cleaner.run` and `cleaner.dedup`; a no-op without glibc.

Imports nothing of cleaner.
"""

from __future__ import annotations

_LIBC = None
# glibc's mallopt parameters: fixed thresholds switch off its dynamic mmap
# threshold, which otherwise rises after the first large free so that later
# large arrays come from the heap and stay resident after they are freed.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_LARGE = 256 * 1024


def _libc():
    global _LIBC
    if _LIBC is None:
        try:
            import ctypes

            _LIBC = ctypes.CDLL("libc.so.6")
            _LIBC.malloc_trim.argtypes = [ctypes.c_size_t]
            _LIBC.mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
        except (OSError, AttributeError):
            _LIBC = False
    return _LIBC


def keep_heap_small() -> None:
    """Large blocks (numpy arrays of the corpus passes) are mapped and
    unmapped on their own, so that resident memory follows what is alive;
    for the main process, whose memory must not grow with the corpus."""
    libc = _libc()
    if libc:
        libc.mallopt(_M_MMAP_THRESHOLD, _LARGE)
        libc.mallopt(_M_TRIM_THRESHOLD, _LARGE)


def release_free_memory() -> None:
    """Give the C heap's free pages back to the system (glibc's malloc_trim).

    The main process receives every batch's texts from the workers and frees
    them; small long-lived allocations in between keep glibc from shrinking
    its heap, so without this the resident size grows with the corpus even
    though what is alive does not. A no-op where there is no glibc."""
    libc = _libc()
    if libc:
        libc.malloc_trim(0)
