"""A web page as text blocks, each with the features the block model reads.

A block is the text between two block-level boundaries (paragraphs, list
items, headings, table rows, divisions, line breaks) in document order. What
the markup says about a block is kept as bit flags of its enclosing elements:
their tags (nav, footer, aside, main, ...) and the words of their class, id
and role ("sidebar", "share", "comment", "content", ...). From those, the
block's own text (length, links, punctuation, digits) and the region it sits
in (how much of the enclosing element's text is linked, or kept by
trafilatura), `features` makes the rows the model scores (see blockmodel.py).

Everything here is computed once per page: flags per element while walking,
region sums by prefix sums over the blocks an element spans, ancestors by
vectorised parent jumps.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from .minhash import line_keys, tokens as word_tokens

# Elements that end the text before them and start a block of their own.
BLOCK_TAGS = frozenset({
    "address", "article", "aside", "blockquote", "body", "br", "caption", "center", "dd", "details",
    "dialog", "dir", "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2",
    "h3", "h4", "h5", "h6", "header", "hgroup", "hr", "html", "legend", "li", "main", "menu", "nav", "ol",
    "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul",
})
# Elements whose text is never page text (their tail is).
SKIP_TAGS = frozenset({
    "audio", "canvas", "embed", "head", "iframe", "input", "link", "map", "math", "meta", "object",
    "option", "script", "select", "style", "svg", "template", "textarea", "title", "video",
})
# Cells of a data table are not blocks: a row is one line, cells split by a tab.
CELL_TAGS = frozenset({"td", "th"})
BOLD_TAGS = frozenset({"b", "strong"})

# Flags an element has by its tag.
TAG_FLAGS = ("nav", "header", "footer", "aside", "form", "main", "article", "section", "li", "table",
             "heading", "a", "label", "button", "blockquote", "pre", "figure", "list", "dl", "noscript",
             "details")
_TAG_FLAG_OF = {
    "nav": "nav", "menu": "nav", "header": "header", "footer": "footer", "aside": "aside",
    "form": "form", "fieldset": "form", "main": "main", "article": "article", "section": "section",
    "li": "li", "table": "table", "h1": "heading", "h2": "heading", "h3": "heading", "h4": "heading",
    "h5": "heading", "h6": "heading", "a": "a", "label": "label", "button": "button",
    "blockquote": "blockquote", "pre": "pre", "code": "pre", "figure": "figure", "figcaption": "figure",
    "ul": "list", "ol": "list", "dl": "dl", "noscript": "noscript", "details": "details",
    "summary": "details", "dialog": "details",
}
# Flags an element has by the words of its class, id, role and itemprop.
HINTS: dict[str, re.Pattern] = {
    "nav": re.compile(r"nav|menu|breadcrumb|toolbar|pagination|pager|skip-?link|tabs?\b", re.I),
    "foot": re.compile(r"foot|copyright|legal|contentinfo|colophon", re.I),
    "head": re.compile(r"header|masthead|banner|top-?bar|site-?title|logo", re.I),
    "side": re.compile(r"sidebar|side-bar|aside|widget|rail|complementary", re.I),
    "share": re.compile(r"share|social|sharing|follow|print", re.I),
    "comment": re.compile(r"comment|reply|replies|respond|discussion|disqus|review", re.I),
    "related": re.compile(r"related|recommend|more-|popular|trending|also|similar|read-?next|teaser|promo|upsell|"
                          r"carousel|slider", re.I),
    "ad": re.compile(r"(?:^|[\s_-])ads?(?:$|[\s_-])|advert|sponsor|dfp|gpt-|banner-?ad|adslot", re.I),
    "modal": re.compile(r"cookie|consent|gdpr|modal|popup|overlay|newsletter|subscribe|signup|sign-up|login|"
                        r"paywall|dialog|drawer|offcanvas", re.I),
    "content": re.compile(r"content|article|post|entry|main|body|text|story|prose|rich|markdown|description|"
                          r"detail|answer|question|message", re.I),
    "meta": re.compile(r"author|byline|date|time|meta|tag|categor|label|badge|rating|price", re.I),
    "hidden": re.compile(r"hidden|sr-only|visually-?hidden|screen-?reader|invisible|d-none", re.I),
    "caption": re.compile(r"caption|credit|legend", re.I),
}
HINT_FLAGS = tuple(HINTS)
ATTR_FLAGS = ("role_main", "concealed")
FLAGS = TAG_FLAGS + tuple("hint_" + h for h in HINT_FLAGS) + ATTR_FLAGS
_BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
_ROLE_FLAGS = {"main": "role_main", "navigation": "nav", "banner": "header", "contentinfo": "footer",
               "complementary": "aside", "dialog": "details", "menu": "nav", "menubar": "nav"}
# How many of a block's nearest enclosing elements make its "near" flags.
NEAR = 6
# Owner tags the model tells apart; others count as "other".
OWNER_TAGS = ("p", "div", "li", "td", "th", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "dd", "dt",
              "blockquote", "figcaption", "section", "article", "body", "ul", "main", "span", "a", "summary")
# Ancestor levels (0: the block's own element) whose regions are described.
LEVELS = (0, 1, 2, 4, 7)
# Blocks on each side whose share of trafilatura's text is averaged.
WINDOW = 5

_SENTENCE_END = re.compile(r"[.!?。！？](?:\s|$)")
_CURRENCY = re.compile(r"[$€£¥₫₹]|\b(?:USD|EUR|GBP|VND)\b")
_DATE = re.compile(r"\b(?:19|20)\d\d\b|\b\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\b|"
                   r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b", re.I)


@lru_cache(maxsize=8192)
def _attribute_flags(attributes: str) -> int:
    """Hint flags of an element's class/id/role/itemprop words (cached: pages repeat them)."""
    bits = 0
    for name, pattern in HINTS.items():
        if pattern.search(attributes):
            bits |= _BIT["hint_" + name]
    return bits


def element_flags(element) -> int:
    """The element's own flags: its tag, its attribute words, its role, and
    whether it is hidden from view."""
    tag = element.tag
    bits = _BIT[_TAG_FLAG_OF[tag]] if tag in _TAG_FLAG_OF else 0
    get = element.get
    role = get("role")
    attributes = " ".join(filter(None, (get("class"), get("id"), role, get("itemprop"))))
    if attributes:
        bits |= _attribute_flags(attributes)
    if role:
        flag = _ROLE_FLAGS.get(role.strip().lower())
        if flag:
            bits |= _BIT[flag]
    style = get("style")
    if get("hidden") is not None or get("aria-hidden") == "true" or (
            style and "none" in style and re.search(r"display\s*:\s*none|visibility\s*:\s*hidden", style)):
        bits |= _BIT["concealed"]
    return bits


@dataclass
class PageBlocks:
    """A page's blocks in document order, and the elements enclosing them."""

    texts: list[str] = field(default_factory=list)
    owners: list[int] = field(default_factory=list)   # element index of each block
    link_chars: list[int] = field(default_factory=list)
    bold_chars: list[int] = field(default_factory=list)
    # Per element, in the order they opened: parent index (the root is its
    # own parent), tag, own flags, the flags of it and all its ancestors,
    # the blocks it holds (a range), and how many siblings share its tag and class.
    parents: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    own_flags: list[int] = field(default_factory=list)
    flags: list[int] = field(default_factory=list)
    first_block: list[int] = field(default_factory=list)
    end_block: list[int] = field(default_factory=list)
    like_siblings: list[int] = field(default_factory=list)
    keys: list[str] = field(default_factory=list)      # casefolded words joined by spaces
    words: list[int] = field(default_factory=list)     # words, counting unspaced-script characters

    def __len__(self) -> int:
        return len(self.texts)


def walk(root) -> PageBlocks:
    """`root`'s visible text as blocks (see module docstring)."""
    page = PageBlocks()
    parts: list[str] = []
    counts = [0, 0, 0]  # characters pending: all, in links, in bold
    block_stack: list[int] = []  # indices of the open block-level elements
    sibling_keys: list[tuple[int, str, str]] = []

    def add(text: str, link: bool, bold: bool) -> None:
        parts.append(text)
        size = len(text.strip())
        counts[0] += size
        if link:
            counts[1] += size
        if bold:
            counts[2] += size

    def flush() -> None:
        if not parts:
            return
        if counts[0]:
            text = " ".join("".join(parts).split())
            if text:
                page.texts.append(text.replace(" \t ", "\t").strip())
                page.owners.append(block_stack[-1])
                page.link_chars.append(counts[1])
                page.bold_chars.append(counts[2])
        parts.clear()
        counts[:] = (0, 0, 0)

    def visit(element, parent: int, link: bool, bold: bool, in_data_table: bool) -> None:
        tag = element.tag
        if tag.__class__ is not str:  # comments and processing instructions
            if element.tail:
                add(element.tail, link, bold)
            return
        if tag in SKIP_TAGS:
            if element.tail:
                add(element.tail, link, bold)
            return
        index = len(page.parents)
        own = element_flags(element)
        page.parents.append(parent if parent >= 0 else index)
        page.tags.append(tag)
        page.own_flags.append(own)
        page.flags.append(own | (page.flags[parent] if parent >= 0 else 0))
        page.first_block.append(len(page.texts))
        page.end_block.append(0)
        sibling_keys.append((parent, tag, element.get("class") or ""))
        if tag in CELL_TAGS and in_data_table:
            is_block = False
            parts.append(" \t ")
        else:
            is_block = tag in BLOCK_TAGS
        if is_block:
            flush()
            block_stack.append(index)
            page.first_block[index] = len(page.texts)
        elif tag == "br":
            parts.append(" ")
        inner_link = link or tag == "a"
        inner_bold = bold or tag in BOLD_TAGS
        inner_table = in_data_table or tag == "table"
        if element.text:
            add(element.text, inner_link, inner_bold)
        for child in element:
            visit(child, index, inner_link, inner_bold, inner_table)
        if is_block:
            flush()
            block_stack.pop()
        page.end_block[index] = len(page.texts)
        if element.tail:
            add(element.tail, link, bold)

    block_stack.append(0)
    visit(root, -1, False, False, False)
    flush()
    _count_like_siblings(page, sibling_keys)
    keys = line_keys(page.texts)
    for text, key in zip(page.texts, keys or [None] * len(page.texts)):
        if key is None:
            toks = word_tokens(text)
            page.keys.append(" ".join(toks))
            page.words.append(len(toks))
        else:
            page.keys.append(key[1])
            page.words.append(key[2] + key[3])
    return page


def _count_like_siblings(page: PageBlocks, sibling_keys: list[tuple[int, str, str]]) -> None:
    """For each element: how many children of its parent share its tag and
    class (cards of a listing, posts of a thread, items of a menu)."""
    counts: dict[tuple[int, str, str], int] = {}
    for key in sibling_keys:
        counts[key] = counts.get(key, 0) + 1
    page.like_siblings = [counts[key] for key in sibling_keys]


def _ngram_sets(words: list[str]) -> tuple[set, set, set]:
    """The 1-, 2- and 3-word sequences of a text."""
    ones = set(words)
    twos = set(zip(words, words[1:]))
    threes = set(zip(words, words[1:], words[2:]))
    return ones, twos, threes


def shares_in(keys: list[str], text_words: list[str]) -> np.ndarray:
    """For each block key, the share of its word 3-grams (its words, for
    blocks of one or two) that occur in the text: how much of the block a
    text holds."""
    ones, twos, threes = _ngram_sets(text_words)
    out = np.zeros(len(keys), dtype=np.float32)
    if not text_words:
        return out
    for i, key in enumerate(keys):
        words = key.split()
        n = len(words)
        if n >= 3:
            grams = list(zip(words, words[1:], words[2:]))
            out[i] = sum(g in threes for g in grams) / len(grams)
        elif n == 2:
            out[i] = (words[0], words[1]) in twos
        elif n == 1:
            out[i] = words[0] in ones
    return out


def _onehot(values: list[str], names: tuple[str, ...]) -> np.ndarray:
    position = {name: i for i, name in enumerate(names)}
    out = np.zeros((len(values), len(names) + 1), dtype=np.float32)
    out[np.arange(len(values)), [position.get(v, len(names)) for v in values]] = 1.0
    return out


def _bits(flags: np.ndarray, names: tuple[str, ...]) -> np.ndarray:
    return np.stack([(flags & _BIT[name]) != 0 for name in names], axis=1).astype(np.float32)


def _text_features(texts: list[str], words: np.ndarray) -> np.ndarray:
    """Per block: ends like a sentence, commas, sentence ends, digit and
    capital shares, a currency sign, a date in a short line, mean word length."""
    rows = np.zeros((len(texts), 8), dtype=np.float32)
    for i, text in enumerate(texts):
        letters = sum(c.isalpha() for c in text) or 1
        rows[i] = (
            text[-1:] in ".!?:;。！？",
            text.count(",") + text.count("、") + text.count("，"),
            len(_SENTENCE_END.findall(text)),
            sum(c.isdigit() for c in text) / len(text),
            sum(c.isupper() for c in text) / letters,
            _CURRENCY.search(text) is not None,
            words[i] < 12 and _DATE.search(text) is not None,
            letters / max(1, words[i]),
        )
    rows[:, 1] = np.log1p(rows[:, 1])
    rows[:, 2] = np.log1p(rows[:, 2])
    return rows


FEATURE_NAMES: tuple[str, ...] = (
    "log_words", "log_chars", "link_share", "bold_share",
    "sentence_end", "log_commas", "log_sentences", "digit_share", "capital_share", "currency", "short_date",
    "letters_per_word", "is_title", "repeats", "log_like_siblings", "depth",
    *("owner_" + t for t in OWNER_TAGS), "owner_other",
    *("in_" + f for f in FLAGS), *("near_" + f for f in FLAGS),
    "kept", "kept_comments",
    *(f"region{lv}_{k}" for lv in LEVELS for k in ("kept", "links", "log_words", "log_blocks", "page_share")),
    "page_log_words", "page_kept", "page_links", "page_has_main", "page_has_article",
    "position", "before_kept", "after_kept",
    "prev_links", "prev_log_words", "prev_kept", "next_links", "next_log_words", "next_kept", "window_kept",
)


def features(page: PageBlocks, kept: np.ndarray, kept_comments: np.ndarray, title_key: str = "") -> np.ndarray:
    """The model's rows for a page's blocks (columns: FEATURE_NAMES).

    `kept` and `kept_comments`: each block's share in trafilatura's text and
    in its comments (shares_in)."""
    n = len(page)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    words = np.asarray(page.words, dtype=np.float32)
    chars = np.fromiter((len(t) for t in page.texts), dtype=np.float32, count=n)
    links = np.asarray(page.link_chars, dtype=np.float32)
    owners = np.asarray(page.owners, dtype=np.int64)
    parents = np.asarray(page.parents, dtype=np.int64)
    own_flags = np.asarray(page.own_flags, dtype=np.int64)
    flags = np.asarray(page.flags, dtype=np.int64)

    # ancestors of each block's element, level by level (the root is its own parent)
    ancestors = [owners]
    for _ in range(max(max(LEVELS), NEAR - 1)):
        ancestors.append(parents[ancestors[-1]])
    near = np.zeros(n, dtype=np.int64)
    for level in range(NEAR):
        near |= own_flags[ancestors[level]]
    depth = np.zeros(len(parents), dtype=np.float32)
    for i in range(1, len(parents)):  # parents come before their children
        depth[i] = depth[parents[i]] + 1

    # regions: sums over the blocks each element spans, by prefix sums
    def prefix(values: np.ndarray) -> np.ndarray:
        return np.concatenate(([0.0], np.cumsum(values, dtype=np.float64)))

    sum_words, sum_kept = prefix(words), prefix(words * kept)
    sum_chars, sum_links = prefix(chars), prefix(links)
    first = np.asarray(page.first_block, dtype=np.int64)
    end = np.asarray(page.end_block, dtype=np.int64)
    total_words = max(1.0, float(sum_words[-1]))
    regions = []
    for level in LEVELS:
        element = ancestors[level]
        lo, hi = first[element], end[element]
        region_words = sum_words[hi] - sum_words[lo]
        region_chars = sum_chars[hi] - sum_chars[lo]
        regions += [
            (sum_kept[hi] - sum_kept[lo]) / np.maximum(region_words, 1),
            (sum_links[hi] - sum_links[lo]) / np.maximum(region_chars, 1),
            np.log1p(region_words),
            np.log1p(hi - lo),
            region_words / total_words,
        ]

    repeats: dict[str, int] = {}
    for text in page.texts:
        repeats[text] = repeats.get(text, 0) + 1
    kept_at = np.flatnonzero(kept >= 0.5)
    first_kept, last_kept = (kept_at[0], kept_at[-1]) if len(kept_at) else (n, -1)
    order = np.arange(n)
    before = np.concatenate(([0.0], np.cumsum(chars)[:-1]))
    padded_kept = np.concatenate(([0.0], kept, [0.0]))
    padded_links = np.concatenate(([0.0], links / np.maximum(chars, 1), [0.0]))
    padded_words = np.concatenate(([0.0], np.log1p(words), [0.0]))
    weight = words + 1
    cum_weight, cum_kept = prefix(weight), prefix(weight * kept)
    lo = np.maximum(order - WINDOW, 0)
    hi = np.minimum(order + WINDOW + 1, n)
    page_links = float(links.sum() / max(1.0, chars.sum()))
    all_flags = int(np.bitwise_or.reduce(own_flags)) if len(own_flags) else 0

    columns = [
        np.log1p(words), np.log1p(chars), links / np.maximum(chars, 1),
        np.asarray(page.bold_chars, dtype=np.float32) / np.maximum(chars, 1),
        *_text_features(page.texts, words).T,
        np.fromiter((bool(title_key) and key == title_key for key in page.keys), dtype=np.float32, count=n),
        np.fromiter((repeats[t] - 1 for t in page.texts), dtype=np.float32, count=n),
        np.log1p(np.asarray(page.like_siblings, dtype=np.float32)[owners]),
        depth[owners],
        *_onehot([page.tags[o] for o in owners], OWNER_TAGS).T,
        *_bits(flags[owners], FLAGS).T,
        *_bits(near, FLAGS).T,
        kept, kept_comments,
        *regions,
        np.full(n, np.log1p(total_words)), np.full(n, sum_kept[-1] / total_words), np.full(n, page_links),
        np.full(n, bool(all_flags & (_BIT["main"] | _BIT["role_main"]))),
        np.full(n, bool(all_flags & _BIT["article"])),
        before / max(1.0, float(chars.sum())), order < first_kept, order > last_kept,
        padded_links[:-2], padded_words[:-2], padded_kept[:-2],
        padded_links[2:], padded_words[2:], padded_kept[2:],
        (cum_kept[hi] - cum_kept[lo]) / (cum_weight[hi] - cum_weight[lo]),
    ]
    matrix = np.column_stack([np.asarray(c, dtype=np.float32) for c in columns])
    assert matrix.shape[1] == len(FEATURE_NAMES), (matrix.shape, len(FEATURE_NAMES))
    return matrix


def has_flag(page: PageBlocks, element: int, name: str) -> bool:
    """Whether the element or one of its ancestors has the flag."""
    return bool(page.flags[element] & _BIT[name])
