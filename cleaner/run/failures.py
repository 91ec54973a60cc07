"""Failed inputs and invalid records named on stderr, not only counted.

A summary that says `failed: not_found 1` leaves the user to guess which of
their inputs it was. `cleaner clean` therefore names the first few failed
inputs with their reason after the summary, and points to `--errors` for
the complete list (the first SHOWN are enough to see what went wrong; a crawl
with a million broken files must not flood the terminal).

Failures are errors, so they are named even with `-q`, which silences the
summary and the progress bar (`cp -q`, `rsync -q` keep their error messages
too); only the advice to use `--errors` is left out there.

`cleaner dedup` passes through the lines that are not JSON objects with a
string text; InvalidRecords says which lines they were and why, and, when
records lack the text field, which fields they have instead, so that the
usual mistake (the text is under another name) is one --text-field away.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass
from typing import TextIO

from ..document import FAILED, Document
from ..io.pipes import printable

SHOWN = 20


class FailedInputs:
    """The first `shown` failed documents (source, reason, message) of a run,
    and how many failed in all: memory stays bounded whatever the run's size."""

    def __init__(self, shown: int = SHOWN) -> None:
        self.shown = shown
        self.first: list[tuple[str, str, str]] = []
        self.count = 0

    def add(self, doc: Document) -> None:
        """Remember `doc` if it failed (dropped documents are not failures)."""
        if doc.status != FAILED:
            return
        self.count += 1
        if len(self.first) < self.shown:
            self.first.append((doc.source, doc.reason or "failed", doc.message or ""))

    def lines(self, errors_path: str | None, advise: bool = True) -> list[str]:
        """What stderr gets: one line per named failure, then where the rest
        are (`errors_path`), or, without one, how to get them (`advise`:
        also when all were named)."""
        out = [f"cleaner: {printable(source)}: {reason}" + (f" ({printable(message)})" if message else "")
               for source, reason, message in self.first]
        more = self.count - len(self.first)
        if more:
            where = f"see {printable(errors_path)}" if errors_path else "run with --errors FILE to list them all"
            out.append(f"cleaner: and {more:,} more; {where}")
        elif self.count and advise and not errors_path:
            out.append("cleaner: --errors FILE lists every document not written, as JSON Lines")
        return out

    def write(self, errors_path: str | None, advise: bool = True, stream: TextIO | None = None) -> None:
        """The lines on stderr (or `stream`)."""
        stream = stream or sys.stderr
        for line in self.lines(errors_path, advise):
            stream.write(line + "\n")
        stream.flush()


# Why a line of `cleaner dedup`'s input is not a record it can deduplicate.
NOT_JSON, NOT_OBJECT, NO_TEXT, TEXT_NOT_STRING = "not_json", "not_object", "no_text", "text_not_string"


@dataclass
class Problem:
    """One invalid line: its number (from 1), why, and what it holds."""

    line: int
    kind: str
    fields: dict[str, int] | None = None  # an object's fields: length of a string value, else -1
    head: bytes = b""  # the start of a line that is not JSON


class InvalidRecords:
    """What was wrong with the lines `cleaner dedup` passed through: counts
    by kind, the first line numbers of each, and the fields the records
    without a text have (bounded, whatever the input's size)."""

    LINES_SHOWN = 5
    FIELDS_KEPT = 100  # distinct field names counted; later new names are ignored
    FIELDS_SHOWN = 8

    def __init__(self) -> None:
        self.counts: Counter = Counter()
        self.lines: dict[str, list[int]] = {}
        self.fields: Counter = Counter()  # records having the field
        self.string_chars: Counter = Counter()  # characters of its string values
        self.head: bytes | None = None  # the first line that is not JSON

    def add(self, problem: Problem) -> None:
        self.counts[problem.kind] += 1
        lines = self.lines.setdefault(problem.kind, [])
        if len(lines) < self.LINES_SHOWN:
            lines.append(problem.line)
        for name, length in (problem.fields or {}).items():
            if name in self.fields or len(self.fields) < self.FIELDS_KEPT:
                self.fields[name] += 1
                self.string_chars[name] += max(length, 0)
        if problem.kind == NOT_JSON and self.head is None:
            self.head = problem.head

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def likely_text_field(self, exclude: set[str]) -> str | None:
        """The field holding the most characters of string: where texts usually are."""
        candidates = [(chars, name) for name, chars in self.string_chars.items()
                      if chars > 0 and name not in exclude]
        return max(candidates)[1] if candidates else None

    def _where(self, kind: str) -> str:
        """`line 4`, or `lines 2, 5, 9, 11, 14 and 2 more`."""
        shown = self.lines.get(kind, [])
        more = self.counts[kind] - len(shown)
        listed = ", ".join(str(n) for n in shown) + (f" and {more:,} more" if more else "")
        return ("line " if self.counts[kind] == 1 else "lines ") + listed

    def _field_list(self) -> str:
        names = self.fields.most_common(self.FIELDS_SHOWN)
        more = len(self.fields) - len(names)
        return ", ".join(f"{name} ({count:,})" for name, count in names) + (f" and {more} more" if more else "")

    def descriptions(self, text_field: str, id_field: str) -> list[str]:
        """One sentence per kind of invalid line, with where they are and
        what to do about them."""
        out = []
        count = self.counts[NO_TEXT]
        if count:
            text = (f'{count:,} record{"s" if count != 1 else ""} {"have" if count != 1 else "has"} no '
                    f'"{printable(text_field)}" field ({self._where(NO_TEXT)})')
            if self.fields:
                text += f"; {'their' if count != 1 else 'its'} fields: {printable(self._field_list())}"
            guess = self.likely_text_field({text_field, id_field})
            text += ("; give the field holding the text with --text-field"
                     + (f" (e.g. --text-field {printable(guess)})" if guess else ""))
            out.append(text)
        for kind, one, many in (
                (TEXT_NOT_STRING, f'record has a "{printable(text_field)}" that is not a string',
                 f'records have a "{printable(text_field)}" that is not a string'),
                (NOT_OBJECT, "line is JSON but not an object", "lines are JSON but not objects"),
                (NOT_JSON, "line is not JSON", "lines are not JSON")):
            count = self.counts[kind]
            if count:
                out.append(f"{count:,} {one if count == 1 else many} ({self._where(kind)})")
        return out

    def warnings(self, text_field: str, id_field: str) -> list[str]:
        """stderr lines for a run that went on: the invalid lines were passed through."""
        if not self.total:
            return []
        head = f"cleaner dedup: {self.total:,} line{'s' if self.total != 1 else ''} passed through unchanged:"
        return [head] + [f"cleaner dedup:   {text}" for text in self.descriptions(text_field, id_field)]

    def error(self, source: str, text_field: str, id_field: str) -> str:
        """The message when no line is valid (nothing to deduplicate)."""
        source = printable(source)
        if self.counts[NOT_JSON] + self.counts[NOT_OBJECT] == self.total:
            html = (self.head or b"").lstrip()[:1] == b"<"
            return (f"{source} is not JSON Lines: none of its {self.total:,} lines is a JSON object"
                    + (" (it looks like HTML; `cleaner clean` reads web pages)" if html else ""))
        return "\n  ".join([f'no record of {source} has a string "{printable(text_field)}" field: '
                            "nothing to deduplicate", *self.descriptions(text_field, id_field)])
