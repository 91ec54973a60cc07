"""Engines: what runs functions over a run's batches, results in input order.

`local` is this machine's process pool (pool.py); `ray` runs each batch as a
task on a Ray cluster (cluster.py), and can keep a task's outputs where it
ran for a shuffle (`map_partitioned`, then `reduce`). The pipeline (run/)
hands engines the pure stage functions; engines know nothing of documents.

May import: the standard library and the engines' own libraries (Ray); no
other part of cleaner.
"""

from .cluster import (
    RUNTIME_ENV,
    Engine,
    EngineProblem,
    LocalEngine,
    RayEngine,
    can_shuffle,
    engine_for,
    shuffle_partitions,
)
from .pool import BatchSizer, batched, default_workers, ordered_map

__all__ = ["RUNTIME_ENV", "Engine", "EngineProblem", "LocalEngine", "RayEngine", "can_shuffle", "engine_for",
           "shuffle_partitions", "BatchSizer", "batched", "default_workers", "ordered_map"]
