"""The block model's rows: what each block of a page looks like, where it
sits, and what trafilatura made of it (columns: FEATURE_NAMES).

For each block: its size and text (words, characters, links, bold,
punctuation, digits, capitals, a currency sign, a short date), its element's
tag, the flags of its enclosing elements (any of them, and the six nearest),
its share of trafilatura's extraction and of trafilatura's comments, the
regions around it (its element and four ancestors: how much of their text
trafilatura kept, how much is linked, their size and share of the page),
its neighbours, and the page as a whole. Regions are sums over the blocks an
element spans, by prefix sums; ancestors come by vectorised parent jumps.
"""

from __future__ import annotations

import re

import numpy as np

from .pageblocks import BIT, FLAGS, PageBlocks

# How many of a block's nearest enclosing elements make its "near" flags.
NEAR = 6
# Element tags the model tells apart; others count as "other".
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


def shares_in(keys: list[str], text_words: list[str]) -> np.ndarray:
    """For each block key, the share of its word 3-grams (its words, for
    blocks of one or two) that occur in the text: how much of the block a
    text holds."""
    out = np.zeros(len(keys), dtype=np.float64)
    if not text_words:
        return out
    ones = set(text_words)
    twos = set(zip(text_words, text_words[1:]))
    threes = set(zip(text_words, text_words[1:], text_words[2:]))
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
    out = np.zeros((len(values), len(names) + 1))
    out[np.arange(len(values)), [position.get(v, len(names)) for v in values]] = 1.0
    return out


def _bits(flags: np.ndarray) -> np.ndarray:
    return ((flags[:, None] & np.asarray([BIT[name] for name in FLAGS], dtype=np.int64)) != 0).astype(float)


def _text_columns(page: PageBlocks, chars: np.ndarray) -> list[np.ndarray]:
    """Ends like a sentence, commas, sentence ends, digit and capital shares,
    a currency sign, a date in a short line, letters per word."""
    texts = page.texts
    n = len(texts)
    ends = np.fromiter((t[-1:] in ".!?:;。！？" for t in texts), dtype=float, count=n)
    commas = np.fromiter((t.count(",") + t.count("、") + t.count("，") for t in texts), dtype=float, count=n)
    sentences = np.fromiter((len(_SENTENCE_END.findall(t)) for t in texts), dtype=float, count=n)
    currency = np.fromiter((_CURRENCY.search(t) is not None for t in texts), dtype=float, count=n)
    short = page.words < 12
    dates = np.zeros(n)
    for i in np.flatnonzero(short):
        dates[i] = _DATE.search(texts[i]) is not None
    letters = page.letters.astype(float)
    return [ends, np.log1p(commas), np.log1p(sentences), page.digits / np.maximum(chars, 1),
            page.capitals / np.maximum(letters, 1), currency, dates, letters / np.maximum(page.words, 1)]


def features(page: PageBlocks, kept: np.ndarray, kept_comments: np.ndarray, title_key: str = "") -> np.ndarray:
    """The model's rows for a page's blocks (columns: FEATURE_NAMES).

    `kept` and `kept_comments`: each block's share in trafilatura's text and
    in its comments (shares_in)."""
    n = len(page)
    if n == 0:
        return np.zeros((0, len(FEATURE_NAMES)))
    words = page.words
    chars = np.fromiter((len(t) for t in page.texts), dtype=float, count=n)
    links = page.link_chars.astype(float)
    owners, parents, own_flags = page.owners, page.parents, page.own_flags

    ancestors = [owners]
    for _ in range(max(max(LEVELS), NEAR - 1)):
        ancestors.append(parents[ancestors[-1]])
    near = np.zeros(n, dtype=np.int64)
    for level in range(NEAR):
        near |= own_flags[ancestors[level]]

    def prefix(values: np.ndarray) -> np.ndarray:
        return np.concatenate(([0.0], np.cumsum(values)))

    sum_words, sum_kept = prefix(words), prefix(words * kept)
    sum_chars, sum_links = prefix(chars), prefix(links)
    total_words = max(1.0, float(sum_words[-1]))
    regions = []
    for level in LEVELS:
        element = ancestors[level]
        lo, hi = page.first_block[element], page.end_block[element]
        region_words = sum_words[hi] - sum_words[lo]
        regions += [
            (sum_kept[hi] - sum_kept[lo]) / np.maximum(region_words, 1),
            (sum_links[hi] - sum_links[lo]) / np.maximum(sum_chars[hi] - sum_chars[lo], 1),
            np.log1p(region_words),
            np.log1p(hi - lo),
            region_words / total_words,
        ]

    seen: dict[str, int] = {}
    for text in page.texts:
        seen[text] = seen.get(text, 0) + 1
    kept_at = np.flatnonzero(kept >= 0.5)
    first_kept, last_kept = (kept_at[0], kept_at[-1]) if len(kept_at) else (n, -1)
    order = np.arange(n)
    link_share = links / np.maximum(chars, 1)
    log_words = np.log1p(words)

    def shifted(values: np.ndarray, by: int) -> np.ndarray:
        padded = np.concatenate(([0.0], values, [0.0]))
        return padded[1 + by: 1 + by + n]

    weight = words + 1
    cum_weight, cum_kept = prefix(weight), prefix(weight * kept)
    lo = np.maximum(order - WINDOW, 0)
    hi = np.minimum(order + WINDOW + 1, n)
    all_flags = int(np.bitwise_or.reduce(own_flags)) if len(own_flags) else 0

    columns = [
        log_words, np.log1p(chars), link_share, page.bold_chars / np.maximum(chars, 1),
        *_text_columns(page, chars),
        np.fromiter((bool(title_key) and key == title_key for key in page.keys), dtype=float, count=n),
        np.fromiter((seen[t] - 1 for t in page.texts), dtype=float, count=n),
        np.log1p(page.like_siblings[owners]),
        page.depths[owners],
        *_onehot([page.tags[o] for o in owners], OWNER_TAGS).T,
        *_bits(page.flags[owners]).T,
        *_bits(near).T,
        kept, kept_comments,
        *regions,
        np.full(n, np.log1p(total_words)), np.full(n, sum_kept[-1] / total_words),
        np.full(n, links.sum() / max(1.0, chars.sum())),
        np.full(n, float(bool(all_flags & (BIT["main"] | BIT["role_main"])))),
        np.full(n, float(bool(all_flags & BIT["article"]))),
        (np.cumsum(chars) - chars) / max(1.0, float(chars.sum())), order < first_kept, order > last_kept,
        shifted(link_share, -1), shifted(log_words, -1), shifted(kept, -1),
        shifted(link_share, 1), shifted(log_words, 1), shifted(kept, 1),
        (cum_kept[hi] - cum_kept[lo]) / (cum_weight[hi] - cum_weight[lo]),
    ]
    matrix = np.column_stack([np.asarray(c, dtype=np.float64) for c in columns]).astype(np.float32)
    if matrix.shape[1] != len(FEATURE_NAMES):
        raise AssertionError(f"{matrix.shape[1]} columns for {len(FEATURE_NAMES)} feature names")
    return matrix
