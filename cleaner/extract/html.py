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
the article body, as article-body benchmarks define it. Only the metadata
cleaner uses is looked up (page_metadata, page_date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..chrome import linerules
from ..chrome.filter import date_of_line
from ..chrome.lexicon import default_lexicon, normalise
from ..tokens import line_keys, tokens
from . import blockfeatures, blockmodel, blocks, fastxpath, pageblocks

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
# trafilatura's extraction or the model's selection holding at least this
# share of the page's visible text kept the menus too (no content container
# found; small pages laid out in one table): the chrome rules then also drop
# a menu before the content, as they do in text dumps.
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


@dataclass
class PageRows:
    """A page's blocks, the model's rows for them, and how much of the page
    trafilatura kept."""

    page: pageblocks.PageBlocks
    features: np.ndarray
    # The share of the page's visible characters in blocks trafilatura kept.
    trafilatura_share: float = 0.0


def page_rows(tree, title: str | None, url: str | None = None, favor_precision: bool = False,
              favor_recall: bool = False) -> PageRows:
    """The blocks of a parsed page (layout tables already unwrapped) and
    their features, trafilatura's extraction (comments apart) among them.

    trafilatura runs in fast mode (its full cascade with --favor-recall
    only): where fast mode locks onto a first block (an episode's summary
    without its transcript), the model reads the blocks it left out for
    itself. Running the full cascade where the fast result held less than
    half the page's prose (15% of wcxb-dev pages) made extraction 17%
    slower and the cross-validated F1 lower (0.8584 against 0.8601).
    The blocks are read before trafilatura sees the tree."""
    page = pageblocks.walk(tree)
    body, comments = _trafilatura_texts(tree, url, not favor_recall, favor_precision, favor_recall)
    kept = blockfeatures.shares_in(page.keys, _words(body))
    kept_comments = blockfeatures.shares_in(page.keys, _words(comments))
    title_key = " ".join(_words(title or ""))
    chars = np.fromiter(map(len, page.texts), dtype=np.float64, count=len(page.texts))
    share = float(chars[kept >= 0.5].sum() / chars.sum()) if chars.sum() else 0.0
    return PageRows(page, blockfeatures.features(page, kept, kept_comments, title_key), share)


def _trafilatura_texts(tree, url: str | None, fast: bool, favor_precision: bool,
                       favor_recall: bool) -> tuple[str, str]:
    """trafilatura's main text and comments for the page, with its hottest
    XPath expressions evaluated by compiled Python for this call only (see
    fastxpath.py)."""
    with fastxpath.installed():
        result = _trafilatura().bare_extraction(
            tree, options=extractor_options(url, fast, favor_precision, favor_recall))
    if result is None:
        return "", ""
    return result.text or "", result.comments or ""


def _words(text: str) -> list[str]:
    """Casefolded words of a text, as block keys hold them."""
    if not text:
        return []
    keys = line_keys([text])
    if keys is None or keys[0] is None:
        return tokens(text)
    return keys[0][1].split()


@dataclass(frozen=True)
class BlockVerdict:
    """What became of one block of the page (for `explain`): its text is in
    the main text (`kept`), or the model, a missing word or a repeat left it out."""

    text: str
    probability: float
    kept: bool
    # kept: "model", "run" (completes a run of siblings), "put back" (lead or
    # caption); left out: "model", "related" (a box of links), "no words", "repeat"
    why: str


def main_lines(page: pageblocks.PageBlocks, probabilities: np.ndarray,
               alpha: float = blockmodel.ALPHA, title: str | None = None) -> list[str]:
    """The texts of the blocks the model keeps, in document order, with the
    lead and credited captions put back (blocks.recover_parts), without
    blocks of no word (separators left by menus: "|", "»") and without a
    block that repeats one kept before it word for word (pages carry
    second copies of their text for print, mobile or a reading mode)."""
    return [v.text for v in block_verdicts(page, probabilities, alpha, title) if v.kept]


# A run of sibling blocks (same parent, same tag) mostly kept keeps the rest
# of its blocks with a probability of at least RUN_FLOOR: the model reads
# position, and the last paragraphs of a long text before a footer score
# lower than the same paragraphs in the middle.
RUN_MIN_KEPT = 3
RUN_MIN_SHARE = 2 / 3
RUN_FLOOR = 0.2


def complete_runs(page: pageblocks.PageBlocks, chosen: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """`chosen` with the blocks that complete a mostly kept run of siblings."""
    if len(chosen) < RUN_MIN_KEPT:
        return chosen
    owners = page.owners
    tag_ids = {tag: n for n, tag in enumerate(dict.fromkeys(page.tags))}
    run = page.parents[owners].astype(np.int64) * (len(tag_ids) + 1) + np.fromiter(
        (tag_ids[page.tags[o]] for o in owners), dtype=np.int64, count=len(owners))
    kept = np.zeros(len(page), dtype=bool)
    kept[chosen] = True
    runs, index = np.unique(run, return_inverse=True)
    in_run = np.bincount(index, minlength=len(runs))
    kept_in_run = np.bincount(index, weights=kept, minlength=len(runs))
    full = (kept_in_run >= RUN_MIN_KEPT) & (kept_in_run >= RUN_MIN_SHARE * in_run)
    extra = np.flatnonzero(~kept & full[index] & (probabilities >= RUN_FLOOR) & (page.words > 0))
    return np.union1d(chosen, extra) if len(extra) else chosen


# A box of related links inside the text: a block heading, then at least
# RELATED_MIN_LINKS consecutive kept blocks, each a link of RELATED_MIN_WORDS
# words or more with no full stop, with prose kept before and after it.
RELATED_MIN_LINKS = 2
RELATED_MIN_WORDS = 4
PROSE_WORDS = 20
_FULL_STOP = re.compile(r"[.。]\s*$")


@lru_cache(maxsize=1)
def _related_heading():
    """The chrome lexicon's block headings ("Related", "Tin liên quan", ...)."""
    return linerules.patterns(default_lexicon()).block_heading.match


def inline_related(page: pageblocks.PageBlocks, chosen: np.ndarray) -> np.ndarray:
    """The kept blocks that form a box of headline links between paragraphs
    of the text under a block heading of the lexicon ("Related", "Tin liên
    quan"), which the model scores as the text around them. Without the
    heading, links between paragraphs are as often the text's own list
    (products compared, a changelog), and stay."""
    if len(chosen) < RELATED_MIN_LINKS + 2:
        return np.zeros(0, dtype=np.int64)
    heading = _related_heading()
    texts = page.texts
    visible = np.maximum(np.fromiter((len(t) - t.count(" ") for t in texts), dtype=np.float64,
                                     count=len(texts)), 1)
    kept = np.zeros(len(texts), dtype=bool)
    kept[chosen] = True
    prose = kept & (page.words >= PROSE_WORDS) & (page.link_chars < 0.3 * visible)
    headline_link = kept & (page.link_chars >= 0.9 * visible) & (page.words >= RELATED_MIN_WORDS)
    headline_link[headline_link] = [not _FULL_STOP.search(texts[i]) for i in np.flatnonzero(headline_link)]
    found: list[int] = []
    start = 0
    while start < len(texts):  # each run of consecutive headline links
        if not headline_link[start]:
            start += 1
            continue
        end = start
        while end + 1 < len(texts) and headline_link[end + 1]:
            end += 1
        if end - start + 1 >= RELATED_MIN_LINKS and prose[:start].any() and prose[end + 1:].any() \
                and start > 0 and heading(normalise(texts[start - 1])):
            found.extend(range(start, end + 1))
        start = end + 1
    return np.asarray(found, dtype=np.int64)


def block_verdicts(page: pageblocks.PageBlocks, probabilities: np.ndarray,
                   alpha: float = blockmodel.ALPHA, title: str | None = None) -> list[BlockVerdict]:
    """Every block of the page in document order, kept or not and why (main_lines)."""
    selected = blockmodel.select(probabilities, page.words, alpha)
    chosen = complete_runs(page, selected, probabilities)
    related = inline_related(page, chosen)
    chosen = np.setdiff1d(chosen, related)
    put_back = np.asarray(blocks.recover_parts(page, chosen, title), dtype=np.int64)
    why = np.full(len(page), "", dtype=object)  # "": not taken
    why[chosen] = "run"
    why[np.setdiff1d(selected, related)] = "model"
    why[np.setdiff1d(put_back, chosen)] = "put back"
    why[related] = "related"
    verdicts, seen = [], set()
    for i, text in enumerate(page.texts):
        p = float(probabilities[i])
        if why[i] in ("", "related"):
            verdicts.append(BlockVerdict(text, p, False, why[i] or "model"))
        elif page.words[i] <= 0:
            verdicts.append(BlockVerdict(text, p, False, "no words"))
        elif text in seen:
            verdicts.append(BlockVerdict(text, p, False, "repeat"))
        else:
            seen.add(text)
            verdicts.append(BlockVerdict(text, p, True, why[i]))
    return verdicts


def extract_html(markup: str, favor_precision: bool = False,
                 favor_recall: bool = False, explain: bool = False) -> Extracted:
    """Main text of an HTML page: its blocks scored by the block model, with
    trafilatura's extraction as one of the model's inputs. With `explain`,
    what became of every block is kept too (Extracted.blocks)."""
    tree = parse_html(markup)
    if tree is None:
        return Extracted(text="")
    page_title = _page_title(tree)
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
        description = _clean_field(meta.description)
        lines = [description] if description else []
    total = sum(len(t) for t in page.texts)
    return Extracted(
        text="\n".join(lines),
        whole_page=rows.trafilatura_share >= WHOLE_PAGE_SHARE
        or (total > 0 and sum(map(len, lines)) >= WHOLE_PAGE_SHARE * total),
        title=page_title or _clean_field(meta.title),
        date=headline_date(page, page_title) or _clean_field(page_date(tree, meta.url)),
        url=_clean_field(meta.url),
        site=_clean_field(meta.sitename) or _clean_field(meta.hostname),
        blocks=verdicts if explain else None,
    )


@lru_cache(maxsize=1)
def _trafilatura():
    """trafilatura (heavy: imported on first use only)."""
    import trafilatura

    return trafilatura


def extractor_options(url: str | None, fast: bool, favor_precision: bool, favor_recall: bool):
    """trafilatura's options for one page: what bare_extraction would build from
    its arguments (comments apart, tables included, no metadata, no
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
                     comments=True, tables=True, dedup=False, with_metadata=False)


def page_metadata(tree, need_title: bool = True):
    """What trafilatura's `extract_metadata` finds that cleaner uses (title,
    URL, host, site name), in its order and with its functions, without what
    cleaner does not use (authors, categories, tags, licence; the date is
    `page_date`): that part alone was a fifth of the time of a page.
    Without `need_title` (the caller has the headline), the title stays what
    the meta elements say: the search of the page for one (`extract_title`,
    ~0.3 ms on a page without a meta title) is left out."""
    from courlan import extract_domain
    from trafilatura.metadata import (
        META_URL,
        examine_meta,
        extract_meta_json,
        extract_sitename,
        extract_title,
        extract_url,
    )

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
    """The page's date as its markup states it, read by htmldate's first
    steps: the URL, the meta elements, JSON-LD. Its further searches (date
    elements, then the page's text) were a third of the time of a page (they
    copy the whole tree) and find dates that are not the article's as often
    as its own (a comment's, a related story's); the date printed under the
    headline comes first (headline_date), and the chrome rules read date
    lines of the text."""
    try:
        from htmldate.core import examine_header, json_search
        from htmldate.extractors import extract_url_date
        from htmldate.utils import Extractor
        from htmldate.validators import get_max_date, get_min_date
    except ImportError:  # an htmldate without these steps: its own search, the text left out
        from htmldate import find_date
        return find_date(tree, extensive_search=False, original_date=True, url=url)
    options = Extractor(False, get_max_date(None), get_min_date(None), True, "%Y-%m-%d")
    if url is None:
        canonical = tree.find('.//link[@rel="canonical"]')
        url = canonical.get("href") if canonical is not None else None
    return extract_url_date(url, options) or examine_header(tree, options) or json_search(tree, options)


def headline_date(page: pageblocks.PageBlocks, title: str | None) -> str | None:
    """The date printed in the few blocks after the headline, if one is
    ("Thứ ba, 27/06/2017 - 07:47", "March 3, 2024"): the article's own date,
    where a page's other dates belong to comments and related stories."""
    title_key = " ".join(_words(title or ""))
    heads = [i for i, key in enumerate(page.keys) if title_key and key == title_key] or \
        [i for i, owner in enumerate(page.owners) if page.tags[owner] == "h1"]
    if not heads:
        return None
    for i in range(heads[0] + 1, min(len(page), heads[0] + 1 + blocks.LEAD_WINDOW)):
        found = date_of_line(page.texts[i])
        if found or page.words[i] >= 2 * blocks.LEAD_MIN_WORDS:
            return found
    return None


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
