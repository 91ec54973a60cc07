"""HTML or text dump? And for HTML: the main text and metadata.

The page is parsed once. Tables used for page layout (old CMSs put the whole
page in one) are turned into plain blocks first; data tables stay, a row to
a line. The page is then cut into text blocks (pageblocks.py) and the block
model (blockmodel.py) decides which blocks are the main content, reading
each block's text, the markup around it and the region it sits in, and what
trafilatura makes of the page: trafilatura runs offline (given the parsed
page, never a URL), in fast mode, comments asked for apart (forum answers are
content, news comments are not: the model tells them apart by the page).
The lead and credited photo captions that extractors drop are put back
(blocks.recover_parts), blocks of no words and repeated copies left out.

The page title goes to the record's `title`, not into the text: the text is
the article body, as article-body benchmarks define it (metadata.py).
The rows are built in rows.py, the blocks chosen in selection.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import blockmodel
from .metadata import clean_field, headline_date, page_date, page_metadata, title_of
from .rows import page_rows
from .selection import BlockVerdict, block_verdicts

_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
    r"(?:<(?:!doctype\s+html|html|head|body)\b|<!doctype\s[^>\[]*(?:\[[^\]]*\])?\s*>\s*(?:<!--.*?-->\s*)*<html\b)",
    re.IGNORECASE | re.DOTALL)
_TAG = re.compile(
    r"<(?:p|div|br|span|a\s|table|td|tr|li|ul|h[1-6]|meta|script|style|title|article)\b",
    re.IGNORECASE)
SNIFF_WINDOW = 8192
MIN_TAGS = 8

# Elements whose presence inside a table cell marks the table as page layout.
_LAYOUT_CHILDREN = frozenset({"div", "p", "table", "ul", "ol", "h1", "h2", "h3", "h4", "h5",
                              "h6", "form", "blockquote", "article", "section", "nav"})
# A cell holding more text than this is layout, not data.
LAYOUT_CELL_CHARS = 200
# trafilatura's extraction or the model's selection holding at least this
# share of the page's visible text kept the menus too (no content container
# found; small pages laid out in one table): the chrome rules then also drop
# a menu before the content, as they do in text dumps.
WHOLE_PAGE_SHARE = 0.9


def is_html(text: str) -> bool:
    """Sniff markup from content, not the file name: a leading <html>/<!doctype>,
    or a head dense with common tags (fragments saved without <html>)."""
    head = text[:SNIFF_WINDOW]
    if _HTML_START.match(head):
        return True
    return head.lstrip().startswith("<") and len(_TAG.findall(head)) >= MIN_TAGS


@dataclass
class Extracted:
    """Main text (paragraphs one per line) and what the page says about itself."""

    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    site: str | None = None
    # trafilatura kept (nearly) all of the page's text, menus included: it
    # told article from chrome apart no better than a text dump.
    whole_page: bool = False
    # With explain: every block of the page and what became of it.
    blocks: list[BlockVerdict] | None = None


def unwrap_layout_tables(tree) -> int:
    """Turn layout tables into nested blocks, in place; return how many.

    A table is layout when a cell holds block elements or a long run of text;
    data tables (short cells of text) are left alone."""
    count = 0
    for table in list(tree.iter("table")):
        cells = list(table.iter("td", "th"))
        layout = any(child.tag in _LAYOUT_CHILDREN for cell in cells for child in cell.iterdescendants()) \
            or any(len(cell.text_content().strip()) > LAYOUT_CELL_CHARS for cell in cells)
        if layout:
            for element in (table, *table.iter("thead", "tbody", "tfoot", "tr", "td", "th", "caption")):
                element.tag = "div"
            count += 1
    return count


@lru_cache(maxsize=1)
def _parser():
    """trafilatura's HTML parser settings, with lxml.html's element classes
    chosen in C: lxml.html's own lookup is a Python method, called each time
    lxml makes a Python object for a node, ~1,200 times a page between
    cleaner, trafilatura and htmldate (a tenth of a page's time went to it).
    It differs only in giving form controls (form, input, select, textarea,
    label) the plain HtmlElement class, whose form helpers nothing here uses."""
    from lxml import etree, html

    parser = html.HTMLParser(collect_ids=False, default_doctype=False, encoding="utf-8",
                             remove_comments=True, remove_pis=True)
    parser.set_element_class_lookup(etree.ElementDefaultClassLookup(
        element=html.HtmlElement, comment=html.HtmlComment, pi=html.HtmlProcessingInstruction,
        entity=html.HtmlEntity))
    return parser


def parse_html(markup: str):
    """The page's tree as trafilatura's `load_html` makes it from text (same
    repairs, same fallbacks and rejection), with the faster parser above."""
    from lxml.html import fromstring
    from trafilatura.utils import is_dubious_html, repair_faulty_html

    beginning = markup[:50].lower()
    dubious = is_dubious_html(beginning)
    markup = repair_faulty_html(markup, beginning)
    tree, parsed_bytes = None, False
    try:
        tree = fromstring(markup, parser=_parser())
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree, parsed_bytes = _parse_bytes(markup), True
    except Exception:  # as load_html: any other parse error, then the bytes are tried
        pass
    if (tree is None or len(tree) < 1) and not parsed_bytes:
        tree = _parse_bytes(markup)
    if tree is not None and dubious and len(tree) < 2:
        return None  # not (well-formed) HTML at all
    return tree


def _parse_bytes(markup: str):
    from lxml.html import fromstring

    try:
        return fromstring(markup.encode("utf8", "surrogatepass"), parser=_parser())
    except Exception:
        return None


def extract_html(markup: str, favor_precision: bool = False,
                 favor_recall: bool = False, explain: bool = False) -> Extracted:
    """Main text of an HTML page: its blocks scored by the block model, with
    trafilatura's extraction as one of the model's inputs. With `explain`,
    what became of every block is kept too (Extracted.blocks)."""
    tree = parse_html(markup)
    if tree is None:
        return Extracted(text="")
    page_title = title_of(tree)
    meta = page_metadata(tree, need_title=page_title is None)
    unwrap_layout_tables(tree)
    rows = page_rows(tree, page_title, meta.url, favor_precision, favor_recall)
    page = rows.page
    alpha = (blockmodel.ALPHA_PRECISION if favor_precision else
             blockmodel.ALPHA_RECALL if favor_recall else blockmodel.ALPHA)
    verdicts: list[BlockVerdict] = []
    if page.words.any():
        verdicts = block_verdicts(page, blockmodel.default_forest().probabilities(rows.features), alpha,
                                  page_title)
        lines = [v.text for v in verdicts if v.kept]
    else:
        # Nothing is written in the page itself (a shell its scripts fill in
        # the browser): the description it gives of itself is its only text.
        description = clean_field(meta.description)
        lines = [description] if description else []
    total = sum(len(t) for t in page.texts)
    return Extracted(
        text="\n".join(lines),
        whole_page=rows.trafilatura_share >= WHOLE_PAGE_SHARE
        or (total > 0 and sum(map(len, lines)) >= WHOLE_PAGE_SHARE * total),
        title=page_title or clean_field(meta.title),
        date=headline_date(page, page_title) or clean_field(page_date(tree, meta.url)),
        url=clean_field(meta.url),
        site=clean_field(meta.sitename) or clean_field(meta.hostname),
        blocks=verdicts if explain else None,
    )


