"""Engines: what runs the per-document stages (`stages.process_job`) over a
run's batches, results in input order. `local` is the process pool of this
machine (pool.py); `ray` sends each batch to a Ray cluster as a task
(retried by Ray when a worker dies), the same function on the same batch.

An engine is small on purpose (`map_ordered`, `close`; a cluster adds a
shuffle: `map_partitioned`, `reduce`), so that another (Dask, Spark) needs
no change to the stages or the pipeline.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from .pool import ordered_map

# Ray returns a value under 100 KB inline to the caller: a shuffle's parts
# would all come to the driver. Not inlined, they stay in the object store of
# the node that made them. A program that starts Ray itself gives this to
# ray.init(runtime_env=...) to run cleaner's tasks in its workers.
RUNTIME_ENV = {"env_vars": {"RAY_max_direct_call_object_size": "0"}}


class EngineProblem(Exception):
    """An engine that cannot run: Ray not installed, or no cluster at the address."""


class Engine(Protocol):
    # (optional) reads_inputs: True when tasks should read the inputs themselves
    # (crawl and record files in parts), as on a cluster whose nodes share them;
    # cpus: how many tasks run at once (a file is cut in four parts per CPU at least);
    # map_partitioned, reduce and reduce_partitioned (see RayEngine, can_shuffle): a
    # shuffle, for site learning, near-duplicates and shards made in the cluster instead
    # of in this process.

    def map_ordered(self, function: Callable[[Any], Any], items: Iterable[tuple[Any, Any]]
                    ) -> Iterator[tuple[Any, Any]]:
        """(tag, function(payload)) for each (tag, payload), in the items' order."""

    def close(self) -> None:
        """Release what the engine started."""


class LocalEngine:
    """This machine's process pool (`workers` processes; 1: this process)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map_ordered(self, function, items):
        return ordered_map(function, items, self.workers)

    def close(self) -> None:
        pass


class RayEngine:
    """Batches as Ray tasks: at most `in_flight` at once per CPU of the
    cluster, their results taken in order. Joins the cluster at `address`
    (`auto`, `ray://head:10001`), or starts a local Ray instance when there
    is none (stopped again by `close`). Tasks read their inputs themselves:
    no page passes through the driver."""

    reads_inputs = True
    longest_task_seconds = 60.0  # (batches grow with the run up to this: BatchSizer)

    def __init__(self, address: str | None = None, num_cpus: int | None = None, in_flight: int = 2) -> None:
        try:
            import ray
        except ImportError:
            raise EngineProblem("--engine ray needs Ray: pip install 'cleaner[ray]'") from None
        self._ray = ray
        self._started = not ray.is_initialized()
        # A local instance keeps its sockets and logs in a directory of its own, removed by close().
        self._directory = _short_directory() if self._started and address is None else None
        if self._started:
            handlers = _signal_handlers()
            try:
                ray.init(address=address, num_cpus=num_cpus if address is None else None,
                         include_dashboard=False, log_to_driver=False, configure_logging=False,
                         runtime_env=RUNTIME_ENV,
                         **({"_temp_dir": self._directory} if self._directory else {}))
            except (ConnectionError, RuntimeError, ValueError, OSError) as exc:
                _restore(handlers)
                self.close()
                raise EngineProblem(f"cannot join the Ray cluster at {address or 'a new local instance'}: "
                                    f"{' '.join(str(exc).split())[:300]}") from None
            # Ray's core replaces the SIGTERM handler with one that dumps a stack and
            # dies: the run's own (stop cleanly, exit 130, the journal kept) come back.
            _restore(handlers)
            # A run stopped by a signal may never close its engine (the generator
            # running it is dropped at exit): the instance and its files go then.
            atexit.register(self.close)
        self.cpus = cpus = int(ray.cluster_resources().get("CPU", 1))
        # The shuffles' tasks need RUNTIME_ENV: the job has it (Ray started here, or by a
        # program that gave it), or those tasks get it, in workers of their own (slower:
        # Ray starts workers for each environment, and stops others for them).
        job_env = (ray.get_runtime_context().runtime_env or {}).get("env_vars") or {}
        self._shuffle_options = {} if all(job_env.get(k) == v for k, v in RUNTIME_ENV["env_vars"].items()) \
            else {"runtime_env": RUNTIME_ENV}
        self._limit = max(2, in_flight * cpus)
        self._task = ray.remote(_call).options(max_retries=3, retry_exceptions=False)
        if self._started:
            self._warm_up()

    def _warm_up(self) -> None:
        """Start a worker per CPU (a Python process with Ray's core: about
        a second) as part of starting Ray, not on a run's first tasks."""
        ready = [self._task.remote(_held, 0.2) for _ in range(self.cpus)]
        try:
            self._ray.get(ready, timeout=120)
        except self._ray.exceptions.RayError:
            pass  # (slow or failed: the run's own tasks will say)

    def map_ordered(self, function, items):
        submitted = ((tag, [self._task.remote(function, payload)]) for tag, payload in items)
        with contextlib.closing(self._windowed(submitted)) as done:
            for tag, refs in done:
                yield tag, self._result(refs[0])

    def _windowed(self, submitted: Iterator[tuple[Any, list]]) -> Iterator[tuple[Any, list]]:
        """(tag, a task's refs) as submitted, in order, with at most `_limit`
        tasks in flight; those still queued when the consumer stops are not
        wanted, and are cancelled."""
        pending: deque = deque()
        try:
            for item in submitted:
                pending.append(item)
                if len(pending) >= self._limit:
                    yield pending.popleft()
            while pending:
                yield pending.popleft()
        finally:
            for _, refs in pending:
                self._ray.cancel(refs[0], force=False)

    def _result(self, ref):
        """A task's result; a task Ray gave up on (its retries spent, the
        cluster gone) ends the run as an EngineProblem, with what Ray said."""
        try:
            return self._ray.get(ref)
        except self._ray.exceptions.RayError as exc:
            said = " ".join(str(exc).split())[:300]
            raise EngineProblem(f"a Ray task failed after its retries ({type(exc).__name__}: {said})") from None

    def map_partitioned(self, function, items, partitions: int):
        """(tag, result, handles) for each (tag, payload), in order, where
        `function(payload, partitions)` gives (result, one part per
        partition): the result comes here, the parts stay in the cluster
        (handles for `reduce`; Ray makes a lost one again from its task)."""
        # (with RUNTIME_ENV, so that the parts are not inlined to the driver)
        task = self._ray.remote(_call_partitioned).options(
            num_returns=partitions + 1, max_retries=3, retry_exceptions=False, **self._shuffle_options)
        submitted = ((tag, task.remote(function, payload, partitions)) for tag, payload in items)
        with contextlib.closing(self._windowed(submitted)) as done:
            for tag, refs in done:
                yield tag, self._result(refs[0]), refs[1:]

    def reduce(self, function, shared, jobs):
        """`function(shared, payload, parts)` for each (payload, handles), run
        where the cluster likes, results in order; `shared` goes to the
        cluster once."""
        task = self._ray.remote(_call_reduce).options(max_retries=3, retry_exceptions=False)
        for result, _ in self._reduced(task, (function,), shared, jobs):
            yield result

    def reduce_partitioned(self, function, shared, jobs, partitions: int):
        """`reduce` whose tasks' answers stay in the cluster too:
        `function(shared, payload, parts)` gives (result, one part per
        partition); yields (result, handles) in order, for a next reduce."""
        task = self._ray.remote(_call_reduce_partitioned).options(
            num_returns=partitions + 1, max_retries=3, retry_exceptions=False, **self._shuffle_options)
        yield from self._reduced(task, (function, partitions), shared, jobs)

    def _reduced(self, task, leading: tuple, shared, jobs) -> Iterator[tuple[Any, list]]:
        """(result, its task's other refs) of every job, all submitted at
        once, in order; those not consumed when the consumer stops are not
        wanted, and are cancelled."""
        shared_ref = self._ray.put(shared)
        pending = deque(task.remote(*leading, shared_ref, payload, *handles) for payload, handles in jobs)
        try:
            while pending:
                refs = pending[0] if isinstance(pending[0], list) else [pending[0]]
                yield self._result(refs[0]), refs[1:]
                pending.popleft()
        finally:
            for refs in pending:
                self._ray.cancel(refs[0] if isinstance(refs, list) else refs, force=False)

    def close(self) -> None:
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
        if self._directory is not None:
            # Ray's own processes may still write their last logs there for a moment after shutdown
            for _ in range(50):
                shutil.rmtree(self._directory, ignore_errors=True)
                if not os.path.exists(self._directory):
                    break
                time.sleep(0.1)
            self._directory = None


_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _signal_handlers() -> dict:
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {signum: signal.getsignal(signum) for signum in _STOP_SIGNALS}


def _restore(handlers: dict) -> None:
    for signum, handler in handlers.items():
        if handler is not None:
            signal.signal(signum, handler)


def _short_directory() -> str:
    """A new directory for a local Ray instance, under TMPDIR when its path is
    short enough for Ray's sockets (107 bytes at most, ~70 taken by Ray)."""
    base = tempfile.gettempdir()
    return tempfile.mkdtemp(prefix="cleaner-ray-", dir=base if len(base) <= 24 else "/tmp")


def _held(seconds: float) -> None:
    """A warm-up task: held a moment, so that every CPU's worker gets one."""
    time.sleep(seconds)


def _call(function: Callable[[Any], Any], payload: Any) -> Any:
    return function(payload)


def _call_partitioned(function: Callable[[Any, int], Any], payload: Any, partitions: int) -> tuple:
    result, parts = function(payload, partitions)
    if len(parts) != partitions:
        raise ValueError(f"{len(parts)} parts for {partitions} partitions")
    return (result, *parts)


def _call_reduce_partitioned(function: Callable[[Any, Any, list], Any], partitions: int, shared: Any, payload: Any,
                             *parts: Any) -> tuple:
    result, out = function(shared, payload, list(parts))
    if len(out) != partitions:
        raise ValueError(f"{len(out)} parts for {partitions} partitions")
    return (result, *out)


def _call_reduce(function: Callable[[Any, Any, list], Any], shared: Any, payload: Any, *parts: Any) -> Any:
    return function(shared, payload, list(parts))  # (Ray has fetched the parts: arguments at the top level)


# Every map task returns one object per partition, each referenced by the
# driver (the owner of task returns): partitions are capped so that the
# references stay few beside the documents (docs/scaling.md).
MAX_PARTITIONS = 32


def can_shuffle(engine) -> bool:
    """Whether `engine` keeps tasks' parts in the cluster for reduces
    (map_partitioned, reduce, reduce_partitioned: RayEngine): then site
    learning, near-duplicates and sharded output run there."""
    return all(hasattr(engine, name) for name in ("map_partitioned", "reduce", "reduce_partitioned"))


def shuffle_partitions(engine) -> int:
    """How many partitions a shuffle on `engine` gets: one per CPU (a reduce
    task each), 2 to 32. (A candidate pair comes back once from each
    partition that finds it: more partitions, more copies to the driver.)"""
    return max(2, min(MAX_PARTITIONS, getattr(engine, "cpus", 1)))


def engine_for(options) -> Engine:
    """The engine a run's options ask for."""
    if options.engine == "ray":
        return RayEngine(options.address, num_cpus=options.workers)
    return LocalEngine(options.workers)
