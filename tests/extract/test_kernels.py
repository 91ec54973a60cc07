"""The compiled kernels against their Python twins: the page walk
(cleaner/_segment.c against pageblocks.python_walk) and the short element
texts on real pages and on generated markup, trees they cannot read as lxml
does left to Python; the block model's trees (cleaner/_forest.c against
numpy) on real rows and random ones."""

from __future__ import annotations

import copy
import glob
import os

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from lxml import html as lxml_html

from cleaner.encoding import decode
from cleaner.extract import blockmodel, blocks, pageblocks
from cleaner.extract.html import parse_html, unwrap_layout_tables

from ..conftest import DATA, SAMPLES

walk_kernel = pytest.mark.skipif(pageblocks._kernel() is None, reason="compiled walk not built")
shown_kernel = pytest.mark.skipif(blocks._kernel() is None, reason="compiled shown_texts not built")
forest_kernel = pytest.mark.skipif(blockmodel._kernel() is None, reason="compiled forest not built")
PAGES = sorted(glob.glob(os.path.join(SAMPLES, "*.html")) +
               glob.glob(os.path.join(DATA, "pages", "*.html")))


def compiled_walk(root) -> pageblocks.PageBlocks | None:
    walked = pageblocks._kernel().page_walk(root)
    if walked is None:
        return None
    texts, block_rows, tags, element_rows = walked
    return pageblocks._page(texts, np.frombuffer(block_rows, dtype=np.int32).reshape(-1, 6), tags,
                            np.frombuffer(element_rows, dtype=np.int64).reshape(-1, 7))


def assert_same_walk(root) -> pageblocks.PageBlocks:
    compiled, python = compiled_walk(root), pageblocks.python_walk(root)
    assert compiled is not None
    assert compiled.texts == python.texts and compiled.tags == python.tags
    for name in ("owners", "link_chars", "bold_chars", "digits", "capitals", "letters", "parents", "own_flags",
                 "flags", "depths", "first_block", "end_block", "like_siblings"):
        assert np.array_equal(getattr(compiled, name), getattr(python, name)), name
    return python


@walk_kernel
def test_compiled_walk_equals_python_walk_on_real_pages() -> None:
    assert len(PAGES) >= 3
    for path in PAGES:
        tree = parse_html(decode(open(path, "rb").read()).text)
        unwrap_layout_tables(tree)
        shown = copy.deepcopy(tree).find(".//body")
        etree.strip_elements(shown, "script", "style", with_tail=False)
        blocks = assert_same_walk(tree)
        # every page whose body has text outside its scripts makes blocks (a page its scripts write makes none)
        assert (len(blocks) > 5) == bool(shown.text_content().strip()), path


HEADLINE_TAGS = ("h1", "h2", "h3", "span", "div", "p", "b", "strong")


@shown_kernel
def test_compiled_shown_texts_equal_pythons_on_real_pages() -> None:
    for path in PAGES:
        tree = parse_html(decode(open(path, "rb").read()).text)
        for limit in (0, 30, 80, 400):
            assert_same_shown_texts(tree, limit)


def assert_same_shown_texts(tree, max_chars: int) -> None:
    compiled = blocks._kernel().shown_texts(tree, HEADLINE_TAGS, 3, max_chars)
    assert compiled is not None
    assert compiled == blocks.python_shown_texts(tree, HEADLINE_TAGS, 3, max_chars)


# Markup pieces that take every branch of the walk: blocks, skipped elements,
# cells in and out of tables, bold and links (nested too), line breaks, the
# attributes that set flags (hint words as parts and as whole words, in any
# ASCII case and not, roles, hidden, aria-hidden, styles), comments and
# processing instructions, and every kind of white space Python's split() knows.
TAGS = ["p", "div", "li", "td", "th", "tr", "table", "h1", "h2", "figure", "figcaption", "span", "a", "b",
        "strong", "em", "script", "style", "noscript", "br", "img", "section", "nav", "button", "main", "code"]
ATTRIBUTES = ["", " class='caption'", " class='Main-Content'", " id='side_bar'", " class='x ad'",
              " class='ads-x'", " class='loads'", " class='crédit'", " class='tab'", " id='Ảnh'", " class=''",
              " role='Navigation '", " role='main'", " hidden", " aria-hidden='true'", " aria-hidden='TRUE'",
              " style='display : NONE'", " style='visibility:hidden;color:red'", " itemprop='articleBody'",
              " class='p' id='comment-1'"]
TEXTS = ["word", "Ảnh: TTXVN", " ", "\u00a0", "\u3000", "\x1c", "\u2028", "two  words", "\t\n", "ß", "x\u200by",
         "&amp;", "a\u0301", "😀", "Ⅻ 12 ½", "ĐÀ NẴNG"]


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


@walk_kernel
@shown_kernel
@settings(max_examples=400, deadline=None)
@given(markup(), st.booleans())
def test_compiled_walk_equals_python_walk_on_any_markup(body: str, keep_comments: bool) -> None:
    parser = lxml_html.HTMLParser(remove_comments=not keep_comments, remove_pis=not keep_comments)
    tree = lxml_html.fromstring(f"<html><body>{body}</body></html>", parser=parser)
    assert_same_walk(tree)
    for limit in (0, 5, 20, 200):
        assert_same_shown_texts(tree, limit)


@walk_kernel
@shown_kernel
def test_trees_the_walk_cannot_read_are_left_to_python() -> None:
    root = lxml_html.fromstring("<div><p>one</p><p>two</p></div>")
    etree.SubElement(root, "{urn:x}p").text = "three"  # a namespaced tag reads as "{urn:x}p"
    assert pageblocks._kernel().page_walk(root) is None
    assert pageblocks.walk(root).texts == ["one", "two", "three"]
    assert blocks._kernel().shown_texts(root, ("p",), 3, 50) is None
    assert blocks.shown_texts(root, ("p",), 3, 50) == {"one", "two"}
    # an unresolved entity reference: lxml reads it as "&e;" in .text, its value in text_content()
    xml = etree.fromstring(b'<!DOCTYPE d [<!ENTITY e "x">]><d><p>a &e; b</p></d>',
                           etree.XMLParser(resolve_entities=False))
    assert pageblocks._kernel().page_walk(xml) is None
    assert blocks._kernel().shown_texts(xml, ("p",), 3, 50) is None


def test_walk_without_the_kernel_is_the_python_walk(monkeypatch) -> None:
    tree = parse_html(decode(open(PAGES[0], "rb").read()).text)
    with_kernel = pageblocks.walk(tree)
    monkeypatch.setattr(pageblocks, "_kernel", lambda: None)
    assert pageblocks.same_walk(pageblocks.walk(tree), with_kernel)


@forest_kernel
@settings(max_examples=50, deadline=None)
@given(st.integers(0, 300), st.integers(0, 2 ** 31))
def test_compiled_forest_equals_numpy(rows: int, seed: int) -> None:
    forest = blockmodel.default_forest()
    generator = np.random.default_rng(seed)
    x = generator.normal(0, 3, size=(rows, len(forest.feature_names))).astype(np.float32)
    x[generator.random(x.shape) < 0.3] = 0.0  # flags and shares sit on thresholds
    assert np.array_equal(forest.raw_scores(x), forest.numpy_raw_scores(x))


@forest_kernel
def test_compiled_forest_equals_numpy_on_real_pages() -> None:
    from cleaner.extract.metadata import title_of
    from cleaner.extract.rows import page_rows

    forest = blockmodel.default_forest()
    for path in PAGES:
        tree = parse_html(decode(open(path, "rb").read()).text)
        title = title_of(tree)
        unwrap_layout_tables(tree)
        rows = page_rows(tree, title).features
        assert np.array_equal(forest.raw_scores(rows), forest.numpy_raw_scores(rows))
