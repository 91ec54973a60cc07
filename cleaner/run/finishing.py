"""The last pass, one journal line at a time: a processed document's record
as it is written, with its duplicate fields, and without its site
boilerplate when it held some. The driver runs it over the journal
(pipeline.CleanRun), a cluster's tasks over the records they keep
(cluster/records.py): one function, so both write the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..chrome.sites import SiteStats
from ..dedup.index import Grouping
from ..document import DUPLICATE_DROPPED, Document, Options
from .journal import parse_line, report_figures, split_line, written_figures
from .jsonl_dedup import IdTable, duplicate_fields, with_duplicate_fields
from .site_learning import remove_site_boilerplate
from .stats import RunStats


@dataclass(frozen=True)
class Written:
    """A record ready to write (JSON, newline included), copied from the
    journal line, and the figures the run counts for it."""

    line: bytes
    chars: int
    text_bytes: int
    flagged: bool
    report: list | None = None  # (journal.report_figures)
    removed: dict | None = None


def finish_line(line: bytes, fields: dict | None, options: Options, *, edited: bool = False,
                site_stats: SiteStats | None = None, new_id: str | None = None,
                as_bytes: bool = False) -> Document | Written:
    """Journal line → what is written. `fields`: the document's duplicate
    fields (duplicate_fields), None when in no group; `edited`: it holds
    site boilerplate, removed here; `new_id`: the id the run gave it, when
    not the one it asked for. With `as_bytes`, a written document the last
    pass leaves alone comes as its record's bytes (Written), without
    parsing it; anything else as a Document."""
    duplicate = fields is not None and fields.get("duplicate_of") is not None
    # (a duplicate that --drop-duplicates drops goes on as a Document, for --errors)
    if as_bytes and not edited and new_id is None and not (duplicate and options.drop_duplicates):
        record, rest = split_line(line)
        figures = written_figures(rest)
        if fields is not None and figures is not None:
            record = with_duplicate_fields(record, fields)
        if figures is not None and record is not None:
            return Written(record + b"\n", figures[0], figures[1], duplicate, *report_figures(rest))
    doc = parse_line(line)
    if new_id is not None:
        doc.id = new_id
    if edited:
        remove_site_boilerplate(doc, site_stats, options=options)
    if fields is not None:
        for name, value in fields.items():
            setattr(doc, name, value)
        if duplicate and options.drop_duplicates:
            doc.drop(DUPLICATE_DROPPED, f"near-duplicate of {fields['duplicate_of']}")
    return doc


def fields_of(key: int, root: int | None, grouping: Grouping, ids: IdTable) -> dict | None:
    """Document `key`'s duplicate fields, kept as `root` (None: in no group)."""
    return None if root is None else duplicate_fields(key, root, grouping, ids)


def count(stats: RunStats, item: Document | Written) -> None:
    """What the run's figures count for one finished line."""
    if isinstance(item, Written):
        stats.count_written(item.chars, item.text_bytes, flagged=item.flagged, report=item.report,
                            removed=item.removed)
    else:
        stats.count_result(item)
