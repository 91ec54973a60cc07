"""Run figures: what came in, what went out, and the accounting that ties them.

Invariant checked at the end of every run:
    read == written + skipped + dropped + failed
where flagged duplicates are among the written documents (or among the dropped
ones, reason `duplicate_dropped`, with --drop-duplicates).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..document import DROPPED, FAILED, SKIPPED, Document
from ..tokens import utf8_length


@dataclass
class RunStats:
    read: int = 0
    written: int = 0
    flagged: int = 0
    skipped: Counter = field(default_factory=Counter)
    dropped: Counter = field(default_factory=Counter)
    failed: Counter = field(default_factory=Counter)
    bytes_in: int = 0
    bytes_out: int = 0
    chars_out: int = 0
    clusters: Any = field(default_factory=list)  # a dedup.ClusterReport: len() and iteration
    index: dict | None = None  # with --index: the persistent index's figures (run/indexing.py)
    started: float = field(default_factory=time.monotonic)
    finished: float | None = None

    def count_read(self, doc: Document) -> None:
        self.count_read_batch(1, doc.bytes_in)

    def count_read_batch(self, documents: int, bytes_in: int) -> None:
        """Documents read, from a batch's figures alone."""
        self.read += documents
        self.bytes_in += bytes_in

    def count_result(self, doc: Document) -> None:
        if doc.status == FAILED:
            self.failed[doc.reason] += 1
        elif doc.status == DROPPED:
            self.dropped[doc.reason] += 1
        elif doc.status == SKIPPED:
            self.skipped[doc.reason] += 1
        else:
            self.count_written(doc.chars_out, utf8_length(doc.text), flagged=doc.duplicate_of is not None)

    def count_written(self, chars: int, text_bytes: int, flagged: bool = False) -> None:
        """A written document, from its figures alone; `flagged`: a near-duplicate."""
        self.written += 1
        self.chars_out += chars
        self.bytes_out += text_bytes
        self.flagged += flagged

    def add_results(self, other: "RunStats") -> None:
        """Another's documents written, skipped, dropped and failed (a
        cluster task's, which wrote a shard)."""
        self.written += other.written
        self.flagged += other.flagged
        self.skipped.update(other.skipped)
        self.dropped.update(other.dropped)
        self.failed.update(other.failed)
        self.bytes_out += other.bytes_out
        self.chars_out += other.chars_out

    def finish(self) -> None:
        self.finished = time.monotonic()

    @property
    def seconds(self) -> float:
        return (self.finished or time.monotonic()) - self.started

    @property
    def accounted(self) -> bool:
        return self.read == (self.written + sum(self.skipped.values()) + sum(self.dropped.values())
                             + sum(self.failed.values()))

    def as_dict(self) -> dict[str, Any]:
        return {
            "documents_read": self.read,
            "written": self.written,
            "flagged_duplicates": self.flagged,
            "skipped": dict(sorted(self.skipped.items())),
            "dropped": dict(sorted(self.dropped.items())),
            "failed": dict(sorted(self.failed.items())),
            "bytes_in": self.bytes_in,
            "bytes_out": self.bytes_out,
            "chars_out": self.chars_out,
            "seconds": round(self.seconds, 3),
            "peak_memory_mb": _peak_memory_mb(),
            "accounted": self.accounted,
            **({"index": self.index} if self.index is not None else {}),
            "clusters": self.clusters,
        }


def _peak_memory_mb() -> float | None:
    """Peak resident memory of this (the main) process so far, in MB."""
    try:
        import resource
    except ImportError:  # not on Unix
        return None
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
