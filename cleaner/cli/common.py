"""What the commands share: exit codes, the errors that end a command with
exit 2 and one line, option checks, and the outputs checked before any work."""

from __future__ import annotations

import errno
import tempfile

import click

from ..io.outputs import output_problem

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 0, 1, 2, 130, 141


def probability(ctx, param, value):
    if value is not None and not 0.0 < value <= 1.0:
        raise click.BadParameter("must be in (0, 1]")
    return value


class CannotWrite(click.ClickException):
    exit_code = EXIT_USAGE


class BadInput(click.ClickException):
    """An input that cannot be what the command takes: exit 2, one message."""

    exit_code = EXIT_USAGE


def where(exc: OSError) -> str:
    """The file an error is about, as a message's prefix. Outputs and the
    journal name themselves; a full disk that names nothing was met by the
    index's and the site spool's nameless temporary files."""
    if exc.filename:
        return f"{exc.filename}: "
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        return f"temporary files in {tempfile.gettempdir()}: "
    return ""


def check_outputs(*paths: str | None) -> None:
    """Refuse, before any work, an output that cannot be written: a
    directory, a directory that does not exist, a closed descriptor."""
    for path in paths:
        problem = output_problem(path) if path else None
        if problem:
            raise click.UsageError(f"cannot write {path}: {problem}")


def raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt
