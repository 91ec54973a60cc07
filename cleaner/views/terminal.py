"""What a person at a terminal meets besides the data: a hint when a run waits
on standard input, the count behind a progress line's total, and a quiet end
after Ctrl-C."""

from __future__ import annotations

import os
import signal
import stat
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def stdin_hint(inputs: tuple[str, ...], files_from: str | None) -> str | None:
    """What to tell someone whose run waits on standard input from a terminal
    (it looks hung otherwise): what it reads there and how to end it. None
    when the run does not read a terminal."""
    if files_from == "-":
        return reading_hint("input paths, one per line,")
    if "-" in inputs:
        return reading_hint("a document")
    return None


def reading_hint(what: str) -> str | None:
    """"cleaner: reading WHAT from standard input (the terminal); Ctrl-D
    ends it", when standard input is a terminal; None otherwise."""
    try:
        if sys.stdin is None or not sys.stdin.isatty():
            return None
    except ValueError:  # closed
        return None
    end = "Ctrl-Z then Enter" if os.name == "nt" else "Ctrl-D"
    return f"cleaner: reading {what} from standard input (the terminal); {end} ends it"


# Counts documents; gives up (None) once its event is set.
Counter = Callable[[threading.Event], "int | None"]


def input_counter(inputs: tuple[str, ...], files_from: str | None) -> Counter | None:
    """A function counting the documents the inputs hold, for a progress line
    with a total; it lists directories but reads no document, and gives up
    (None) once its event is set. None when inputs come from stdin or another
    stream, which can be read only once."""
    if "-" in inputs or files_from == "-":
        return None
    if files_from is not None:
        try:
            if not stat.S_ISREG(os.stat(files_from).st_mode):
                return None
        except OSError:
            return None

    def listed() -> Iterator[str]:
        from ..io.paths import paths_from

        yield from inputs
        if files_from is not None:
            with open(files_from, encoding="utf-8", errors="surrogateescape") as stream:
                yield from paths_from(stream)

    def count(stop: threading.Event) -> int | None:
        from ..io.paths import count as count_documents

        return count_documents(listed(), stop.is_set)
    return count


@contextmanager
def interrupts_ignored() -> Iterator[None]:
    """Once interrupted: a second Ctrl-C (or a key held down) must not cut the
    cleanup and the summary short with a traceback. After them, one ends the
    process at once, quietly, should its exit take long."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, signal.SIG_IGN)
    try:
        yield
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
