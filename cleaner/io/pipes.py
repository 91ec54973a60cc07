"""The standard streams as pipes and terminals: page text made printable
(control characters and terminal escapes shown, never written raw), and
closed output pipes: when the reader of stdout goes away (`| head -1`,
quitting `less`), every command stops writing and exits 141, quietly.

Three things stood in the way: output still buffered when a command ends
met the closed pipe at exit, where Python prints "Exception ignored" and
exits 120 (click made it 1); rich exits 1 on a closed pipe; and Python
reports a closed pipe only when a write fails, which a write the pipe took in
part before its reader left does not (with PYTHONUNBUFFERED, when writes go
straight to the pipe, the rest is then lost without a word).
"""

from __future__ import annotations

import errno
import os
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Text safe to print on a terminal: control characters shown as \\xNN."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)


@contextmanager
def closed_pipe_reported() -> Iterator[None]:
    """Around a command: once it is done, what stdout still holds is written
    out, and a closed pipe raises BrokenPipeError, also one that only took
    part of a write (the kernel's SIGPIPE says so; Python ignores it)."""
    closed: list[bool] = []
    try:
        previous = signal.signal(signal.SIGPIPE, lambda signum, frame: closed.append(True))
    except (AttributeError, ValueError):  # not POSIX, or not the main thread
        previous = None
    try:
        try:
            yield
        except SystemExit:  # how commands end
            _write_out(closed)
            raise
        _write_out(closed)
    finally:
        if previous is not None:
            signal.signal(signal.SIGPIPE, previous)


def _write_out(closed: list[bool]) -> None:
    if sys.stdout is not None:
        sys.stdout.flush()
    if closed:
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))


def silence_closed_outputs() -> None:
    """After a closed pipe: stdout, and stderr if it is closed too, point at
    /dev/null, so that nothing written or flushed later fails again (the
    Python docs' recipe)."""
    _to_devnull(sys.stdout)
    try:
        if sys.stderr is not None:
            sys.stderr.flush()
    except (OSError, ValueError):
        _to_devnull(sys.stderr)


def _to_devnull(stream) -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no descriptor (None, a test's stream)
        pass


def stdout_console(**options):
    """A rich Console on stdout whose closed pipe raises BrokenPipeError
    (rich's own exits 1), so that the command exits 141 like the others."""
    from rich.console import Console

    class PipeConsole(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE))

    return PipeConsole(**options)
