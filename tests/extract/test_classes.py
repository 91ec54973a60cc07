"""Failure classes of extraction on pages of the open web, each on a small
page written for the test (tests/data/pages; made by hand, not copied from
an evaluation set), through the whole per-document pipeline as a user runs it."""

from __future__ import annotations

import os
import re

from cleaner import Document, Options, clean

from ..conftest import DATA

PAGES = os.path.join(DATA, "pages")


def cleaned(name: str) -> Document:
    with open(os.path.join(PAGES, name), "rb") as f:
        raw = f.read()
    docs = list(clean([Document(id=name, source=name, raw=raw)],
                      Options(dedup=False, site_learning=False, workers=1)))
    assert len(docs) == 1
    return docs[0]


def lines_of(doc: Document) -> list[str]:
    return [line for line in doc.text.split("\n") if line.strip()]


def test_a_short_summary_does_not_hide_the_transcript_after_it() -> None:
    """trafilatura's fast mode locks onto the episode summary (600 characters,
    above its old 500-character cut-off for the full cascade) and loses the
    transcript in the next section."""
    doc = cleaned("podcast.html")
    assert doc.ok
    for week in (1, 6, 12):
        assert f"In week {week} we spread compost" in doc.text
    assert "hillside" in doc.text and "In this episode" in doc.text  # the summary too
    assert "Newsletters" not in doc.text and "Privacy policy" not in doc.text


def test_a_data_table_in_an_article_stays_a_row_to_a_line() -> None:
    doc = cleaned("standings.html")
    lines = lines_of(doc)
    assert "1 Riverside Rovers 12 9 2 1 29" in lines
    assert "5 Northgate 12 3 2 7 11" in lines
    assert lines.index("1 Riverside Rovers 12 9 2 1 29") < lines.index("5 Northgate 12 3 2 7 11")
    assert any(line.startswith("Hill Town remain three points behind") for line in lines)
    assert "Other match report number 3 from the weekend" not in doc.text  # the sidebar


def test_a_page_without_a_content_container_loses_its_menu_and_comment_form() -> None:
    """No element holds the story: trafilatura's fast mode gives back the
    whole page, a 150-item site menu (nested lists in plain divs) first and a
    comment form with its moderation notice (Spanish) last."""
    doc = cleaned("no_container.html")
    assert doc.ok
    assert doc.text.startswith("La biblioteca sigue abierta") or doc.text.startswith("El ayuntamiento")
    assert "según la asociación del barrio" in doc.text
    assert not re.search(r"\b(?:Inicio|Noticias|Deportes)\b", doc.text)  # no menu item
    assert "pendiente de moderación" not in doc.text and "Deja un comentario" not in doc.text
    assert "Copyright" not in doc.text


def test_a_page_written_by_scripts_gives_its_description() -> None:
    doc = cleaned("script_shell.html")
    assert doc.ok
    assert doc.text == ("I want a quiet keyboard for a shared office: which switches would you recommend, "
                        "and is hot-swap worth it?")


def test_a_second_copy_and_separator_lines_are_left_out() -> None:
    doc = cleaned("printed_twice.html")
    lines = lines_of(doc)
    assert len(lines) == len(set(lines)) == 4
    assert all(re.search(r"\w", line) for line in lines)
