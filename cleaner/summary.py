"""What people see on stderr: a progress bar on a terminal, a summary table at the end."""

from __future__ import annotations

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
    from rich.table import Table

    table = Table(title="cleaner: interrupted" if interrupted else "cleaner", title_justify="left",
                  show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    table.add_row("documents read", f"{stats.read:,}")
    table.add_row("written", f"{stats.written:,}")
    table.add_row("  flagged near-duplicates", f"{stats.flagged:,}")
    table.add_row("  duplicate clusters", f"{len(stats.clusters):,}")
    for reason, count in sorted(stats.dropped.items()):
        table.add_row(f"dropped: {reason}", f"{count:,}")
    for reason, count in sorted(stats.failed.items()):
        table.add_row(f"failed: {reason}", f"{count:,}", style="red")
    table.add_row("bytes in", f"{stats.bytes_in:,}")
    table.add_row("bytes out (text)", f"{stats.bytes_out:,}")
    seconds = stats.seconds
    rate = f" ({stats.read / seconds:,.0f} docs/s)" if seconds > 0 and stats.read else ""
    table.add_row("seconds", f"{seconds:,.2f}{rate}")
    table.add_row("accounted", "yes" if stats.accounted else "NO", style=None if stats.accounted else "red")
    _console().print(table)


def print_dedup_summary(figures: dict) -> None:
    """`cleaner dedup`'s figures as a table on stderr."""
    from rich.table import Table

    table = Table(title="cleaner dedup", title_justify="left", show_header=False, box=None, padding=(0, 2))
    table.add_column(style="bold")
    table.add_column(justify="right")
    for label, key in (("records read", "records_read"), ("written", "written"),
                       ("flagged near-duplicates", "flagged_duplicates"),
                       ("dropped near-duplicates", "dropped_duplicates"),
                       ("invalid records (passed through)", "invalid_records"), ("bytes in", "bytes_in")):
        table.add_row(label, f"{figures[key]:,}")
    table.add_row("duplicate clusters", f"{len(figures['clusters']):,}")
    seconds = figures["seconds"]
    rate = f" ({figures['bytes_in'] / 1e6 / seconds:,.1f} MB/s)" if seconds > 0 else ""
    table.add_row("seconds", f"{seconds:,.2f}{rate}")
    _console().print(table)
