"""The compiled walks (cleaner/_segment.c) against blocks.py's Python ones:
the same blocks and the same short element texts on real pages and on
generated markup, and trees they cannot read as lxml does left to Python."""

from __future__ import annotations

import glob
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree, html as lxml_html

from cleaner import blocks
from cleaner.encoding import decode
from cleaner.extract import parse_html, unwrap_layout_tables

kernel = pytest.mark.skipif(blocks._kernel() is None, reason="compiled walk not built")
HERE = os.path.dirname(__file__)
PAGES = sorted(glob.glob(os.path.join(HERE, "..", "samples", "*.html")))


def both(root):
    compiled = blocks.compiled_walk(root)
    python = blocks.python_walk(root)
    return compiled, python


@kernel
def test_compiled_walk_equals_python_walk_on_real_pages() -> None:
    assert PAGES
    for path in PAGES:
        tree = parse_html(decode(open(path, "rb").read()).text)
        unwrap_layout_tables(tree)
        compiled, python = both(tree.find(".//body"))
        assert compiled is not None and len(python) > 5
        assert compiled == python, path
        for limit in (0, 30, 80, 400):
            assert_same_shown_texts(tree, limit)


HEADLINE_TAGS = ("h1", "h2", "h3", "span", "div", "p", "b", "strong")


def assert_same_shown_texts(tree, max_chars: int) -> None:
    compiled = blocks._kernel().shown_texts(tree, HEADLINE_TAGS, 3, max_chars)
    assert compiled is not None
    assert compiled == blocks.python_shown_texts(tree, HEADLINE_TAGS, 3, max_chars)


# Markup pieces that take every branch of the walk: blocks, skipped elements,
# bold and links (nested too), line breaks, caption elements and class/id
# hints (ASCII in any case, non-ASCII, and a long s that Python's
# case-insensitive match folds to "s"), comments and processing
# instructions, and every kind of white space Python's split() knows.
TAGS = ["p", "div", "li", "td", "h1", "figure", "figcaption", "caption", "span", "a", "b", "strong",
        "em", "script", "style", "noscript", "br", "img", "section"]
ATTRIBUTES = ["", " class='caption'", " class='PhotoCAP'", " id='desc-x'", " class='x legend'",
              " class='crédit'", " class='deſc'", " id='Ảnh'", " class=''", " class='credit' id='n'"]
TEXTS = ["word", "Ảnh: TTXVN", " ", "\u00a0", "\u3000", "\x1c", "\u2028", "two  words", "\t\n", "ß", "x\u200by",
         "&amp;", "a\u0301", "😀"]


@st.composite
def markup(draw, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.integers(0, 9))
        if kind < 4 or depth > 4:
            parts.append(draw(st.sampled_from(TEXTS)))
        elif kind == 4:
            parts.append("<!-- a comment -->" if draw(st.booleans()) else "<?pi data?>")
        else:
            tag = draw(st.sampled_from(TAGS))
            attributes = draw(st.sampled_from(ATTRIBUTES))
            if tag in ("br", "img"):
                parts.append(f"<{tag}{attributes}>")
            else:
                parts.append(f"<{tag}{attributes}>{draw(markup(depth + 1))}</{tag}>")
    return "".join(parts)


@kernel
@settings(max_examples=400, deadline=None)
@given(markup(), st.booleans())
def test_compiled_walk_equals_python_walk_on_any_markup(body: str, keep_comments: bool) -> None:
    parser = lxml_html.HTMLParser(remove_comments=not keep_comments, remove_pis=not keep_comments)
    tree = lxml_html.fromstring(f"<html><body>{body}</body></html>", parser=parser)
    root = tree.find(".//body")
    if root is None:
        root = tree
    compiled, python = both(root)
    assert compiled == python
    for limit in (0, 5, 20, 200):
        assert_same_shown_texts(tree, limit)


@kernel
def test_trees_the_walk_cannot_read_are_left_to_python() -> None:
    root = lxml_html.fromstring("<div><p>one</p><p>two</p></div>")
    etree.SubElement(root, "{urn:x}p").text = "three"  # a namespaced tag reads as "{urn:x}p"
    assert blocks.compiled_walk(root) is None
    assert [b.text for b in blocks.segment(root)] == ["one", "two", "three"]
    assert blocks._kernel().shown_texts(root, ("p",), 3, 50) is None
    assert blocks.shown_texts(root, ("p",), 3, 50) == {"one", "two"}
    # an unresolved entity reference: lxml reads it as "&e;" in .text, its value in text_content()
    xml = etree.fromstring(b'<!DOCTYPE d [<!ENTITY e "x">]><d><p>a &e; b</p></d>',
                           etree.XMLParser(resolve_entities=False))
    assert blocks._kernel().walk(xml, blocks._CAPTION_HINT) is None
    assert blocks._kernel().shown_texts(xml, ("p",), 3, 50) is None


def test_segment_without_the_kernel_is_the_python_walk(monkeypatch) -> None:
    tree = parse_html(decode(open(PAGES[0], "rb").read()).text)
    with_kernel = blocks.segment(tree)
    monkeypatch.setattr(blocks, "_kernel", lambda: None)
    assert blocks.segment(tree) == with_kernel
