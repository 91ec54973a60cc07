"""A web page as text blocks, and what the markup says about each.

A block is the text between two block-level boundaries (paragraphs, list
items, headings, table rows, divisions, line breaks) in document order; the
cells of a data table are not boundaries, so a row is one block with its
cells separated by spaces (layout tables are unwrapped before). What the
markup says about a block is kept as bit flags of the elements enclosing it:
their tags (nav, footer, aside, main, ...), the words of their class, id,
role and itemprop ("sidebar", "share", "comment", "content", ...; see
HINT_KEYWORDS), and whether they are hidden.

The walk is compiled (cleaner/_native/_segment.c, `page_walk`), reading libxml2's
nodes directly; `python_walk` is its twin, used without a compiler and
compared with it by the tests. blockfeatures.py turns a walked page into the
block model's rows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..tokens import line_keys
from ..tokens import tokens as word_tokens

# Elements that end the text before them and start a block of their own.
BLOCK_TAGS = (
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol",
    "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
)
# Elements whose text is never page text (their tail is).
SKIP_TAGS = (
    "audio", "canvas", "embed", "head", "iframe", "input", "link", "map", "math", "meta", "object",
    "option", "script", "select", "style", "svg", "template", "textarea", "title", "video",
)
# Cells: inside a table they are not blocks, a space separates them.
CELL_TAGS = ("td", "th")
BOLD_TAGS = ("b", "strong")

# Flags an element has by its tag.
TAG_FLAGS = ("nav", "header", "footer", "aside", "form", "main", "article", "section", "li", "table",
             "heading", "a", "label", "button", "blockquote", "pre", "figure", "list", "dl", "noscript",
             "details")
TAG_FLAG_OF = {
    "nav": "nav", "menu": "nav", "header": "header", "footer": "footer", "aside": "aside",
    "form": "form", "fieldset": "form", "main": "main", "article": "article", "section": "section",
    "li": "li", "table": "table", "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading",
    "h5": "heading", "h6": "heading", "a": "a", "label": "label", "button": "button",
    "blockquote": "blockquote", "pre": "pre", "code": "pre", "figure": "figure", "figcaption": "figure",
    "ul": "list", "ol": "list", "dl": "dl", "noscript": "noscript", "details": "details",
    "summary": "details", "dialog": "details",
}
# Flags an element has by the words of its class, id, role and itemprop
# (ASCII case ignored): parts of words (substrings), and whole words (the
# runs of letters and digits) for those that are parts of too many others.
HINT_KEYWORDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "nav": (("nav", "menu", "breadcrumb", "toolbar", "pagination", "pager", "skip"), ("tab", "tabs")),
    "foot": (("foot", "copyright", "legal", "contentinfo", "colophon"), ()),
    "head": (("header", "masthead", "banner", "topbar", "top-bar", "site-title", "logo"), ()),
    "side": (("sidebar", "side-bar", "aside", "widget", "rail", "complementary"), ()),
    "share": (("share", "social", "sharing", "follow", "print"), ()),
    "comment": (("comment", "reply", "replies", "respond", "discussion", "disqus", "review"), ()),
    "related": (("related", "recommend", "more-", "popular", "trending", "similar", "read-next", "readnext",
                 "teaser", "promo", "upsell", "carousel", "slider"), ("also",)),
    "ad": (("advert", "sponsor", "dfp", "gpt-", "adslot", "banner-ad"), ("ad", "ads", "adv")),
    "modal": (("cookie", "consent", "gdpr", "modal", "popup", "overlay", "newsletter", "subscribe", "signup",
               "sign-up", "login", "paywall", "dialog", "drawer", "offcanvas"), ()),
    "content": (("content", "article", "post", "entry", "main", "body", "text", "story", "prose", "rich",
                 "markdown", "description", "detail", "answer", "question", "message"), ()),
    "meta": (("author", "byline", "date", "time", "meta", "tag", "categor", "label", "badge", "rating",
              "price"), ()),
    "hidden": (("hidden", "sr-only", "visually-hidden", "visuallyhidden", "screen-reader", "screenreader",
                "invisible", "d-none"), ()),
    "caption": (("caption", "credit", "legend"), ()),
}
HINT_ATTRIBUTES = ("class", "id", "role", "itemprop")
ROLE_FLAG_OF = {"main": "role_main", "navigation": "nav", "banner": "header", "contentinfo": "footer",
                "complementary": "aside", "dialog": "details", "menu": "nav", "menubar": "nav"}
FLAGS = TAG_FLAGS + tuple("hint_" + h for h in HINT_KEYWORDS) + ("role_main", "concealed")
BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
_BLOCK, _SKIP, _CELL, _BOLD = map(frozenset, (BLOCK_TAGS, SKIP_TAGS, CELL_TAGS, BOLD_TAGS))
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
_ASCII_SPACE = " \t\n\r\f\v"
_SQUEEZE = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz", _ASCII_SPACE)


@dataclass
class PageBlocks:
    """A page's blocks in document order, and the elements enclosing them.

    Per block: its text, the index of its element (the innermost block-level
    element holding it), and counts of its characters that are in links, in
    bold (both on the text as written, white space left out), digits,
    capitals and letters (on the block's text). Per element, in the order
    they open: tag, parent (the root is its own), own flags, flags of it and
    all its ancestors, depth, the blocks it spans (first_block up to
    end_block) and how many children of its parent share its tag and class.
    `keys` and `words`: each block's casefolded words joined by spaces, and
    how many (characters of scripts written without spaces count one each).
    """

    texts: list[str]
    owners: np.ndarray
    link_chars: np.ndarray
    bold_chars: np.ndarray
    digits: np.ndarray
    capitals: np.ndarray
    letters: np.ndarray
    tags: list[str]
    parents: np.ndarray
    own_flags: np.ndarray
    flags: np.ndarray
    depths: np.ndarray
    first_block: np.ndarray
    end_block: np.ndarray
    like_siblings: np.ndarray
    keys: list[str]
    words: np.ndarray

    def __len__(self) -> int:
        return len(self.texts)


def has_flag(page: PageBlocks, element: int, name: str) -> bool:
    """Whether the element or one of its ancestors has the flag."""
    return bool(int(page.flags[element]) & BIT[name])


@lru_cache(maxsize=16384)
def hint_flags(value: str) -> int:
    """Hint flags of one attribute value (cached: pages and sites repeat them)."""
    lowered = value.translate(_ASCII_LOWER)
    words: set[str] | None = None
    bits = 0
    for name, (parts, whole) in HINT_KEYWORDS.items():
        if any(part in lowered for part in parts):
            bits |= BIT["hint_" + name]
        elif whole:
            if words is None:
                words = set(_NON_WORD.split(lowered))
            if any(w in words for w in whole):
                bits |= BIT["hint_" + name]
    return bits


# Runs of ASCII characters other than letters and digits separate whole words.
_NON_WORD = re.compile("[^0-9a-z\x80-\U0010ffff]+")


def element_flags(element) -> int:
    """The element's own flags: its tag, the words of its attributes, its
    role, and whether it is hidden (the hidden attribute, aria-hidden="true",
    display:none or visibility:hidden in its style)."""
    bits = BIT[TAG_FLAG_OF[element.tag]] if element.tag in TAG_FLAG_OF else 0
    get = element.get
    for attribute in HINT_ATTRIBUTES:
        value = get(attribute)
        if value:
            bits |= hint_flags(value)
    role = get("role")
    if role:
        flag = ROLE_FLAG_OF.get(role.translate(_ASCII_LOWER).strip(_ASCII_SPACE))
        if flag:
            bits |= BIT[flag]
    style = get("style")
    if get("hidden") is not None or get("aria-hidden") == "true":
        bits |= BIT["concealed"]
    elif style:
        squeezed = style.translate(_SQUEEZE)
        if "display:none" in squeezed or "visibility:hidden" in squeezed:
            bits |= BIT["concealed"]
    return bits


def walk(root) -> PageBlocks:
    """`root`'s visible text as blocks, by the compiled walk when it is
    built and reads this tree, else by python_walk."""
    kernel = _kernel()
    walked = kernel.page_walk(root) if kernel is not None else None
    if walked is None:
        return python_walk(root)
    texts, block_ints, tags, element_ints = walked
    blocks = np.frombuffer(block_ints, dtype=np.int32).reshape(-1, 6)
    elements = np.frombuffer(element_ints, dtype=np.int64).reshape(-1, 7)
    return _page(texts, blocks, tags, elements)


def _page(texts: list[str], blocks: np.ndarray, tags: list[str], elements: np.ndarray) -> PageBlocks:
    """A PageBlocks from the walk's rows: per block (owner, link chars, bold
    chars, digits, capitals, letters); per element (parent, own flags,
    flags, depth, first block, end block, like key)."""
    parents = elements[:, 0]
    like_keys = elements[:, 6]
    if len(parents):
        pairs = np.stack([parents, like_keys], axis=1)
        _, inverse, counts = np.unique(pairs, axis=0, return_inverse=True, return_counts=True)
        like = counts[inverse.ravel()]
    else:
        like = np.zeros(0, dtype=np.int64)
    keys, words = _keys(texts)
    return PageBlocks(
        texts=texts, owners=blocks[:, 0].astype(np.int64), link_chars=blocks[:, 1], bold_chars=blocks[:, 2],
        digits=blocks[:, 3], capitals=blocks[:, 4], letters=blocks[:, 5], tags=tags,
        parents=parents, own_flags=elements[:, 1], flags=elements[:, 2], depths=elements[:, 3],
        first_block=elements[:, 4], end_block=elements[:, 5], like_siblings=like, keys=keys, words=words)


def _keys(texts: list[str]) -> tuple[list[str], np.ndarray]:
    keys, counts = [], []
    for text, key in zip(texts, line_keys(texts) or [None] * len(texts)):
        if key is None:
            toks = word_tokens(text)
            keys.append(" ".join(toks))
            counts.append(len(toks))
        else:
            keys.append(key[1])
            counts.append(key[2] + key[3])
    return keys, np.asarray(counts, dtype=np.float64)


def python_walk(root) -> PageBlocks:
    """The walk in Python: what the compiled page_walk computes."""
    texts: list[str] = []
    block_rows: list[tuple[int, int, int, int, int, int]] = []
    tags: list[str] = []
    element_rows: list[list[int]] = []
    parts: list[str] = []
    counts = [0, 0, 0]  # characters pending: all, in links, in bold (white space left out)
    open_blocks: list[int] = []  # the block-level elements open, innermost last

    def add(text: str, link: bool, bold: bool) -> None:
        parts.append(text)
        size = len(text.strip())
        counts[0] += size
        if link:
            counts[1] += size
        if bold:
            counts[2] += size

    def flush() -> None:
        if parts and counts[0]:
            text = " ".join("".join(parts).split())
            if text:
                texts.append(text)
                block_rows.append((open_blocks[-1], counts[1], counts[2], sum(c.isdigit() for c in text),
                                   sum(c.isupper() for c in text), sum(c.isalpha() for c in text)))
        parts.clear()
        counts[:] = (0, 0, 0)

    def visit(element, parent: int, link: bool, bold: bool, in_table: bool) -> None:
        tag = element.tag
        if tag.__class__ is not str or tag in _SKIP:  # comments, processing instructions
            if element.tail:
                add(element.tail, link, bold)
            return
        index = len(tags)
        own = element_flags(element)
        above = element_rows[parent] if parent >= 0 else None
        tags.append(tag)
        element_rows.append([parent if above else index, own, own | (above[2] if above else 0),
                             above[3] + 1 if above else 0, 0, 0,
                             _like_key(tag, element.get("class") or "")])
        cell = in_table and tag in _CELL
        is_block = tag in _BLOCK and not cell
        if cell:
            parts.append(" ")
        if is_block:
            flush()
            open_blocks.append(index)
        element_rows[index][4] = len(texts)
        inner_link = link or tag == "a"
        inner_bold = bold or tag in _BOLD
        if element.text:
            add(element.text, inner_link, inner_bold)
        for child in element:
            visit(child, index, inner_link, inner_bold, in_table or tag == "table")
        if is_block:
            flush()
            open_blocks.pop()
        element_rows[index][5] = len(texts)
        if element.tail:
            add(element.tail, link, bold)

    open_blocks.append(0)
    visit(root, -1, False, False, False)
    flush()
    blocks = np.asarray(block_rows, dtype=np.int32).reshape(-1, 6)
    elements = np.asarray(element_rows, dtype=np.int64).reshape(-1, 7)
    return _page(texts, blocks, tags, elements)


def _like_key(tag: str, css_class: str) -> int:
    """What elements alike share: FNV-1a of tag and class, as the kernel computes it."""
    value = 0xCBF29CE484222325
    for byte in tag.encode("utf-8", "surrogatepass") + b"\0" + css_class.encode("utf-8", "surrogatepass"):
        value = ((value ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return value - (1 << 64) if value >= 1 << 63 else value


@lru_cache(maxsize=1)
def _kernel():
    """The compiled walk, configured with this module's vocabulary, if it is
    built and reads a probe page as python_walk does."""
    try:
        from lxml.html import fromstring

        from .._native import _segment
    except ImportError:
        return None
    try:
        _segment.configure(
            BLOCK_TAGS, SKIP_TAGS, CELL_TAGS, BOLD_TAGS,
            {tag: BIT[flag] for tag, flag in TAG_FLAG_OF.items()},
            [(BIT["hint_" + name], parts, whole) for name, (parts, whole) in HINT_KEYWORDS.items()],
            HINT_ATTRIBUTES, {role: BIT[flag] for role, flag in ROLE_FLAG_OF.items()}, BIT["concealed"])
        root = fromstring(_PROBE)
        walked = _segment.page_walk(root)
    except Exception:
        return None
    if walked is None:
        return None
    texts, block_ints, tags, element_ints = walked
    ours = _page(texts, np.frombuffer(block_ints, dtype=np.int32).reshape(-1, 6), tags,
                 np.frombuffer(element_ints, dtype=np.int64).reshape(-1, 7))
    theirs = python_walk(root)
    return _segment if same_walk(ours, theirs) else None


def same_walk(a: PageBlocks, b: PageBlocks) -> bool:
    """Whether two walks of a page agree in everything they found."""
    arrays = ("owners", "link_chars", "bold_chars", "digits", "capitals", "letters", "parents", "own_flags",
              "flags", "depths", "first_block", "end_block", "like_siblings")
    return a.texts == b.texts and a.tags == b.tags and all(
        np.array_equal(getattr(a, name), getattr(b, name)) for name in arrays)


# A page using every rule of the walk: the kernel must read it as Python does.
_PROBE = ("<html><head><title>t</title></head><body class='Site-Body'>lead <b>Bold words here</b> tail"
          "<nav role='navigation'><ul><li><a href='#'>Tin nóng</a></li><li class='x'>Ba ⅛</li></ul></nav>"
          "<div id='main-content' style='DISPLAY: none'>x<br>y<script>var x</script> after</div>"
          "<table><tr><td>cell\u00a0 one</td><td>Ⅻ 12</td></tr></table><div class='ad-slot' hidden>ad"
          "<p class='x'>p1</p><p class='x'>p2</p></div><span aria-hidden='true'>s</span>end</body></html>")


def key_words(text: str) -> list[str]:
    """Casefolded words of a text, as block keys hold them."""
    if not text:
        return []
    keys = line_keys([text])
    if keys is None or keys[0] is None:
        return word_tokens(text)
    return keys[0][1].split()
