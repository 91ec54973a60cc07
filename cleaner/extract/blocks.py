"""Article parts that extractors drop, put back; and the short element texts
where a headline is looked for.

Extractors find the article body well, but on news pages they regularly drop
two things that belong to it: the lead (the bold summary paragraph between
the headline and the body, "sapo" in Vietnamese newsrooms) and photo
captions printed with a credit ("... (Ảnh: TTXVN)"). With the blocks the
model kept as anchors, a bold lead just before the first of them and
credited captions between the first and the last are put back in place.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..chrome.lexicon import Lexicon, default_lexicon, normalise

WORD = re.compile(r"\w+")
HEADINGS = frozenset({"h1", "h2", "h3"})
# A lead has at least this many words and few links.
LEAD_MIN_WORDS = 10
MAX_LINK_SHARE = 0.3
# How many blocks before the first kept block are searched for the lead.
LEAD_WINDOW = 6


def _tokens(text: str) -> list[str]:
    return WORD.findall(normalise(text))


def recover_parts(page, chosen, title: str | None, lexicon: Lexicon | None = None) -> list[int]:
    """Blocks of `page` (a pageblocks.PageBlocks) that belong to the article
    the chosen blocks hold though the model left them out: the bold lead just
    before the first chosen block (after the headline), and photo captions
    printed with a credit ("(Ảnh: TTXVN)", "Photo: AFP") between the first
    and the last chosen block."""
    from .pageblocks import has_flag

    if len(chosen) == 0:
        return []
    lexicon = lexicon or default_lexicon()
    chosen_set = set(int(i) for i in chosen)
    first, last = min(chosen_set), max(chosen_set)
    found: list[int] = []
    title_key = " ".join(_tokens(title or ""))
    for i in range(first - 1, max(0, first - LEAD_WINDOW) - 1, -1):
        tag = page.tags[page.owners[i]]
        if tag in HEADINGS or (title_key and page.keys[i] == title_key):
            break
        chars = len(page.texts[i])
        if page.words[i] >= LEAD_MIN_WORDS and page.bold_chars[i] >= 0.9 * chars \
                and page.link_chars[i] <= MAX_LINK_SHARE * chars:
            found.append(i)
            break
    credit = _credit_pattern(lexicon)
    for i in range(first + 1, last):
        if i in chosen_set:
            continue
        owner = page.owners[i]
        if (has_flag(page, owner, "figure") or has_flag(page, owner, "hint_caption")) \
                and credit.search(normalise(page.texts[i])):
            found.append(i)
    return found


@lru_cache(maxsize=4)
def _credit_pattern(lexicon: Lexicon) -> re.Pattern:
    return re.compile(lexicon.pattern("caption_credit"))


def shown_texts(tree, tags: tuple[str, ...], max_children: int, max_chars: int) -> set[str]:
    """The text (white space runs made single spaces) of every element of
    `tree` with one of `tags`, at most `max_children` children and at most
    `max_chars` characters of text: the short elements a headline can stand
    in. The compiled walk stops counting a container's text at `max_chars`,
    where text_content() makes a string of the whole page for each one."""
    kernel = _kernel()
    shown = kernel.shown_texts(tree, tags, max_children, max_chars) if kernel is not None else None
    return shown if shown is not None else python_shown_texts(tree, tags, max_children, max_chars)


def python_shown_texts(tree, tags: tuple[str, ...], max_children: int, max_chars: int) -> set[str]:
    shown = set()
    for element in tree.iter(*tags):
        if len(element) <= max_children:
            text = element.text_content()
            if len(text) <= max_chars:
                shown.add(" ".join(text.split()))
    return shown


_PROBE = ("<html><body><div><span>Bold <b>words</b>\u00a0here</span><p>text <a href='#'>a link</a></p>"
          "<div><p>1</p><p>2</p><p>3</p><p>4</p></div></div></body></html>")


@lru_cache(maxsize=1)
def _kernel():
    """The compiled shown_texts, if it is built and agrees with Python's on the probe."""
    try:
        from lxml.html import fromstring

        from .._native import _segment
    except ImportError:
        return None
    root = fromstring(_PROBE)
    probe = ("div", "p", "span", "b", "strong")
    try:
        agrees = all(_segment.shown_texts(root, probe, 3, limit) == python_shown_texts(root, probe, 3, limit)
                     for limit in (5, 40))
    except Exception:
        return None
    return _segment if agrees else None
