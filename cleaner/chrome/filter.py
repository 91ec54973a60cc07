"""Cleaner's own chrome filter for text: a line classifier with reasons.

trafilatura cannot help with naive text dumps of pages (no markup left), and it
lets some chrome through on HTML. This module decides, line by line, what is
article and what is site chrome, and says why (rule + evidence), so that
`cleaner explain` and tests can show each decision.

Site boilerplate (lines recurring across a site's documents) is removed
afterwards, with corpus statistics: see sites.py.

Rules, in the order they apply:
  * per line (linerules.py, phrases from cleaner/chrome/lexicon.json):
    counters, date lines, lines made only of action links (share/print/
    login...) and widget labels, footers, comment-form notices, lone relative
    dates, breadcrumbs and menus (including menus whose items lost their
    spaces);
  * tail blocks (tails.py): a block heading ("Tin liên quan", "Most read",
    "Bình luận") and the list-like lines under it, where they have the
    structure of a tail: after the content and a minority of the text, or a
    box of a few headlines inside it;
  * dated lines: date lines and lone relative dates go inside a tail block,
    and outside one when they are few; many of them date the content's rows;
  * navigation: a run of short lines before the first content line (dumps);
  * repetition: an exact repeat keeps its first copy; the truncated start of a
    longer line goes; an ASCII-folded copy of a line written with diacritics
    (image alt text such as "... hinh anh 1") goes;
  * edits: a print/send link glued to a headline is cut off ("... In trang"),
    a glued metadata prefix is cut off a paragraph ("date 2024-12 ...").
Lines that are prose (long, ending like a sentence) are never taken by the
structural rules, whatever words they contain, and a heading word, a
date-shaped number or a repeated start is never evidence enough alone.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .datelines import find_date
from .lexicon import Lexicon, default_lexicon, normalise
from .linerules import (
    NAV_MAX_WORDS,
    RELATIVE_TAIL_WINDOW,
    SHORT_LINE_MAX_WORDS,
    Patterns,
    date_of_line,
    line_rule,
    patterns,
    title_suffix,
)
from .lines import WORD, Line, ends_like_sentence, ends_with_full_stop, read_lines, words
from .tails import find_tail_blocks

__all__ = ["Cleaned", "LineDecision", "clean_text", "date_of_line", "fold_ascii", "SHORT_LINE_MAX_WORDS"]

# A truncated copy has at least this many words and is the start of the
# fuller line, or of what follows its source prefix ("TTXVN - ", "(TBS) - ").
REPEAT_MIN_WORDS = 6
SOURCE_PREFIX = re.compile(r"^\s*\(?[\w.]{2,20}\)?\s*[-–—]\s+")
ELLIPSIS_END = re.compile(r"(?:\.\.\.|…)[\"”’')\]]?\s*$")
# An ASCII-folded copy must cover at least this share of the line it copies.
FOLDED_MIN_COVER = 0.6
# A metadata prefix glued to a paragraph ("Cập nhật: 14/10/2021 10:08 ...") is
# looked for in this many first characters of a line (labels, dates and times
# take well under a hundred).
DATE_PREFIX_WINDOW = 200
# A line without one is a separator or a menu remnant ("|", "»", "* * *", "____").
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
# A time, a score or a number standing alone: a schedule's entry, never a menu item.
_SCHEDULE_ENTRY = re.compile(r"\b\d{1,2}[:h]\d{2}\b|\b\d+\s*[-–:]\s*\d+\b|^\W*\d+\W*$")
# Rules whose lines are chrome only where few (outside tail blocks): more of
# them date the rows of the content.
DATED_RULES = ("date_line", "relative_date")
# What a removed line's rule is, for people (the report's "chrome removed").
RULE_KINDS = {
    "counter": "counters", "action_links": "share and print links",
    "block_heading": "related, most-read and comment blocks", "tail_block": "related, most-read and comment blocks",
    "navigation": "navigation", "menu": "navigation", "breadcrumb": "navigation",
    "footer": "footers and notices", "notice": "footers and notices",
    "date_line": "dates", "relative_date": "dates",
    "repeat": "repeats", "truncated_repeat": "repeats", "folded_copy": "repeats", "title": "repeated headline",
    "no_words": "separators", "site_boilerplate": "site boilerplate",
}
MAX_LONE_DATED_LINES = 2


@dataclass
class LineDecision:
    """What happened to one input line: kept (maybe edited) or removed, and why."""

    index: int
    text: str
    keep: bool
    rule: str = ""
    evidence: str = ""
    output: str = ""


@dataclass
class Cleaned:
    text: str
    decisions: list[LineDecision] = field(default_factory=list)
    date: str | None = None
    title: str | None = None


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def fold_ascii(text: str) -> str:
    """Strip diacritics (and đ → d) the way image alt text and URLs do."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def has_diacritics(text: str) -> bool:
    """Letters with accents or tone marks (not merely non-ASCII punctuation)."""
    return not text.isascii() and ("đ" in text or "Đ" in text
                                   or bool(_COMBINING.search(unicodedata.normalize("NFD", text))))


def _drop_tail_blocks(lines: list[Line], decisions: list[LineDecision], headings: dict[int, str],
                      pats: Patterns, remove) -> set[int]:
    """Block headings and their list-like lines, where they have the structure
    of a tail (see tails.py); a refused heading that is also a line of action
    links ("Comments", "Read more") goes as one. Returns the indices of the
    lines inside accepted blocks."""
    chrome = [not d.keep for d in decisions]
    inside: set[int] = set()
    for block in find_tail_blocks(lines, chrome, headings, pats.relative_tail, RELATIVE_TAIL_WINDOW):
        heading = lines[block.heading]
        if block.accepted:
            remove(heading, "block_heading", f"{block.heading_text}: {block.why}")
            for index in block.items:
                remove(lines[index], "tail_block", f"under '{block.heading_text}'")
            inside.update(range(block.heading, block.end))
        elif pats.action_only.match(heading.norm):
            remove(heading, "action_links", f"{heading.norm} (opens no block: {block.why})")
    return inside


def _judge_dated_lines(lines: list[Line], decisions: list[LineDecision], dated: list[Line],
                       in_blocks: set[int]) -> str | None:
    """Date lines and lone relative dates are chrome inside a tail block, and
    outside one when there are few of them (a page's own date, "Updated ...");
    more of them are the dates of the rows of the content (posts of a forum
    thread, items of a listing, rows of a table), which stay. Returns the
    date of the first date line removed."""
    lone = [line for line in dated if line.index not in in_blocks]
    keep_lone = len(lone) > MAX_LONE_DATED_LINES
    found_date = None
    for line in dated:
        d = decisions[line.index]
        if keep_lone and line.index not in in_blocks:
            d.keep, d.rule, d.evidence = True, "", ""
            continue
        if d.rule == "date_line" and found_date is None:
            found_date = find_date(line.text)
    return found_date


def removed_by_rule(decisions: list[LineDecision]) -> dict[str, int]:
    """Lines removed, by rule (blank lines are not counted)."""
    counts: dict[str, int] = {}
    for d in decisions:
        if not d.keep and d.rule and d.text.strip():
            counts[d.rule] = counts.get(d.rule, 0) + 1
    return counts


def clean_text(text: str, *, lexicon: Lexicon | None = None, html: bool = False,
               title: str | None = None, navigation: bool | None = None) -> Cleaned:
    """Remove chrome lines from `text`; return the article and every decision.

    `html` says the text is what trafilatura extracted from a page rather than
    a naive dump: there is no menu before the content to drop, a repeated line
    goes only when it directly repeats the line before it (articles repeat
    list items, labels and code lines on purpose). Lines without a letter or
    a digit ("|", "»", "* * *", a table rule) never stay: they are menu
    remnants and separators, never text. `title`, when the caller keeps the
    headline apart, removes the headline where it opens the text.
    `navigation` drops a menu of short lines before the content even from
    HTML (for an extraction that kept the whole page); by default only from
    dumps.
    """
    pats = patterns(lexicon or default_lexicon())
    lines = read_lines(text)
    decisions = [LineDecision(l.index, l.raw, keep=bool(l.text), output=l.text) for l in lines]
    for line in lines:
        if line.text and (line.blank or ("_" in line.text and not _LETTER_OR_DIGIT.search(line.text))):
            decisions[line.index].keep = False
            decisions[line.index].rule, decisions[line.index].evidence = "no_words", "nothing but punctuation"
    def remove(line: Line, rule: str, evidence: str) -> None:
        d = decisions[line.index]
        d.keep, d.rule, d.evidence = False, rule, evidence

    hits = [None if line.blank else line_rule(line, pats) for line in lines]
    headings = {line.index: line.norm for line, hit in zip(lines, hits) if hit and hit[0] == "block_heading"}
    dated: list[Line] = []  # date lines and lone relative dates: judged with the blocks
    for line, hit in zip(lines, hits):
        if hit and line.index not in headings:
            if hit[0] in DATED_RULES:
                dated.append(line)
            remove(line, *hit)
    in_blocks = _drop_tail_blocks(lines, decisions, headings, pats, remove) if headings else set()
    found_date = _judge_dated_lines(lines, decisions, dated, in_blocks)

    if (not html) if navigation is None else navigation:
        _drop_leading_navigation(lines, decisions, remove)
    if title:
        _drop_leading_title(lines, decisions, words(title), remove)
        if html:
            _drop_labels_before_headline(lines, decisions, words(title), remove)
    _drop_repeats(lines, decisions, remove, adjacent_only=html)
    _drop_folded_copies(lines, decisions, pats, remove)

    # Edits on kept lines: a print link glued to a headline, a metadata prefix.
    for line in lines:
        d = decisions[line.index]
        if not d.keep:
            continue
        out = line.text
        if not ends_like_sentence(out):
            suffix = title_suffix(out, pats)
            cut = out[:suffix.start()] if suffix else out
            if cut != out and WORD.search(cut):
                d.rule, d.evidence, out = "title_suffix", out[len(cut):].strip(), cut
        # a prefix in `out` (the line, or its start) is one in the whole line's
        # normal form, already computed: test that first
        m = pats.date_prefix.match(line.norm) and pats.date_prefix.match(normalise(out[:DATE_PREFIX_WINDOW]))
        if m and len(out) > m.end():
            prefix_len = _prefix_length(out, m.end())
            found_date = found_date or find_date(out[:prefix_len])
            d.rule, d.evidence, out = "date_prefix", out[:prefix_len].strip(), out[prefix_len:]
        d.output = out.strip()
        if not _LETTER_OR_DIGIT.search(d.output):
            d.keep, d.rule, d.evidence = False, "no_words", "nothing but punctuation"

    return Cleaned(text="\n\n".join(d.output for d in decisions if d.keep), decisions=decisions,
                   date=found_date, title=_guess_title(lines, decisions))


def _drop_leading_navigation(lines: list[Line], decisions: list[LineDecision], remove) -> None:
    """Short lines before the first content line are a menu when there are
    several of them, or when navigation chrome sits beside them. Menu items
    are words: a time, a score or a number ("19:30", "2 - 1", "102") is the
    content starting (a schedule, a results table), not a menu."""
    lead: list[Line] = []
    content_index = -1
    for line in lines:
        if line.blank or not decisions[line.index].keep:
            continue
        if line.n_words > NAV_MAX_WORDS or ends_like_sentence(line.text) or _SCHEDULE_ENTRY.search(line.text):
            content_index = line.index
            break
        lead.append(line)
    if not lead or content_index < 0:
        return
    # A lone short line counts when navigation chrome surrounds it (a site
    # name above a menu); a short headline followed by its date does not.
    navigation = ("menu", "breadcrumb", "action_links")
    chrome_near = any(not d.keep and d.rule in navigation for d in decisions[: content_index])
    if len(lead) >= 2 or chrome_near:
        for line in lead:
            remove(line, "navigation", "short line before the content")


def _drop_leading_title(lines: list[Line], decisions: list[LineDecision],
                        title_words: list[str], remove) -> None:
    """The headline opening the text, when it is kept in the title field."""
    for line in lines:
        if decisions[line.index].keep and not line.blank:
            if title_words and line.words == title_words:
                remove(line, "title", "kept in the title field")
            return


# The headline is looked for among the first kept lines; what comes before it
# counts as section labels when every line is this short.
HEADLINE_SEARCH_LINES = 6
LABEL_MAX_WORDS = 4


def _drop_labels_before_headline(lines: list[Line], decisions: list[LineDecision],
                                 title_words: list[str], remove) -> None:
    """Short lines before the page's headline (section labels, a breadcrumb
    split into lines): the story starts at its headline."""
    before: list[Line] = []
    for line in lines:
        if not decisions[line.index].keep or line.blank:
            continue
        if line.words == title_words:
            if all(l.size <= LABEL_MAX_WORDS and not ends_with_full_stop(l.text) for l in before):
                for label in before:
                    remove(label, "navigation", "short line before the headline")
            return
        before.append(line)
        if len(before) >= HEADLINE_SEARCH_LINES:
            return


def _prefix_length(original: str, normalised_len: int) -> int:
    """Map a length in the normalised form back onto the original line."""
    count = 0
    for i, ch in enumerate(original):
        if count >= normalised_len:
            return i
        if not (ch.isspace() and i > 0 and original[i - 1].isspace()):
            count += 1
    return len(original)


def _drop_repeats(lines: list[Line], decisions: list[LineDecision], remove,
                  adjacent_only: bool = False) -> None:
    """Exact repeats keep the first copy (with `adjacent_only`, only a repeat
    of the kept line just before it); a truncated copy of the start of a
    longer line goes (the fuller line stays). With `adjacent_only` (an
    extractor's output, which keeps a heading that opens the paragraph under
    it, code examples that extend one another), the copy must show its cut:
    end with an ellipsis, or stand right beside the line it cuts short."""
    kept = [l for l in lines if decisions[l.index].keep and not l.blank]
    seen: dict[str, int] = {}
    previous = ""
    for line in kept:
        key = line.key
        if key in seen and (not adjacent_only or key == previous):
            remove(line, "repeat", f"repeat of line {seen[key] + 1}")
        else:
            seen.setdefault(key, line.index)
            previous = key
    kept = [l for l in kept if decisions[l.index].keep]
    starts = []
    for l in kept:
        starts.append((l, l.word_key + " "))
        prefix = SOURCE_PREFIX.match(l.text)
        if prefix:
            starts.append((l, " ".join(words(l.text[prefix.end():])) + " "))
    neighbours = {line.index: (a, b) for a, line, b in zip([None, *kept], kept, [*kept[1:], None])} \
        if adjacent_only else {}
    for line in kept:
        if line.n_words < REPEAT_MIN_WORDS:
            continue
        needle = line.word_key + " "
        cut = not adjacent_only or bool(ELLIPSIS_END.search(line.text))
        for other, start in starts:
            if other is not line and other.n_words > line.n_words and decisions[other.index].keep \
                    and (cut or other in neighbours.get(line.index, ())) and start.startswith(needle):
                remove(line, "truncated_repeat", f"start of line {other.index + 1}")
                break


def _drop_folded_copies(lines: list[Line], decisions: list[LineDecision],
                        pats: Patterns, remove) -> None:
    """ASCII-only lines that repeat, folded, most of a line written with
    diacritics: image alt text of a title or caption."""
    copies = [l for l in lines if decisions[l.index].keep and l.n_words >= 3 and l.norm.isascii()]
    if not copies:
        return
    accented = [l for l in lines if decisions[l.index].keep and has_diacritics(l.text)]
    if not accented:
        return
    folded = [WORD.findall(fold_ascii(l.norm)) for l in accented]
    for line in copies:
        copy = WORD.findall(pats.alt_suffix.sub("", line.norm))
        if len(copy) < 3:
            continue
        for other, tokens in zip(accented, folded):
            if len(copy) >= FOLDED_MIN_COVER * len(tokens) and _starts_near(copy, tokens):
                remove(line, "folded_copy", f"ASCII copy of line {other.index + 1}")
                break


def _starts_near(needle: list[str], hay: list[str], max_offset: int = 2) -> bool:
    """Is `needle` a run of `hay` starting within its first few words?"""
    n = len(needle)
    return any(hay[i:i + n] == needle for i in range(min(max_offset, len(hay) - n) + 1))


def _guess_title(lines: list[Line], decisions: list[LineDecision]) -> str | None:
    """The first kept line, when it looks like a headline (short, no full stop)."""
    for line, d in zip(lines, decisions):
        if d.keep and not line.blank:
            title = d.output
            if len(title.split(None, 30)) <= 30 and not ends_with_full_stop(title):
                return title
            return None
    return None
