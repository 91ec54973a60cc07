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
from datetime import datetime, timezone
from typing import Any

from ..chrome import RULE_KINDS
from ..chrome.sites import site_of
from ..document import DROPPED, FAILED, SKIPPED, Document
from ..tokens import utf8_length

# What the report names one by one (the rest is counted): documents not
# written, documents whose encoding needed a repair, sites (by lines
# removed), and each site's boilerplate paragraphs. Sites beyond
# SITES_KEPT are counted together, so that a crawl of millions of sites
# keeps the figures small.
NOT_WRITTEN_LISTED, REPAIRED_LISTED, SITES_LISTED, BOILERPLATE_LISTED = 10_000, 1_000, 1_000, 30
SITES_KEPT = 100_000
OTHER_SITES = "(other sites)"
_PARAGRAPH_SHOWN = 300  # characters of a boilerplate paragraph the report keeps
# A site's figures: documents, written, lines removed by the chrome rules, by
# site learning, characters in, characters out.
_SITE_FIGURES = 6


@dataclass
class Breakdown:
    """What the run removed and decided, by rule, site, encoding and
    language, and the documents not written, for the report (and the HTML
    report drawn from it). Counted for every document once it is final."""

    rules: Counter = field(default_factory=Counter)  # rule -> lines removed
    sites: dict[str, list[int]] = field(default_factory=dict)
    boilerplate: dict[str, Counter] = field(default_factory=dict)  # site -> paragraph -> documents
    encodings: Counter = field(default_factory=Counter)  # (encoding, method) -> documents
    languages: Counter = field(default_factory=Counter)
    repaired: int = 0
    repaired_listed: list[dict] = field(default_factory=list)
    not_written: int = 0
    not_written_listed: list[dict] = field(default_factory=list)

    def add(self, site: str | None, written: bool, removed: dict | None, boilerplate: list[str] | None,
            encoding: str | None, method: str | None, language: str | None, chars: tuple[int, int]) -> None:
        """One final document's figures."""
        rule_lines = site_lines = 0
        for rule, lines in (removed or {}).items():
            self.rules[rule] += lines
            if rule == "site_boilerplate":
                site_lines += lines
            else:
                rule_lines += lines
        if site is not None:
            site = self._add_site(site, (1, written, rule_lines, site_lines, *chars))
            if boilerplate:
                seen = self.boilerplate.setdefault(site, Counter())
                for paragraph in boilerplate:
                    seen[paragraph[:_PARAGRAPH_SHOWN]] += 1
        if encoding is not None:
            self.encodings[(encoding, method or "")] += 1
        if language is not None and written:
            self.languages[language] += 1

    def _add_site(self, site: str, figures) -> str:
        """Add a site's figures; returns the site they went to (OTHER_SITES
        once SITES_KEPT sites are kept)."""
        if site not in self.sites and len(self.sites) >= SITES_KEPT:
            site = OTHER_SITES
        mine = self.sites.setdefault(site, [0] * _SITE_FIGURES)
        for i, value in enumerate(figures):
            mine[i] += value
        return site

    def add_repaired(self, doc_id: str, source: str, repairs: list[str]) -> None:
        self.repaired += 1
        if len(self.repaired_listed) < REPAIRED_LISTED:
            self.repaired_listed.append({"id": doc_id, "source": source, "repairs": list(repairs)})

    def add_not_written(self, doc: Document) -> None:
        self.not_written += 1
        if len(self.not_written_listed) < NOT_WRITTEN_LISTED:
            self.not_written_listed.append(doc.error_record())

    def merge(self, other: "Breakdown") -> None:
        """Another part of the run's figures (a cluster task's), which comes after these."""
        self.rules.update(other.rules)
        kept = {site: self._add_site(site, figures) for site, figures in other.sites.items()}
        for site, seen in other.boilerplate.items():
            self.boilerplate.setdefault(kept[site], Counter()).update(seen)
        self.encodings.update(other.encodings)
        self.languages.update(other.languages)
        self.repaired += other.repaired
        self.repaired_listed.extend(other.repaired_listed[:REPAIRED_LISTED - len(self.repaired_listed)])
        self.not_written += other.not_written
        self.not_written_listed.extend(other.not_written_listed[:NOT_WRITTEN_LISTED - len(self.not_written_listed)])

    def as_dict(self) -> dict[str, Any]:
        kinds: Counter = Counter()
        for rule, lines in self.rules.items():
            kinds[RULE_KINDS.get(rule, "other")] += lines
        ranked = sorted(self.sites.items(), key=lambda item: (-(item[1][2] + item[1][3]), -item[1][0], item[0]))
        return {
            "chrome": {"lines_removed": sum(self.rules.values()),
                       "by_rule": dict(sorted(self.rules.items(), key=lambda kv: (-kv[1], kv[0]))),
                       "by_kind": dict(sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))},
            "sites": {"count": len(self.sites), "listed": [self._site(site, figures)
                                                           for site, figures in ranked[:SITES_LISTED]]},
            "encodings": [{"encoding": encoding, "method": method, "documents": n}
                          for (encoding, method), n in sorted(self.encodings.items(), key=lambda kv: (-kv[1], kv[0]))],
            "languages": dict(sorted(self.languages.items(), key=lambda kv: (-kv[1], kv[0]))),
            "repaired": {"documents": self.repaired, "listed": self.repaired_listed},
            "not_written": {"documents": self.not_written, "listed": self.not_written_listed},
        }

    def _site(self, site: str, figures: list[int]) -> dict[str, Any]:
        seen = self.boilerplate.get(site, Counter())
        return {"site": site, **dict(zip(("documents", "written", "lines_removed", "boilerplate_lines",
                                          "chars_in", "chars_out"), figures)),
                "boilerplate": [{"paragraph": text, "documents": n} for text, n in
                                sorted(seen.items(), key=lambda kv: (-kv[1], kv[0]))[:BOILERPLATE_LISTED]]}


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
    breakdown: Breakdown = field(default_factory=Breakdown)
    clusters: Any = field(default_factory=list)  # a dedup.ClusterReport: len() and iteration
    index: dict | None = None  # with --index: the persistent index's figures (run/indexing.py)
    started: float = field(default_factory=time.monotonic)
    # when the run started, for people (ISO 8601, UTC)
    started_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    finished: float | None = None

    def count_read(self, doc: Document) -> None:
        self.count_read_batch(1, doc.bytes_in)

    def count_read_batch(self, documents: int, bytes_in: int) -> None:
        """Documents read, from a batch's figures alone."""
        self.read += documents
        self.bytes_in += bytes_in

    def count_result(self, doc: Document) -> None:
        if doc.status != SKIPPED:  # (not a document: a crawl's request record, an image)
            self.breakdown.add(site_of(doc.url, doc.source), doc.ok, doc.removed, doc.boilerplate, doc.encoding,
                               doc.encoding_method, doc.language, (doc.chars_in, doc.chars_out if doc.ok else 0))
            if doc.repairs:
                self.breakdown.add_repaired(doc.id, doc.source, doc.repairs)
            if not doc.ok:
                self.breakdown.add_not_written(doc)
        if doc.status == FAILED:
            self.failed[doc.reason] += 1
        elif doc.status == DROPPED:
            self.dropped[doc.reason] += 1
        elif doc.status == SKIPPED:
            self.skipped[doc.reason] += 1
        else:
            self.count_written(doc.chars_out, utf8_length(doc.text), flagged=doc.duplicate_of is not None)

    def count_written(self, chars: int, text_bytes: int, flagged: bool = False, report: list | None = None,
                      removed: dict | None = None) -> None:
        """A written document, from its figures alone; `flagged`: a near-duplicate;
        `report`: its figures for the breakdown (journal.report_figures), and
        `removed`, its lines removed by rule."""
        if report is not None:
            site, encoding, method, language, chars_in, *repaired = report
            self.breakdown.add(site, True, removed, None, encoding, method, language, (chars_in, chars))
            if repaired:
                self.breakdown.add_repaired(*repaired)
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
        self.breakdown.merge(other.breakdown)

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
            **self.breakdown.as_dict(),
            "clusters": self.clusters,
        }


def _peak_memory_mb() -> float | None:
    """Peak resident memory of this (the main) process so far, in MB."""
    try:
        import resource
    except ImportError:  # not on Unix
        return None
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
