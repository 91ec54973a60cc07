"""A page's title, date and metadata, for the record's fields (not its text).

Only what cleaner uses is looked up: trafilatura's metadata without its
date search (page_metadata), the headline from the markup (title_of), the
date under the headline or in the page's own markup (headline_date,
page_date).
"""

from __future__ import annotations

import re

from ..chrome.filter import date_of_line
from . import blocks, pageblocks

# An element holding the headline has at most this many child elements.
HEADLINE_MAX_CHILDREN = 3


_HEADLINE_TAGS = ("h1", "h2", "h3", "span", "div", "p", "b", "strong")


# Separators between the headline and the site name in <title>.
_TITLE_SEPARATORS = re.compile(r"\s+(?:[-–—|·»:]|::)\s+")


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
    title_key = " ".join(pageblocks.key_words(title or ""))
    heads = [i for i, key in enumerate(page.keys) if title_key and key == title_key] or \
        [i for i, owner in enumerate(page.owners) if page.tags[owner] == "h1"]
    if not heads:
        return None
    for i in range(heads[0] + 1, min(len(page), heads[0] + 1 + blocks.LEAD_WINDOW)):
        found = date_of_line(page.texts[i])
        if found or page.words[i] >= 2 * blocks.LEAD_MIN_WORDS:
            return found
    return None


def title_of(tree) -> str | None:
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


def clean_field(value: object) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None
