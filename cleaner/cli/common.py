"""What the commands share: exit codes, the errors that end a command with
exit 2 and one line, option checks, and the outputs checked before any work."""

from __future__ import annotations

import errno
import io
import os
import sys
import tempfile

import click

from ..io.outputs import output_problem, resolve
from ..io.writers import STDOUT

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


def journal_path(output: str, output_format: str, out_dir: str | None) -> str | None:
    """Where a run keeps its journal: beside its output file (beside a
    symlink's target), or in --out-dir. None for stdout and for an output
    written through in place (a device, pipe, socket, /dev/fd/N): nothing can
    sit beside those, and the run journals to a temporary file if at all."""
    if output_format == "txt":
        return os.path.join(out_dir, ".cleaner-journal")
    if output == STDOUT:
        return None
    place = resolve(output).place
    if place is None:
        return None
    directory, name = os.path.split(place)
    return os.path.join(directory, f".{name}.cleaner-journal")


def path_list(files_from: str):
    """Paths listed in FILE (or stdin for `-`), one per line, bytes kept as
    surrogate escapes so that any file name round-trips."""
    from ..io.paths import paths_from

    if files_from == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="surrogateescape")
    else:
        try:
            stream = open(files_from, encoding="utf-8", errors="surrogateescape")
        except OSError as exc:
            raise click.UsageError(f"cannot read --files-from {files_from}: {exc.strerror}")
    return paths_from(stream)


def chain(first, rest):
    yield from first
    yield from rest


def check_index(options) -> None:
    """Open the run's persistent index once before any work: a file that is
    not an index, other parameters, an unreachable server end here, exit 2."""
    from ..dedup.store import IndexProblem
    from ..run.indexing import open_store

    try:
        open_store(options).close()
    except IndexProblem as exc:
        raise click.UsageError(f"--index: {exc}") from None
