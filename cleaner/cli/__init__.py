"""The `cleaner` command: a thin layer over `cleaner.clean`, one module per
command with its help text (clean, explain, dedup, dups, report, detect, index), and what
they share in common.py.

stdout carries data only (JSON Lines); everything for people goes to stderr.
Exit codes: 0 the run completed and every document was read, 1 some document
failed (unreadable, missing, internal error), 2 usage error, 130 interrupted,
141 output pipe closed early (as `| head` does).

May import any part of cleaner; no part imports it.
"""

from __future__ import annotations

import os
import sys

import click

# cleaner does no linear algebra, yet numpy's OpenBLAS starts a thread per
# extra core when numpy is imported, and that thread busy-waits ~0.1 s of CPU
# before it sleeps: CPU the workers need. A value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from .. import __version__  # noqa: E402
from ..io.pipes import closed_pipe_reported, silence_closed_outputs  # noqa: E402
from ..views.terminal import interrupts_ignored  # noqa: E402
from .clean import clean_command  # noqa: E402
from .common import EXIT_BROKEN_PIPE, EXIT_INTERRUPTED, CannotWrite, where  # noqa: E402
from .dedup import dedup_command  # noqa: E402
from .detect import detect_command  # noqa: E402
from .dups import dups_command  # noqa: E402
from .explain import explain_command  # noqa: E402
from .index import index_command  # noqa: E402
from .report import report_command  # noqa: E402

__all__ = ["main"]


class _Group(click.Group):
    """Turns an output that cannot be written (a report in /proc, a full disk)
    into a one-line error with exit 2, a closed output pipe into a quiet exit
    141, and a Ctrl-C that no command reported (one while it was starting)
    into exit 130, whichever command met it."""

    def invoke(self, ctx: click.Context):
        try:
            with closed_pipe_reported():
                return super().invoke(ctx)
        except KeyboardInterrupt:
            with interrupts_ignored():
                click.echo("cleaner: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:
            silence_closed_outputs()
            sys.exit(EXIT_BROKEN_PIPE)
        except OSError as exc:
            raise CannotWrite(f"cannot write {where(exc)}{exc.strerror or exc}") from None


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="cleaner")
def main() -> None:
    """cleaner: turn scraped web pages into a clean, deduplicated text corpus.

    \b
    Example:
      cleaner clean samples/ -o corpus.jsonl

    Run `cleaner COMMAND --help` for the options of each command.
    """


for _command in (clean_command, explain_command, dedup_command, dups_command, report_command, detect_command,
                 index_command):
    main.add_command(_command)
