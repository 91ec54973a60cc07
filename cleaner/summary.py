"""What people see on stderr: a progress bar on a terminal, a summary table at the end."""

from __future__ import annotations

import os
import sys

from .stats import RunStats


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


class Progress:
    """A transient progress line (documents, MB, rate) on stderr; silent when disabled."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self._progress = None
        self._task = None

    def __enter__(self) -> "Progress":
        if self.enabled:
            from rich.progress import (Progress as RichProgress, SpinnerColumn, TextColumn,
                                       TimeElapsedColumn)

            self._progress = RichProgress(
                SpinnerColumn(), TextColumn("{task.completed:,} documents"),
                TextColumn("{task.fields[mb]:.1f} MB"), TextColumn("{task.fields[rate]}"),
                TimeElapsedColumn(), console=_console(), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("clean", total=None, mb=0.0, rate="")
        return self

    def update(self, documents: int, bytes_in: int) -> None:
        if self._progress is not None:
            elapsed = self._progress.tasks[0].elapsed or 0.0
            rate = f"{documents / elapsed:,.0f} docs/s" if elapsed > 0.5 else ""
            self._progress.update(self._task, completed=documents, mb=bytes_in / 1e6, rate=rate)

    def __exit__(self, *exc) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def print_summary(stats: RunStats, interrupted: bool = False) -> None:
    """The run's figures as a table on stderr."""
    rows = [("documents read", f"{stats.read:,}", False), ("written", f"{stats.written:,}", False),
            ("  flagged near-duplicates", f"{stats.flagged:,}", False),
            ("  duplicate clusters", f"{len(stats.clusters):,}", False)]
    rows += [(f"dropped: {reason}", f"{count:,}", False) for reason, count in sorted(stats.dropped.items())]
    rows += [(f"failed: {reason}", f"{count:,}", True) for reason, count in sorted(stats.failed.items())]
    rows += [("bytes in", f"{stats.bytes_in:,}", False), ("bytes out (text)", f"{stats.bytes_out:,}", False)]
    seconds = stats.seconds
    rate = f" ({stats.read / seconds:,.0f} docs/s)" if seconds > 0 and stats.read else ""
    rows.append(("seconds", f"{seconds:,.2f}{rate}", False))
    rows.append(("accounted", "yes" if stats.accounted else "NO", not stats.accounted))
    print_table("cleaner: interrupted" if interrupted else "cleaner", rows)


def print_dedup_summary(figures: dict) -> None:
    """`cleaner dedup`'s figures as a table on stderr."""
    rows = [(label, f"{figures[key]:,}", False) for label, key in (
        ("records read", "records_read"), ("written", "written"),
        ("flagged near-duplicates", "flagged_duplicates"), ("dropped near-duplicates", "dropped_duplicates"),
        ("invalid records (passed through)", "invalid_records"), ("bytes in", "bytes_in"))]
    rows.append(("duplicate clusters", f"{len(figures['clusters']):,}", False))
    seconds = figures["seconds"]
    rate = f" ({figures['bytes_in'] / 1e6 / seconds:,.1f} MB/s)" if seconds > 0 else ""
    rows.append(("seconds", f"{seconds:,.2f}{rate}", False))
    print_table("cleaner dedup", rows)


Row = tuple[str, str, bool]  # label, value, whether it is an alert (red on a terminal)


def print_table(title: str, rows: list[Row]) -> None:
    """A two-column table on stderr: rich's, styled, on a terminal; elsewhere
    the same text written directly (rich's import and layout were ~0.15 s,
    the end of every run in a pipeline)."""
    plain = None if _styled() else plain_table(title, rows, _columns())
    if plain is not None:
        sys.stderr.write(plain)
        sys.stderr.flush()
        return
    _console().print(rich_table(title, rows))


def rich_table(title: str, rows: list[Row]):
    """The table for rich; cells are Text, so that brackets in a label are
    not read as markup."""
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, value, alert in rows:
        table.add_row(Text(label), Text(value), style="red" if alert else None)
    return table


def plain_table(title: str, rows: list[Row], width: int) -> str | None:
    """The table as rich lays it out unstyled (cells padded by two spaces,
    labels left, values right, the title left over the full width); None
    when rich would have to wrap or measure it (too wide, not ASCII)."""
    label_width = max(len(label) for label, _, _ in rows)
    value_width = max(len(value) for _, value, _ in rows)
    total = label_width + value_width + 8
    if total > width or len(title) > total or not all(
            (label + value).isascii() and (label + value).isprintable() for label, value, _ in rows):
        return None
    lines = [title.ljust(total)]
    lines += [f"  {label.ljust(label_width)}    {value.rjust(value_width)}  " for label, value, _ in rows]
    return "\n".join(lines) + "\n"


def _styled() -> bool:
    """Whether rich would write escape sequences to stderr (its own test)."""
    if os.environ.get("TTY_COMPATIBLE", "") in ("0", "1"):
        return os.environ["TTY_COMPATIBLE"] == "1"
    if "FORCE_COLOR" in os.environ:
        return os.environ["FORCE_COLOR"] != ""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _columns() -> int:
    """The width rich gives a stream that is not a terminal: COLUMNS, else the
    first standard stream that is a terminal, else 80."""
    width = 0
    for descriptor in (0, 1, 2):
        try:
            width = os.get_terminal_size(descriptor).columns
            break
        except (AttributeError, ValueError, OSError):
            pass
    columns = os.environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        width = int(columns)
    return width or 80
