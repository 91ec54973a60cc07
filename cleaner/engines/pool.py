"""Ordered parallel map over batches: the process pool the stages run in.

Results come back in submission order, whatever order workers finish in, so
the output of a run is the same for any number of workers. At most a few
batches per worker are in flight, so memory holds a bounded window of
documents, not the corpus.
"""

from __future__ import annotations

import itertools
import os
import signal
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

Tag = TypeVar("Tag")
Payload = TypeVar("Payload")
Result = TypeVar("Result")

IN_FLIGHT_PER_WORKER = 2
Item = TypeVar("Item")


def batched(items: Iterable[Item], size: int | Callable[[], int]) -> Iterator[list[Item]]:
    """Consecutive lists of `size` items (the last may be shorter); `size`
    may be a function, asked before each batch."""
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size() if callable(size) else size)):
        yield batch


# A batch should keep a worker busy about this long: short enough that the
# workers finish within a fraction of a second of each other (a batch of 64
# web pages is ~1.6 s, so one worker idled ~0.8 s on average at the end) and
# that progress and the journal advance often, long enough that the cost of a
# batch (submission, pickling, waking the processes, a journal flush) stays
# small beside its documents: text dumps in batches of 64 (~25 ms) ran ~3%
# slower than in batches of this length.
BATCH_SECONDS = 0.25
FIRST_BATCH = 8
# With `longest` (a cluster, where every task costs the driver ~100 KB of
# bookkeeping while the run lasts: docs/scaling.md), batches grow with the
# run, by this share of the time it has run so far, up to `longest` seconds:
# a 1.5-hour run makes ~135 tasks per CPU, not ~20,000.
GROWTH = 0.1


class BatchSizer:
    """Batch sizes from what documents have cost so far: up to `limit` for
    cheap documents (text dumps), fewer for dear ones (web pages). Which
    documents share a batch never changes what comes out, only how evenly
    the workers are loaded and how often progress is reported."""

    def __init__(self, limit: int, longest: float | None = None, clock=time.monotonic) -> None:
        self.limit = max(1, limit)
        self.seconds_per_document: float | None = None
        self.longest, self._clock = longest, clock
        self._started = clock()

    def target_seconds(self) -> float:
        """How long the next batch should keep a worker busy."""
        if self.longest is None:
            return BATCH_SECONDS
        return min(self.longest, BATCH_SECONDS + GROWTH * (self._clock() - self._started))

    def next_size(self) -> int:
        if self.seconds_per_document is None:
            return min(self.limit, FIRST_BATCH)
        wanted = int(self.target_seconds() / max(self.seconds_per_document, 1e-6))
        return max(1, min(self.limit, wanted))

    def observe(self, documents: int, seconds: float) -> None:
        """A batch of `documents` took a worker `seconds`."""
        if documents:
            rate = seconds / documents
            previous = self.seconds_per_document
            self.seconds_per_document = rate if previous is None else (previous + rate) / 2


def default_workers() -> int:
    """All cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def ordered_map(function: Callable[[Payload], Result], items: Iterable[tuple[Tag, Payload]],
                workers: int = 1) -> Iterator[tuple[Tag, Result]]:
    """(tag, function(payload)) for each item, in order; `function` runs in
    `workers` processes (in this one when workers is 1).

    Ctrl-C reaches the workers too (a terminal signals the whole process
    group): they stop their batch and leave the reporting to this process,
    where the KeyboardInterrupt comes out of this iterator. When the consumer
    stops early for any reason, the workers drop what they hold, so the pool
    closes at once."""
    if workers <= 1:
        for tag, payload in items:
            yield tag, function(payload)
        return
    from concurrent.futures import ProcessPoolExecutor

    pending: deque = deque()
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_start_worker, initargs=(os.getpid(),))

    def submit(*call):
        # Workers are started by a submit and inherit the signal mask: held
        # until their handlers are in place, no Ctrl-C can hit one half-started.
        with _stop_signals_held():
            return pool.submit(*call)

    try:
        # Fork the workers now, before `items` is consumed: a child's resident
        # size starts with every page of the parent, so workers forked after a
        # directory of 100,000 entries has been listed carry that list too.
        submit(int).result()
        for tag, payload in items:
            pending.append((tag, submit(_run_task, function, payload)))
            if len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                done_tag, future = pending.popleft()
                yield done_tag, future.result()
        while pending:
            done_tag, future = pending.popleft()
            yield done_tag, future.result()
    except BaseException:
        # Stopped workers finish in a moment; waiting for them also keeps the
        # interpreter's exit from racing the pool's own thread (Python 3.11
        # then printed "Exception ignored ... Bad file descriptor").
        _stop_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def _stop_signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM held back from this thread for the block (delivered
    after it). Processes and threads started inside keep them blocked until
    they unblock them: the pool's own threads never do, so the main thread
    always gets them and its wait for a result is interrupted at once."""
    if not hasattr(signal, "pthread_sigmask"):  # not POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# A worker's state: its parent's pid, whether it runs a task (then a stop
# signal interrupts it), whether a stop signal came (then it drops its tasks).
_parent_pid = 0
_busy = False
_stopping = False


def _start_worker(parent_pid: int) -> None:
    """A worker's first act: stop signals end its batch, never the process
    (with a traceback for each worker, as before). One the main process
    ignores (SIGINT in a shell's background job) the worker ignores too."""
    global _parent_pid
    _parent_pid = parent_pid
    for signum in STOP_SIGNALS:
        if signal.getsignal(signum) != signal.SIG_IGN:
            signal.signal(signum, _on_stop_signal)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)


def _on_stop_signal(signum: int, frame) -> None:
    """In a worker: a running task is interrupted (the KeyboardInterrupt goes
    back to the main process as its result) and the queued ones are dropped;
    an idle worker waits for the main process to shut the pool down, unless
    that process is gone, when it exits."""
    global _stopping
    _stopping = True
    if _busy:
        raise KeyboardInterrupt
    if os.getppid() != _parent_pid:
        os._exit(128 + signum)


def _run_task(function: Callable[[Payload], Result], payload: Payload) -> Result:
    """`function(payload)` in a worker, interruptible by a stop signal."""
    global _busy
    if _stopping:
        raise KeyboardInterrupt
    _busy = True
    try:
        return function(payload)
    finally:
        _busy = False


def _stop_workers(pool) -> None:
    """Tell the pool's workers to drop their work, so that the pool shuts down
    in a moment: SIGTERM, which they heed also in a background job, where
    they ignore SIGINT."""
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            os.kill(process.pid, signal.SIGTERM)
        except (OSError, AttributeError, TypeError):
            pass
