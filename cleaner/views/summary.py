"""What people see on stderr: a progress bar on a terminal, a summary table at the end."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable

from ..run.stats import RunStats


def _console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


class Progress:
    """A transient progress line on stderr; silent when disabled.

    With `count` (a function counting the inputs, which stops early and
    returns None once its argument is set), the line has a bar, a total, a
    percentage and the time left as soon as the count is in; without it (stdin
    and other streams), a spinner and the documents so far. The count runs in
    a thread started at the first update, after the workers are forked, so
    neither the run's start nor its workers wait for it."""

    def __init__(self, enabled: bool, count: Callable[[threading.Event], int | None] | None = None,
                 console=None) -> None:
        self.enabled = enabled
        self._count = count
        self._console = console
        self._progress = None
        self._task = None
        self._counting: threading.Event | None = None

    def __enter__(self) -> "Progress":
        if self.enabled:
            from rich.progress import Progress as RichProgress

            self._progress = RichProgress(*_progress_columns(), console=self._console or _console(), transient=True)
            self._progress.start()
            self._task = self._progress.add_task("clean", total=None, mb=0.0, rate="")
        return self

    def update(self, documents: int, bytes_in: int) -> None:
        if self._progress is not None:
            if self._count is not None and self._counting is None:
                self._start_counting()
            elapsed = self._progress.tasks[0].elapsed or 0.0
            rate = f"{documents / elapsed:,.0f} docs/s" if elapsed > 0.5 else ""
            self._progress.update(self._task, completed=documents, mb=bytes_in / 1e6, rate=rate)

    def _start_counting(self) -> None:
        stop = self._counting = threading.Event()
        progress, task, count = self._progress, self._task, self._count

        def run() -> None:
            try:
                total = count(stop)
            except Exception:  # the list cannot be read again: the run will say so, not this line
                return
            if total is not None and not stop.is_set():
                progress.update(task, total=total)

        threading.Thread(target=run, name="cleaner-count", daemon=True).start()

    def __exit__(self, *exc) -> None:
        if self._counting is not None:
            self._counting.set()
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _progress_columns() -> list:
    """Spinner, documents, MB, rate, elapsed time; once the total is known,
    a bar instead of the spinner, the total, a percentage and the time left."""
    from rich.progress import (
        BarColumn,
        ProgressColumn,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class Shown(ProgressColumn):
        """`column` only while the task's total is known (or, with
        known=False, unknown)."""

        def __init__(self, column: ProgressColumn, known: bool) -> None:
            super().__init__()
            self.column, self.known = column, known

        def render(self, task) -> Text:
            return self.column.render(task) if (task.total is not None) == self.known else Text("")

    class Documents(ProgressColumn):
        def render(self, task) -> Text:
            if task.total is None:
                return Text(f"{int(task.completed):,} documents")
            return Text(f"{int(task.completed):,}/{int(task.total):,} documents {task.percentage:3.0f}%")

    class TimeLeft(TimeRemainingColumn):
        def render(self, task) -> Text:
            return Text("ETA ") + super().render(task)

    return [Shown(SpinnerColumn(), known=False), Shown(BarColumn(bar_width=24), known=True), Documents(),
            TextColumn("{task.fields[mb]:.1f} MB"), TextColumn("{task.fields[rate]}"),
            TimeElapsedColumn(), Shown(TimeLeft(), known=True)]


def print_summary(stats: RunStats, interrupted: bool = False) -> None:
    """The run's figures as a table on stderr."""
    rows = [("documents read", f"{stats.read:,}", False), ("written", f"{stats.written:,}", False),
            ("  flagged near-duplicates", f"{stats.flagged:,}", False),
            ("  duplicate clusters", f"{len(stats.clusters):,}", False)]
    rows += [(f"skipped: {reason}", f"{count:,}", False) for reason, count in sorted(stats.skipped.items())]
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
