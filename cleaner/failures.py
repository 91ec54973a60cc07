"""Failed inputs named on stderr, not only counted.

A summary that says `failed: not_found 1` leaves the user to guess which of
their inputs it was. `cleaner clean` therefore names the first few failed
inputs with their reason after the summary, and points to `--errors` for
the complete list (the first SHOWN are enough to see what went wrong; a crawl
with a million broken files must not flood the terminal).

Failures are errors, so they are named even with `-q`, which silences the
summary and the progress bar (`cp -q`, `rsync -q` keep their error messages
too); only the advice to use `--errors` is left out there.
"""

from __future__ import annotations

import sys
from typing import TextIO

from .document import FAILED, Document
from .explain import printable

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
