"""HTML as a sequence of text blocks, and recovery of the article parts that
trafilatura drops.

trafilatura finds the article body well, but on news pages it regularly drops
two things that belong to the article: the lead (the bold summary paragraph
between the headline and the body, "sapo" in Vietnamese newsrooms) and photo
captions printed with a credit ("... (Ảnh: TTXVN)"). The page is cut into
blocks (paragraphs, list items, cells, captions) in document order; the blocks
trafilatura kept anchor the article; a bold lead just before the first anchor
and credited captions between the anchors are put back in place.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass, field
from functools import lru_cache

from .chrome import date_of_line
from .lexicon import Lexicon, default_lexicon, normalise
from .minhash import line_keys

WORD = re.compile(r"\w+")
BLOCK_TAGS = frozenset({
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "tr", "td", "th", "caption", "blockquote", "figure", "figcaption", "section",
    "article", "header", "footer", "aside", "nav", "main", "pre", "address", "form", "center",
})
SKIP_TAGS = frozenset({
    "script", "style", "noscript", "template", "svg", "head", "iframe", "textarea", "select",
    "option", "button", "input", "object", "embed", "canvas", "audio", "video", "map",
})
BOLD_TAGS = frozenset({"b", "strong"})
HEADINGS = frozenset({"h1", "h2", "h3"})
_CAPTION_HINT = re.compile(r"cap|desc|legend|credit", re.IGNORECASE)

# An anchor (a block trafilatura kept) must have this many words to place the article.
ANCHOR_MIN_WORDS = 5
# ... and cover at least this share of the extracted paragraph that holds it.
ANCHOR_MIN_COVER = 0.5
# A lead has at least this many words and few links.
LEAD_MIN_WORDS = 10
MAX_LINK_SHARE = 0.3
# How many blocks before the first anchor are searched for the lead.
LEAD_WINDOW = 6


@dataclass
class Block:
    """Text of one block element, with what its markup says about it."""

    text: str
    tag: str
    bold: bool = False
    caption: bool = False
    link_chars: int = 0
    # The casefolded words joined by single spaces (see _word_keys), and how many.
    key: str = ""
    word_count: int = 0

    @property
    def link_share(self) -> float:
        return self.link_chars / max(1, len(self.text))


def _tokens(text: str) -> list[str]:
    return WORD.findall(normalise(text))


def _word_keys(texts: list[str]) -> list[str]:
    """Each text's casefolded words joined by single spaces: the kernel reads
    all of them in one call (Python's regex engine took a tenth of a page)."""
    features = line_keys(texts) or [None] * len(texts)
    return [f[1] if f is not None else " ".join(_tokens(t)) for t, f in zip(texts, features)]


def segment(tree) -> list[Block]:
    """The page's visible text as blocks, in document order."""
    body = tree.find(".//body")
    root = body if body is not None else tree
    blocks = compiled_walk(root)
    if blocks is None:
        blocks = python_walk(root)
    for block, key in zip(blocks, _word_keys([b.text for b in blocks])):
        block.key = key
        block.word_count = key.count(" ") + 1 if key else 0
    return blocks


def compiled_walk(root) -> list[Block] | None:
    """python_walk by the compiled kernel (cleaner/_segment.c), or None when
    there is no kernel or the tree is one it leaves to Python."""
    kernel = _kernel()
    if kernel is None:
        return None
    walked = kernel.walk(root, _CAPTION_HINT)
    if walked is None:
        return None
    return [Block(text, tag, bold, caption, link_chars) for text, tag, bold, caption, link_chars in walked]


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


# A page using every rule of the walk: the kernel must read it as Python does.
_PROBE = ("<html><head><title>t</title></head><body>lead <b>Bold words here</b> tail"
          "<div class='Photo-Caption'>Ảnh:<br>AFP</div><p>text <a href='#'>a link</a> more"
          "<script>var x</script> after</p><figure><figcaption>Cap</figcaption></figure>"
          "<div id='lé-desc'><span>x</span></div><table><tr><td>cell\u00a0 one</td></tr></table>"
          "<ul><li><strong>all bold</strong></li></ul>end</body></html>")


@lru_cache(maxsize=1)
def _kernel():
    """The compiled walks, if they are built and agree with the Python ones on the probe."""
    try:
        from . import _segment
        from lxml.html import fromstring
    except ImportError:
        return None
    root = fromstring(_PROBE).find(".//body")
    try:
        walked = _segment.walk(root, _CAPTION_HINT)
    except Exception:
        return None
    expected = [(b.text, b.tag, b.bold, b.caption, b.link_chars) for b in python_walk(root)]
    probe = ("div", "p", "span", "b", "strong")
    shown = _segment.shown_texts(root, probe, 3, 40)
    agrees = walked == expected and shown == python_shown_texts(root, probe, 3, 40)
    return _segment if agrees else None


def python_walk(root) -> list[Block]:
    """`root`'s text as blocks (without their words), in document order."""
    blocks: list[Block] = []
    parts: list[str] = []
    # characters of the current block: all, in bold, in links (what `parts` holds)
    counts = [0, 0, 0]

    def add(text: str, bold: bool, link: bool) -> None:
        parts.append(text)
        size = len(text.strip())
        counts[0] += size
        if bold:
            counts[1] += size
        if link:
            counts[2] += size

    def flush(tag: str, caption: bool) -> None:
        if not parts:
            return
        chars, bold_chars, link_chars = counts
        if chars:  # else only whitespace: no block
            blocks.append(Block(text=" ".join("".join(parts).split()), tag=tag, caption=caption,
                                bold=bold_chars >= 0.9 * chars, link_chars=link_chars))
            counts[:] = (0, 0, 0)
        parts.clear()

    def walk(element, block_tag: str, caption: bool, bold: bool, link: bool) -> None:
        tag = element.tag
        if tag.__class__ is not str:  # comments and processing instructions
            tag = ""
        if tag in SKIP_TAGS:
            if element.tail:
                add(element.tail, bold, link)  # the tail belongs to the parent
            return
        is_block = tag in BLOCK_TAGS
        # Whether it heads a caption matters only to a block's flush and to
        # children: not asked of inline leaves (links, spans), most elements.
        inner_caption = caption or tag == "figcaption" or tag == "caption" or (
            (is_block or len(element) > 0) and _caption_hint(element))
        if is_block:
            flush(block_tag, caption)
            inner_tag = tag
        else:
            if tag == "br":
                parts.append(" ")
            inner_tag = block_tag
        inner_bold = bold or tag in BOLD_TAGS
        inner_link = link or tag == "a"
        if element.text:
            add(element.text, inner_bold, inner_link)
        for child in element:
            walk(child, inner_tag, inner_caption, inner_bold, inner_link)
        if is_block:
            flush(inner_tag, inner_caption)
        if element.tail:
            add(element.tail, bold, link)

    walk(root, "body", False, False, False)
    flush("body", False)
    return blocks


def _caption_hint(element) -> bool:
    """A class or id naming a caption, description, legend or credit."""
    for name in ("class", "id"):
        value = element.get(name)
        if value and _CAPTION_HINT.search(value):
            return True
    return False


@dataclass
class Recovered:
    lead: list[str] = field(default_factory=list)
    # The date shown between the headline and the body, when there is one.
    date: str | None = None
    # (index of the trafilatura line after which to insert, caption text)
    captions: list[tuple[int, str]] = field(default_factory=list)


def recover(blocks: list[Block], extracted_lines: list[str], title: str | None,
            lexicon: Lexicon | None = None) -> Recovered:
    """The lead and credited captions that the extracted lines lack."""
    lexicon = lexicon or default_lexicon()
    lines = _Lines([" " + key + " " for key in _word_keys(extracted_lines)])

    def anchored(block: Block) -> bool:
        return bool(block.key) and lines.line_of(block) >= 0

    def anchor(block: Block) -> bool:
        """Kept by trafilatura as (most of) one of its paragraphs, not merely
        quoted inside one (a summary that the body repeats)."""
        if block.word_count < ANCHOR_MIN_WORDS:
            return False
        at = lines.line_of(block)
        return at >= 0 and block.word_count >= ANCHOR_MIN_COVER * (lines.tokens[at].count(" ") - 1)

    anchors = [i for i, b in enumerate(blocks) if anchor(b)]
    found = Recovered()
    if not anchors:
        return found
    first, last = anchors[0], anchors[-1]
    anchor_set = set(anchors)

    # The lead: a bold paragraph after the headline, just before the body.
    title_key = " ".join(_tokens(title or ""))
    start = max(0, first - LEAD_WINDOW)
    for i in range(first - 1, start - 1, -1):
        block = blocks[i]
        if block.tag in HEADINGS or (title_key and block.key == title_key):
            break
        if not found.lead and block.bold and block.word_count >= LEAD_MIN_WORDS \
                and block.link_share <= MAX_LINK_SHARE and not anchored(block):
            found.lead.append(block.text)

    # The date printed just under the headline.
    heads = [i for i, b in enumerate(blocks) if title_key and b.key == title_key] \
        or [i for i, b in enumerate(blocks) if b.tag == "h1"]
    if heads:
        for block in blocks[heads[0] + 1: heads[0] + 1 + LEAD_WINDOW]:
            found.date = date_of_line(block.text, lexicon)
            if found.date or block.word_count >= LEAD_MIN_WORDS * 2:
                break

    # Credited captions inside the article.
    credit = _credit_pattern(lexicon)
    for i in range(first + 1, last):
        block = blocks[i]
        if block.caption and not anchored(block) and credit.search(normalise(block.text)):
            previous = next((blocks[j] for j in range(i - 1, first - 1, -1) if j in anchor_set), None)
            at = lines.line_of(previous) if previous else -1
            found.captions.append((at, block.text))
    return found


@lru_cache(maxsize=4)
def _credit_pattern(lexicon: Lexicon) -> re.Pattern:
    return re.compile(lexicon.pattern("caption_credit"))


class _Lines:
    """The extracted lines' word keys, each as " w1 w2 ... ", and where a
    block's words stand among them."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.joined = "".join(tokens)
        self.starts = list(itertools.accumulate((len(t) for t in tokens), initial=0))

    def line_of(self, block: Block) -> int:
        """The first line holding the block's words in a row, or -1. One
        search over all lines at once: a match cannot run across two lines,
        whose keys meet in a double space that no run of words holds (blocks
        are mostly menus and sidebars, found in no line)."""
        needle = " " + block.key + " "
        if "  " in needle:  # empty words (never made by _word_keys): line by line
            return next((i for i, tokens in enumerate(self.tokens) if needle in tokens), -1)
        at = self.joined.find(needle)
        return -1 if at < 0 else bisect.bisect_right(self.starts, at) - 1


def merge(extracted_lines: list[str], recovered: Recovered) -> list[str]:
    """The extracted lines with the lead in front and captions in place."""
    after: dict[int, list[str]] = {}
    for at, text in recovered.captions:
        after.setdefault(at, []).append(text)
    out = list(recovered.lead) + after.get(-1, [])
    for i, line in enumerate(extracted_lines):
        out.append(line)
        out.extend(after.get(i, []))
    return out


def recover_parts(page, chosen, title: str | None, lexicon: Lexicon | None = None) -> list[int]:
    """Blocks of `page` (a pageblocks.PageBlocks) that belong to the article
    the chosen blocks hold though the model left them out: the bold lead just
    before the first chosen block (after the headline), and photo captions
    printed with a credit ("(Ảnh: TTXVN)", "Photo: AFP") between the first
    and the last chosen block. Extractors drop both on news pages: the lead
    sits apart from the body, a caption among images."""
    from .pageblocks import has_flag

    if len(chosen) == 0:
        return []
    lexicon = lexicon or default_lexicon()
    chosen_set = set(int(i) for i in chosen)
    first, last = int(min(chosen_set)), int(max(chosen_set))
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
