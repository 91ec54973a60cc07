"""Tail blocks: a block heading ("Tin liên quan", "Most read", "Bình luận")
and the list-like lines under it, which are chrome when the structure around
them is that of a related list, a comment thread or a tag cloud.

A heading word alone is never enough evidence: "See also" opens a section of
documentation, "Comments" is a link in a site's top bar, "Recommended:" heads
a game's system requirements, "Read More" is a button under a teaser. So a
candidate block (the heading and the list-like lines that follow it, until
prose resumes, the next heading or the end of the text) goes only where it has
the structure of a tail:

  * content comes before it, and more of it than the block and everything
    after it hold (a tail is a minority at the end of the text: it cannot
    take most of a page's words, as the list of a listing page does);
  * when prose resumes after it, it is a box of a few headline-like lines
    ("Tin liên quan" inside an article), not a section of the content;
  * its lines are not mostly "Label: value" pairs (specifications, facts).

A heading whose block is refused stays, unless it is also a line of action
links ("Comments", "Read more"): then it goes as one, opening nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Callable

from .lines import Line

# Lines at most this long count as list-like inside a tail block.
LIST_ITEM_MAX_WORDS = 40
# A tail (blocks from a heading to the end of the text) holds at most this
# many times the words of the content before it: a related list or comment
# thread may outweigh a short story, but the list of a listing page holds
# many times what precedes it. Dated list lines do not count.
TAIL_MAX_RATIO = 2.0
# A block that prose follows is a box of this many headline-like lines.
BOX_MIN_ITEMS = 2
BOX_MAX_ITEMS = 8
# A headline has at most this many words and does not end like a sentence
# that prose continues (full stop, colon).
HEADLINE_MAX_WORDS = 25
_SENTENCE_OR_INTRO_END = re.compile(r"[.:;。][\"”’')\]]?\s*$")
_ELLIPSIS_END = re.compile(r"(?:\.\.\.|…)[\"”’')\]]?\s*$")
# "Processor: Intel i5", "Memory: 16 GB RAM": a short label, a colon, a value.
_LABEL = re.compile(r"^\W*((?:[^\W\d_][\w'’&/®™().+-]*\s*){1,4})[:：]\s*\S")


@dataclass
class TailBlock:
    """A block heading and the list-like lines under it (line indices)."""

    heading: int
    heading_text: str
    items: list[int] = field(default_factory=list)
    end: int = 0  # index of the line that closes it (the next heading, prose), or past the last line
    prose_follows: bool = False  # closed by a content line
    next_heading: bool = False  # closed by the next block heading (the two are one tail)
    accepted: bool = False
    why: str = ""  # the structure found, or the one missing


def is_headline(line: Line) -> bool:
    """A line that reads like the title of another page: short, not a
    sentence that prose continues (a trailing ellipsis marks a cut teaser)."""
    if line.size > HEADLINE_MAX_WORDS:
        return False
    return bool(_ELLIPSIS_END.search(line.text)) or not _SENTENCE_OR_INTRO_END.search(line.text)


def _label(line: Line) -> str | None:
    m = _LABEL.match(line.norm)
    return m.group(1).strip() if m else None


def repeats_labels(items: list[Line], preceding: Callable[[], list[Line]]) -> bool:
    """Are most items "Label: value" pairs whose labels the lines just before
    the heading use too? Then the heading splits one table ("Minimum:" /
    "Recommended:" system requirements, each "OS: ...", "Memory: ..."), and
    is not the heading of a related list ("Hà Nội: ..." headlines carry
    labels too, but other ones)."""
    if 2 * sum(":" in line.norm or "：" in line.norm for line in items) < len(items):
        return False  # cheap test first: most items hold no colon
    labels = [label for label in map(_label, items) if label]
    if len(labels) < 2 or 2 * len(labels) < len(items):
        return False
    seen = {label for label in map(_label, preceding()) if label}
    return 2 * sum(label in seen for label in labels) >= len(labels)


def find_tail_blocks(lines: list[Line], chrome: list[bool], headings: dict[int, str],
                     relative_tail: re.Pattern, window: int) -> list[TailBlock]:
    """Candidate blocks, in text order, and the verdict on each.

    `chrome[i]`: line i is removed by a per-line rule (it neither counts as
    content nor ends a block); `headings`: line index -> matched heading, the
    lines where a block may open. One pass from the first heading on: the
    lines before it only count as content."""
    first = min(headings)
    content_before_first = sum(line.size for line in lines[:first] if not line.blank and not chrome[line.index])
    # From the first heading on: each non-blank line's content words (0 for
    # chrome) and whether it is a dated list line ("Title (5 tháng trước)").
    rest = [line for line in lines[first:] if not line.blank]
    sizes = [0 if chrome[line.index] else line.size for line in rest]
    dated = [False] * len(rest)
    blocks: list[TailBlock] = []
    starts: list[int] = []  # position in `rest` of each block's heading
    block: TailBlock | None = None
    for k, line in enumerate(rest):
        if line.index in headings:
            if block is not None:
                block.next_heading, block.end = True, line.index
            block = TailBlock(line.index, headings[line.index], end=len(lines))
            blocks.append(block)
            starts.append(k)
        elif block is None or chrome[line.index]:
            continue
        elif relative_tail.search(line.norm, max(0, len(line.norm) - window)):
            dated[k] = True
            block.items.append(line.index)
        elif line.size <= LIST_ITEM_MAX_WORDS and not line.is_prose:
            block.items.append(line.index)
        else:
            block.prose_follows, block.end = True, line.index
            block = None
    _judge(blocks, starts, lines, rest, sizes, dated, content_before_first, chrome)
    return blocks


def _judge(blocks: list[TailBlock], starts: list[int], lines: list[Line], rest: list[Line], sizes: list[int],
           dated: list[bool], content_before_first: int, chrome: list[bool]) -> None:
    """Accept the blocks that have the structure of a tail, in text order (an
    accepted block's lines are no longer content for the blocks after it).
    Blocks that follow one another, heading after heading, make one tail:
    it starts at the first heading."""
    up_to = [content_before_first, *accumulate(sizes, initial=content_before_first)][1:]
    # words from each line to the end, without chrome lines and dated list lines
    from_end = [*accumulate(reversed([0 if d else size for size, d in zip(sizes, dated)]))][::-1] + [0]
    position = {line.index: k for k, line in enumerate(rest)}
    taken: list[tuple[int, int]] = []  # (position, words) of the lines of accepted blocks
    tail_start = 0
    for k, block in enumerate(blocks):
        start = starts[k]
        if k == 0 or not blocks[k - 1].next_heading:
            tail_start = start
        before = up_to[tail_start] - sum(size for at, size in taken if at < tail_start)
        items = [lines[i] for i in block.items]
        if repeats_labels(items, lambda: _preceding(lines, block.heading, 2 * len(items) + 2, chrome)):
            block.why = "its lines repeat the labels of the lines before it: one table"
        elif block.prose_follows:
            _judge_box(block, items, before)
        else:
            after = from_end[tail_start]
            if after > TAIL_MAX_RATIO * before or not before and after:
                block.why = f"not a minority: the tail would hold {after} words, the content before it {before}"
            else:
                block.accepted = True
                block.why = f"{len(items)} list lines; the tail holds {after} words, the content before it {before}"
        if block.accepted:
            taken.extend((position[i], sizes[position[i]]) for i in (block.heading, *block.items))


def _preceding(lines: list[Line], index: int, count: int, chrome: list[bool]) -> list[Line]:
    """The last `count` non-blank lines before line `index` that no per-line rule took."""
    out: list[Line] = []
    for line in reversed(lines[:index]):
        if len(out) == count:
            break
        if not line.blank:
            if not chrome[line.index]:
                out.append(line)
    return out[::-1]


def _judge_box(block: TailBlock, items: list[Line], before: int) -> None:
    """A block that prose follows: a box of a few headlines inside the content
    ("Tin liên quan" between two paragraphs), else a section of the content."""
    words = sum(line.size for line in items)
    if len(items) < BOX_MIN_ITEMS:
        block.why = "prose follows a heading with no list under it"
    elif len(items) > BOX_MAX_ITEMS or not all(is_headline(line) for line in items):
        block.why = "prose follows a section of content, not a box of headlines"
    elif words > before:
        block.why = f"a box of {words} words after {before} words of content"
    else:
        block.accepted = True
        block.why = f"a box of {len(items)} headlines inside the content"
