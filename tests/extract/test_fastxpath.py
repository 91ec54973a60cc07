"""The compiled XPath evaluators give exactly what lxml gives (fastxpath.py)."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from cleaner import Options, clean
from cleaner.extract import fastxpath
from cleaner.extract.html import parse_html

from ..conftest import DATA, SAMPLES


def hot_expressions() -> dict[str, etree.XPath]:
    """trafilatura's hot expressions as lxml compiled them, whether or not
    installed() has them replaced at the moment."""
    import trafilatura.settings
    import trafilatura.xpaths

    found = {}
    for module in (trafilatura.xpaths, trafilatura.settings):
        for name in fastxpath.HOT_EXPRESSIONS:
            value = getattr(module, name, None)
            for index, xpath in enumerate(value if isinstance(value, list) else [value] if value else []):
                found[f"{name}[{index}]"] = getattr(xpath, "lxml", xpath)
    return found


EXPRESSIONS = hot_expressions()
COMPILED = {name: fastxpath.compiled(xpath) for name, xpath in EXPRESSIONS.items()}


def test_every_hot_expression_of_this_trafilatura_compiles():
    # A trafilatura release with syntax beyond the subset would fall back to
    # lxml silently (correct, only slower): this says so.
    assert len(EXPRESSIONS) >= 10
    assert [name for name, xpath in COMPILED.items() if not isinstance(xpath, fastxpath.CompiledXPath)] == []


def test_the_compiled_evaluators_are_where_trafilatura_reads_them_only_while_cleaner_extracts():
    import trafilatura.main_extractor

    body, basic = list(trafilatura.main_extractor.BODY_XPATH), sys.modules["trafilatura.baseline"].BASIC_CLEAN_XPATH
    assert not any(isinstance(xpath, fastxpath.CompiledXPath) for xpath in body)
    with fastxpath.installed() as count:
        assert count >= 10
        assert all(isinstance(xpath, fastxpath.CompiledXPath) for xpath in trafilatura.main_extractor.BODY_XPATH)
        assert isinstance(sys.modules["trafilatura.baseline"].BASIC_CLEAN_XPATH, fastxpath.CompiledXPath)
        with fastxpath.installed():  # re-entrant: the inner exit keeps them in place
            pass
        assert isinstance(sys.modules["trafilatura.baseline"].BASIC_CLEAN_XPATH, fastxpath.CompiledXPath)
    assert trafilatura.main_extractor.BODY_XPATH == body
    assert all(a is b for a, b in zip(trafilatura.main_extractor.BODY_XPATH, body))
    assert sys.modules["trafilatura.baseline"].BASIC_CLEAN_XPATH is basic


def test_trafilatura_is_left_as_it_ships_after_cleaner_runs():
    """Leave other libraries as you found them: after cleaner.clean() returns,
    every trafilatura global cleaner swaps is the original object again."""
    import importlib

    import trafilatura

    importlib.import_module("trafilatura.baseline")
    before = {(name, g): getattr(module, g) for name, module in list(sys.modules.items())
              if name.startswith("trafilatura") and module is not None
              for g in fastxpath.HOT_EXPRESSIONS if hasattr(module, g)}
    items = {key: list(value) for key, value in before.items() if isinstance(value, list)}
    docs = list(clean([str(page) for page in REAL_PAGES[:2]], Options(workers=1, dedup=False)))
    assert docs and all(doc.ok for doc in docs)
    for (name, g), value in before.items():
        assert getattr(sys.modules[name], g) is value, (name, g)
        if isinstance(value, list):
            assert all(a is b for a, b in zip(value, items[(name, g)])), (name, g)
    assert not any(isinstance(x, fastxpath.CompiledXPath) for x in trafilatura.main_extractor.BODY_XPATH)


def _same(xpath: etree.XPath, context) -> None:
    expected = xpath(context)
    assert fastxpath.compiled(xpath)(context) == expected, xpath.path


REAL_PAGES = sorted(SAMPLES.glob("*.html")) + sorted((DATA / "encodings").glob("*.html"))


@pytest.mark.parametrize("page", REAL_PAGES, ids=lambda path: path.name)
def test_real_pages_give_the_same_elements(page):
    tree = parse_html(page.read_bytes().decode("utf-8", "replace"))
    contexts = [tree, *list(tree.iter("div", "section", "article"))[:20]]
    for name, xpath in EXPRESSIONS.items():
        for context in contexts:
            assert COMPILED[name](context) == xpath(context), name


_TAGS = ["div", "section", "article", "main", "p", "span", "item", "list", "ol", "ul", "details",
         "aside", "footer", "h1", "script", "style", "svg", "template", "fencedframe", "a"]
_ATTRIBUTES = ["id", "class", "role", "style", "aria-hidden", "data-component",
               "data-lp-replacement-content"]
# Pieces of the expressions' tokens, in several cases, plus neutral words.
_WORDS = ["post", "entry", "content", "article", "body", "articleBody", "text", "comment", "Comment",
          "Commentary", "comol", "cookie", "Cookie-Banner", "hidden", "display:none", "display: none",
          "main", "Main-Content", "page-content", "nav", "Nav", "share", "reply-", "mvp-post-add-box",
          "infinite-scroll", "elementor-share-buttons", "caption", "footer", "ad", "fulltext", "FullText",
          "story", "primary", "cell", "MostPopularStories", "true", "widget", "hide", "x", "Navigation"]
_values = st.lists(st.sampled_from(_WORDS), max_size=3).flatmap(
    lambda words: st.sampled_from(["", " ", "-", "_", "__"]).map(lambda glue: glue.join(words)))
_attributes = st.lists(st.tuples(st.sampled_from(_ATTRIBUTES), _values), max_size=3,
                       unique_by=lambda pair: pair[0])
_trees = st.recursive(
    st.tuples(st.sampled_from(_TAGS), _attributes, st.just([])),
    lambda children: st.tuples(st.sampled_from(_TAGS), _attributes, st.lists(children, max_size=4)),
    max_leaves=30)


def _build(spec, parent=None):
    tag, attributes, children = spec
    element = etree.Element(tag) if parent is None else etree.SubElement(parent, tag)
    for name, value in attributes:  # in this order: `@id|@class` takes the first
        element.set(name, value)
    element.text = "t"
    for child in children:
        _build(child, element)
    if children:
        element.append(etree.Comment("c"))
    return element


@settings(max_examples=300, deadline=None)
@given(_trees, st.integers(min_value=0, max_value=50))
def test_generated_trees_give_the_same_elements(spec, context_index):
    root = etree.Element("html")
    _build(spec, root)
    elements = list(root.iter(etree.Element))
    context = elements[context_index % len(elements)]
    for name, xpath in EXPRESSIONS.items():
        for where in (root, context):
            assert COMPILED[name](where) == xpath(where), name


def test_two_attributes_give_the_first_in_the_elements_order():
    xpath = etree.XPath(".//*[re:test(@id|@class, '^cookie')]",
                        namespaces={"re": "http://exslt.org/regular-expressions"})
    root = etree.fromstring('<r><a class="cookie" id="x"/><b id="x" class="cookie"/><c id="cookie"/></r>')
    assert [element.tag for element in xpath(root)] == ["a", "c"]
    _same(xpath, root)


def test_positional_steps_and_unions_keep_document_order():
    root = etree.fromstring("<r><div class='k'><div class='k'/></div><div class='k'/><main/>"
                            "<s><div class='k'/></s></r>")
    for path in (".//div[@class='k'][1]", "(.//div[@class='k'])[1]|(.//main)[1]",
                 ".//main|.//div[@class='k']", ".//*[self::div or self::main][not(.//div)]",
                 ".//*[contains(translate(@class, 'K', 'k'), 'k')]"):
        _same(etree.XPath(path), root)


def test_expressions_outside_the_subset_stay_with_lxml():
    for path in ("//p", ".//p[position() > 2]", ".//p/text()", ".//p[1][@id]", "count(.//p)"):
        xpath = etree.XPath(path)
        assert fastxpath.compiled(xpath) is xpath


def test_a_document_or_variables_go_to_lxml():
    xpath = etree.XPath(".//p[@id=$wanted]")
    assert fastxpath.compiled(xpath) is xpath  # variables are outside the subset
    compiled = fastxpath.compiled(etree.XPath(".//p"))
    document = etree.ElementTree(etree.fromstring("<p><p/></p>"))
    assert compiled(document) == compiled.lxml(document) != []
