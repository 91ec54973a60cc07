"""The summary table written without rich (stderr not a terminal) is the
text rich would write."""

from __future__ import annotations

import io

from hypothesis import given
from hypothesis import strategies as st
from rich.console import Console

from cleaner.run.stats import RunStats
from cleaner.views.summary import plain_table, print_summary, rich_table


def rich_text(title: str, rows: list[tuple[str, str, bool]], width: int) -> str:
    out = io.StringIO()
    Console(file=out, width=width, highlight=False, force_terminal=False).print(rich_table(title, rows))
    return out.getvalue()


labels = st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=40)
values = st.integers(min_value=0, max_value=10**15).map(lambda n: f"{n:,}")


@given(st.sampled_from(["cleaner", "cleaner: interrupted", "cleaner dedup"]),
       st.lists(st.tuples(labels, values, st.booleans()), min_size=1, max_size=12),
       st.sampled_from([40, 60, 80, 120]))
def test_plain_table_is_what_rich_writes(title: str, rows: list, width: int) -> None:
    plain = plain_table(title, rows, width)
    if plain is not None:
        assert plain == rich_text(title, rows, width)


def test_brackets_are_text_not_markup() -> None:
    rows = [("[bold]x[/bold] [a]", "1", False), ("failed: :smile:", "2", True)]
    assert "[bold]x[/bold] [a]" in rich_text("cleaner", rows, 80)
    assert plain_table("cleaner", rows, 80) == rich_text("cleaner", rows, 80)


def test_too_wide_or_not_ascii_is_left_to_rich() -> None:
    assert plain_table("cleaner", [("x" * 75, "1", False)], 80) is None
    assert plain_table("cleaner", [("dropped: é", "1", False)], 80) is None


def test_summary_piped_is_rich_text(capsys) -> None:
    stats = RunStats()
    stats.read, stats.written, stats.failed = 3, 2, {"internal_error": 1}
    stats.finish()
    print_summary(stats)
    err = capsys.readouterr().err
    assert "documents read" in err and "failed: internal_error" in err
    assert err.splitlines()[0].rstrip() == "cleaner"
