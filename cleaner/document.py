"""The record that flows through every stage, and the options that steer them.

A `Document` starts as bytes plus where they came from, and each stage fills in
more fields. Stages never raise for a bad document: they set `status` to
`failed` or `dropped` with a short stable `reason` code and a human `message`,
so that every input is accounted for at the end of a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

# Status values.
OK = "ok"
DROPPED = "dropped"
# Not a document at all (a WARC request or metadata record, an image, a 404):
# counted by reason, not written and not listed with --errors.
SKIPPED = "skipped"
FAILED = "failed"

# Stable reason codes (see README, "Accounting"). Dropped: empty_input,
# empty_after_cleaning, not_text, too_large, duplicate_dropped. Failed (exit 1):
# not_found, unreadable, corrupt (truncated or damaged compressed data),
# internal_error.
EMPTY_INPUT = "empty_input"
EMPTY_AFTER_CLEANING = "empty_after_cleaning"
DUPLICATE_DROPPED = "duplicate_dropped"
UNREADABLE = "unreadable"
NOT_FOUND = "not_found"
CORRUPT = "corrupt"
NOT_TEXT = "not_text"
TOO_LARGE = "too_large"
# A record of another tool (JSON Lines, Parquet) without the page field.
NO_PAGE = "no_page"
# How inputs are read: by content, or every file as records of another tool.
INPUT_FORMATS = ("auto", "jsonl", "parquet")
# What runs the per-document stages: this machine's process pool, or a Ray cluster.
ENGINES = ("local", "ray")
INTERNAL_ERROR = "internal_error"

# The fields the last pass sets for a document in a near-duplicate group.
DUPLICATE_FIELDS = ("duplicate_of", "duplicate_run", "cluster", "similarity", "contained_in", "containment")
# Fields written to the JSON Lines output, in this order.
RECORD_FIELDS = (
    "id", "source", "url", "title", "date", "crawl_date", "site", "language", "format",
    "text", "encoding", "encoding_method", "confidence", "repairs",
    *DUPLICATE_FIELDS,
    "bytes_in", "chars_in", "chars_out", "metadata",
)


@dataclass
class Document:
    """One input document and everything cleaner decided about it."""

    id: str
    source: str
    raw: bytes | None = field(default=None, repr=False)
    # File to read, when it differs from the printable `source` (undecodable names).
    path: str | None = field(default=None, repr=False)
    url: str | None = None
    title: str | None = None
    date: str | None = None  # the article's own date
    crawl_date: str | None = None  # when the crawler fetched it (WARC-Date)
    site: str | None = None
    language: str | None = None
    format: str | None = None  # "html" or "text", sniffed from content
    text: str = ""
    encoding: str | None = None
    encoding_method: str | None = None
    confidence: float | None = None
    repairs: list[str] = field(default_factory=list)
    duplicate_of: str | None = None
    # With a persistent index: the index's run that holds `duplicate_of` (and
    # `cluster`) when the kept document is of an earlier run; null otherwise.
    duplicate_run: int | None = None
    cluster: str | None = None
    similarity: float | None = None
    contained_in: str | None = None
    containment: float | None = None
    bytes_in: int = 0
    chars_in: int = 0
    chars_out: int = 0
    # A JSON Lines or Parquet input record's other fields, kept as they were.
    metadata: dict[str, Any] | None = None
    status: str = OK
    reason: str | None = None
    message: str | None = None
    # Every line's decision (with --explain): dicts of line, text, keep, rule, evidence, output.
    explain: list[dict[str, Any]] | None = field(default=None, repr=False)
    # MinHash signature (uint32 values) of the clean text and its number of
    # distinct shingles; not written out.
    signature: Any = field(default=None, repr=False)
    shingle_count: int = field(default=0, repr=False)
    # Per paragraph of the clean text, the 64-bit key site learning counts
    # (None for paragraphs that cannot be boilerplate); not written out.
    site_keys: list[int | None] | None = field(default=None, repr=False)
    # The HTTP Content-Type the bytes came with (a WARC response's): its
    # charset is the declared encoding. Not written out.
    content_type: str | None = field(default=None, repr=False)
    # Lines removed, by rule (the chrome rules' and "site_boilerplate"), and
    # the paragraphs site learning removed: counted in the run's report, not
    # written out.
    removed: dict[str, int] | None = field(default=None, repr=False)
    boilerplate: list[str] | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return self.status == OK

    # Pickled (to and from workers) as a tuple of field values in field
    # order, not a dict of names: a returned batch unpickles in half the time
    # in the main process, which shares the cores with the workers.
    def __getstate__(self) -> tuple | dict:
        state = self.__dict__
        if len(state) != len(_FIELD_NAMES):  # an attribute that is not a field: keep it
            return dict(state)
        return tuple([state[name] for name in _FIELD_NAMES])

    def __setstate__(self, state: tuple | dict) -> None:
        self.__dict__.update(state if isinstance(state, dict) else zip(_FIELD_NAMES, state))

    def fail(self, reason: str, message: str) -> "Document":
        self.status, self.reason, self.message = FAILED, reason, message
        self.raw = None
        return self

    def drop(self, reason: str, message: str) -> "Document":
        self.status, self.reason, self.message = DROPPED, reason, message
        self.raw = None
        return self

    def skip(self, reason: str, message: str) -> "Document":
        self.status, self.reason, self.message = SKIPPED, reason, message
        self.raw = None
        return self

    def record(self) -> dict[str, Any]:
        """The output record: the fields of RECORD_FIELDS, in order, and the
        line decisions when they were asked for."""
        out = {name: getattr(self, name) for name in RECORD_FIELDS}
        if self.explain is not None:
            out["explain"] = self.explain
        return out

    def error_record(self) -> dict[str, Any]:
        """What `--errors` receives for a document that is not written."""
        return {"id": self.id, "source": self.source, "status": self.status,
                "reason": self.reason, "message": self.message}

    def spool_record(self) -> dict[str, Any]:
        """Everything but the raw bytes and signature, for the on-disk spool."""
        return {name: getattr(self, name) for name in SPOOLED_FIELDS}

    @classmethod
    def from_spool(cls, data: dict[str, Any]) -> "Document":
        return cls(**data)


_FIELD_NAMES = tuple(f.name for f in fields(Document))
# What a journal keeps of a Document: all but the raw bytes, the signature
# (recomputed) and the path it was read from.
SPOOLED_FIELDS = tuple(name for name in _FIELD_NAMES
                       if name not in {"raw", "signature", "path", "shingle_count", "content_type"})


@dataclass(frozen=True)
class Options:
    """Every knob of a cleaning run. Defaults serve news text (see README)."""

    # Near-duplicates: word n-gram MinHash + LSH; `containment` links a shorter
    # report to a longer one holding this share of its shingles; `keep` picks
    # each group's representative (first | longest | earliest-date).
    threshold: float = 0.45
    containment: float = 0.8
    keep: str = "first"
    num_perm: int = 128
    ngram: int = 3
    seed: int = 1
    drop_duplicates: bool = False
    dedup: bool = True
    # Emit each document as soon as it is processed (keep-first, no site learning).
    stream: bool = False
    # Site-level learning: a short line in at least `site_min_docs` near-duplicate
    # clusters of a site, and in at least `site_min_share` of them, is boilerplate.
    site_learning: bool = True
    site_min_docs: int = 3
    site_min_share: float = 0.05
    # Extraction.
    favor_precision: bool = False
    favor_recall: bool = False
    # Keep every line's decision in the record ("explain" field).
    explain: bool = False
    # A persistent near-duplicate index (a file, or redis://...): checked
    # against, and this run's documents added unless `index_readonly`.
    index: str | None = None
    index_readonly: bool = False
    # Input limits.
    max_bytes: int = 64 * 1024 * 1024
    # Records of other tools (JSON Lines, Parquet): how inputs are read
    # (auto: by content) and which fields hold the page, id and URL.
    input_format: str = "auto"  # one of INPUT_FORMATS
    html_field: str | None = None
    text_field: str | None = None
    id_field: str = "id"
    url_field: str = "url"
    # At most this many documents per batch handed to a stage function (the
    # batches are sized to take ~0.25 s, see engines.pool.BatchSizer), and
    # processes running the batches (1: this process).
    batch_size: int = 1024
    workers: int = 1
    # The engine (one of ENGINES) and, for Ray, the cluster's address (None:
    # a local Ray instance of `workers` CPUs; "auto"; "ray://head:10001").
    engine: str = "local"
    address: str | None = None

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be in (0, 1], got {self.threshold}")
        if not 0.0 < self.containment <= 1.0:
            raise ValueError(f"containment must be in (0, 1], got {self.containment}")
        if self.index is not None and (self.stream or not self.dedup):
            raise ValueError("--index works with the corpus passes: not with --stream or --no-dedup")
        if self.stream and self.keep != "first":
            raise ValueError("streaming keeps the first document of a group (keep='first')")
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine}")
        if self.keep not in ("first", "longest", "earliest-date"):
            raise ValueError(f"keep must be first, longest or earliest-date, got {self.keep}")
        if self.num_perm < 16:
            raise ValueError(f"num_perm must be at least 16, got {self.num_perm}")
        if self.ngram < 1:
            raise ValueError(f"ngram must be at least 1, got {self.ngram}")
        if self.site_min_docs < 2:
            raise ValueError(f"site_min_docs must be at least 2, got {self.site_min_docs}")
        if not 0.0 <= self.site_min_share <= 1.0:
            raise ValueError(f"site_min_share must be in [0, 1], got {self.site_min_share}")
        if self.workers < 1:
            raise ValueError(f"workers must be at least 1, got {self.workers}")
        if self.max_bytes < 1:
            raise ValueError(f"max_bytes must be positive, got {self.max_bytes}")
        if self.favor_precision and self.favor_recall:
            raise ValueError("favor_precision and favor_recall exclude each other")
