"""HTML or text dump? And for HTML: the main text and metadata, via trafilatura.

trafilatura runs offline only: it is given the parsed page, never a URL to
fetch. It runs in fast mode, with the full cascade for short extractions
(FULL_CASCADE_BELOW), and only the metadata cleaner uses is looked up
(page_metadata, page_date). Comments are excluded (`include_comments=False`) because on news pages
comment blocks are chrome. Before it runs, tables used for page layout (old
CMSs put the whole page in one) are turned into plain blocks: trafilatura
otherwise flattens such a table into one line holding menus, article and
sidebars together.

Then the lead and credited photo captions that trafilatura drops are put back
(see blocks.py). The page title goes to the record's `title`, not into the
text: the text is the article body, as article-body benchmarks define it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from . import blocks

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
# An element holding the headline has at most this many child elements.
HEADLINE_MAX_CHILDREN = 3
_HEADLINE_TAGS = ("h1", "h2", "h3", "span", "div", "p", "b", "strong")
# trafilatura runs in its fast mode (no comparison with readability and
# justext: a third of its time, and on sites-dev recall is higher without it);
# an extraction shorter than this many characters is redone with the full
# cascade, which rescues pages the main extractor misreads.
FULL_CASCADE_BELOW = 500
# An extraction holding at least this share of the page's visible text kept
# the menus too (fast mode does on some table layouts): the chrome rules then
# also drop a menu before the content, as they do in text dumps.
WHOLE_PAGE_SHARE = 0.9
# Separators between the headline and the site name in <title>.
_TITLE_SEPARATORS = re.compile(r"\s+(?:[-–—|·»:]|::)\s+")


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
                 favor_recall: bool = False) -> Extracted:
    """Main text of an HTML page with trafilatura, on layout-table-free markup."""
    trafilatura = _trafilatura()
    tree = parse_html(markup)
    if tree is None:
        return Extracted(text="")
    page_title = _page_title(tree)
    unwrap_layout_tables(tree)
    page_blocks = blocks.segment(tree)  # before trafilatura, which prunes the tree
    meta = page_metadata(tree, need_title=page_title is None)

    def extraction(fast: bool):
        return trafilatura.bare_extraction(
            tree, options=extractor_options(meta.url, fast, favor_precision, favor_recall))

    result = extraction(fast=not favor_recall)  # --favor-recall: the full cascade, always
    if not favor_recall and len((result.text or "") if result is not None else "") < FULL_CASCADE_BELOW:
        result = extraction(fast=False)
    if result is None:
        return Extracted(text="", title=page_title)
    lines = [line for line in (result.text or "").split("\n") if line.strip()]
    whole_page = len(result.text or "") >= WHOLE_PAGE_SHARE * sum(len(block.text) for block in page_blocks)
    recovered = blocks.recover(page_blocks, lines, page_title)
    lines = blocks.merge(lines, recovered)
    return Extracted(
        text="\n".join(lines),
        title=page_title or _clean_field(meta.title),
        # The date printed under the headline beats a guess from the whole page
        # (htmldate sometimes picks a comment's date), and spares the guess.
        date=recovered.date or _clean_field(page_date(tree, meta.url)),
        url=_clean_field(meta.url),
        site=_clean_field(meta.sitename) or _clean_field(meta.hostname),
        whole_page=whole_page,
    )


@lru_cache(maxsize=1)
def _trafilatura():
    """trafilatura (heavy: imported on first use only), with its hottest XPath
    expressions evaluated by compiled Python (see fastxpath.py)."""
    import trafilatura

    from . import fastxpath

    fastxpath.install()
    return trafilatura


def extractor_options(url: str | None, fast: bool, favor_precision: bool, favor_recall: bool):
    """trafilatura's options for one page: what bare_extraction would build from
    its arguments (comments excluded, tables included, no metadata, no
    deduplication), made once and copied with the page's URL, as trafilatura's
    own command line does; building them read the configuration anew for
    every page (~1% of a page's instructions)."""
    from copy import copy

    options = copy(_base_options(fast, favor_precision, favor_recall))
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


@lru_cache(maxsize=8)
def _base_options(fast: bool, favor_precision: bool, favor_recall: bool):
    from trafilatura.settings import Extractor

    return Extractor(output_format="python", fast=fast, precision=favor_precision, recall=favor_recall,
                     comments=False, tables=True, dedup=False, with_metadata=False)


def page_metadata(tree, need_title: bool = True):
    """What trafilatura's `extract_metadata` finds that cleaner uses (title,
    URL, host, site name), in its order and with its functions, without what
    cleaner does not use (authors, categories, tags, licence; the date is
    `page_date`): that part alone was a fifth of the time of a page.
    Without `need_title` (the caller has the headline), the title stays what
    the meta elements say: the search of the page for one (`extract_title`,
    ~0.3 ms on a page without a meta title) is left out."""
    from courlan import extract_domain
    from trafilatura.metadata import (META_URL, examine_meta, extract_meta_json, extract_sitename,
                                      extract_title, extract_url)

    metadata = examine_meta(tree)
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception:  # trafilatura's JSON-LD reader has bugs on odd pages; it skips them too
        pass
    if not metadata.title and need_title:
        metadata.title = extract_title(tree)
    if not metadata.url:
        metadata.url = extract_url(tree)
    if metadata.url:
        metadata.hostname = extract_domain(metadata.url, fast=True)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    metadata.clean_and_trim()
    return metadata


def page_date(tree, url: str | None) -> str | None:
    """The page's date as trafilatura would give it (htmldate, extensive search)."""
    from htmldate import find_date
    from trafilatura.settings import set_date_params

    return find_date(tree, **{**set_date_params(True), "url": url})


def _page_title(tree) -> str | None:
    """The headline: og:title, else an <h1> that <title> mentions or the only
    <h1>, else <title> without the site name."""
    def text_of(xpath: str) -> list[str]:
        return [" ".join(t.split()) for t in tree.xpath(xpath) if t and t.strip()]

    og = text_of('//meta[@property="og:title" or @name="og:title" or @name="twitter:title"]/@content')
    if og:
        return og[0]
    titles = text_of("//title//text()")
    title = titles[0] if titles else ""
    headings = [h for h in (" ".join(e.text_content().split()) for e in tree.iter("h1")) if h]
    mentioned = [h for h in headings if not title or h in title]
    if mentioned:
        return max(mentioned, key=len)  # a site-name <h1> is mentioned too, but shorter
    if len(headings) == 1:
        return headings[0]  # one <h1> is the headline, whatever <title> says
    return _strip_site_name(title, tree) if title else None


def _strip_site_name(title: str, tree) -> str:
    """<title> without the site name at its start or end ("Site - Headline"):
    the version that some element of the page shows (maybe the whole title),
    else the longer one.
    Only one end is cut: headlines may hold the separator themselves."""
    if not _TITLE_SEPARATORS.search(title):
        return title
    starts = [m.end() for m in _TITLE_SEPARATORS.finditer(title)]
    ends = [m.start() for m in _TITLE_SEPARATORS.finditer(title)]
    candidates = [title[starts[0]:], title[:ends[-1]]]  # without the first / last piece
    # Elements with a few children at most: a headline's own element, not the
    # page's containers (whose text_content() is the whole page, for each of them).
    shown = blocks.shown_texts(tree, _HEADLINE_TAGS, HEADLINE_MAX_CHILDREN, 2 * len(title))
    for candidate in [title, *candidates]:
        if candidate.strip() in shown:
            return candidate.strip()
    return max(candidates, key=len).strip()


def _clean_field(value: object) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None
