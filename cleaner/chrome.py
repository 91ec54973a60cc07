"""Cleaner's own chrome filter for text: a line classifier with reasons.

trafilatura cannot help with naive text dumps of pages (no markup left), and it
lets some chrome through on HTML. This module decides, line by line, what is
article and what is site chrome, and says why (rule + evidence), so that
`explain` views and tests can show each decision.

Rules, in the order they apply:
  * per line, from the lexicon: counters, date lines, action-link lines
    (share/print/login...), widget labels, footers, comment-form notices,
    relative dates, breadcrumbs and menus (including menus glued together);
  * navigation: the run of short lines before the first content line;
  * tail blocks: a block heading ("Tin liên quan", "Most read", "Comments")
    opens a block whose list-like lines are chrome until prose resumes;
  * repetition: an exact repeat keeps its first copy; a line contained in a
    longer line (a truncated copy) goes; an ASCII-folded copy of a line with
    diacritics (image alt text such as "... hinh anh 1") goes;
  * edits: a trailing action link is cut off a title ("... In trang"), a
    glued metadata prefix ("date 2024-12 ...") is cut off a paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .lexicon import Lexicon, default_lexicon, normalise

WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"[.!?…:;\"”»)]\s*$")
FULL_STOP = re.compile(r"[.!?…][\"”»']?\s*$")
BULLETS = "•·●○◦▪▫■□►▸»›>-–—*+~|"
NUMBERISH = re.compile(r"^[\W\d_]*$")
DATE_NUMERIC = r"\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?"
TIME = r"\d{1,2}[:h]\d{2}(?::\d{2})?"

# Lines at most this long (in words) count as list-like inside a tail block.
LIST_ITEM_MAX_WORDS = 40
# A line of prose: at least this many words and ends like a sentence.
PROSE_MIN_WORDS = 25
# A truncated copy must have at least this many words to be judged one, and
# start within this many words of the start of the fuller line (room for a
# source prefix such as "TTXVN -").
REPEAT_MIN_WORDS = 6
REPEAT_MAX_OFFSET = 4
# Leading lines with at most this many words, before content starts, are navigation.
NAV_MAX_WORDS = 3
# Footer lines longer than this are not judged by their prefix.
FOOTER_MAX_CHARS = 300


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


@dataclass(frozen=True)
class _Patterns:
    action_only: re.Pattern
    trailing_action: re.Pattern
    counter: re.Pattern
    date_line: re.Pattern
    date_prefix: re.Pattern
    block_heading: re.Pattern
    footer: re.Pattern
    notice: re.Pattern
    relative_only: re.Pattern
    relative_tail: re.Pattern
    alt_suffix: re.Pattern
    home: re.Pattern


@lru_cache(maxsize=4)
def _patterns(lexicon: Lexicon) -> _Patterns:
    p = lexicon.pattern
    chrome_words = f"(?:{p('action')}|{p('widget')})"
    sep = r"[\s\W_]*"
    weekday = p("weekday")
    date_piece = rf"(?:{DATE_NUMERIC}|{TIME}|{weekday}|\d{{1,4}}|[,|/.:\-–—()]|\s)"
    counter = rf"(?:(?:{p('counter_label')})\s*[:：]?\s*)?\(?\d[\d.,\s]*\)?"
    relative = p("relative_time")
    return _Patterns(
        action_only=re.compile(rf"^{sep}(?:{chrome_words}{sep})+$"),
        trailing_action=re.compile(rf"(?:\s+[\[(|-]?\s*(?:{p('action')})\s*[\])]?)+\s*$",
                                   re.IGNORECASE),
        counter=re.compile(rf"^{sep}(?:{counter}{sep})+$"),
        date_line=re.compile(
            rf"^{sep}(?:(?:{p('date_label')})\s*[:：]?\s*)?(?:{date_piece})*?"
            rf"(?:{DATE_NUMERIC}|{TIME})(?:{date_piece})*"
            rf"(?:(?:{p('counter_label')})?\s*[:：]?\s*[\d.,]+\s*)*$"),
        date_prefix=re.compile(
            rf"^\s*(?:{p('date_label')})\s*[:：]?\s*(?:\d{{4}}-\d{{2}}(?:-\d{{2}})?|{DATE_NUMERIC})"
            rf"(?:\s*{TIME})?\s+(?=\w)"),
        block_heading=re.compile(rf"^{sep}(?:{p('block_heading')})\s*(?:\(\d+\))?\s*[:：]?{sep}$"),
        footer=re.compile(rf"^{sep}(?:©|\(c\)|{p('footer_prefix')})"),
        notice=re.compile(p("notice")),
        relative_only=re.compile(rf"^{sep}(?:{relative}){sep}$"),
        relative_tail=re.compile(rf"(?:{relative})\)?\s*$"),
        alt_suffix=re.compile(rf"\s+(?:{p('alt_suffix')})(?:\s+\d+)?\s*$"),
        home=re.compile(rf"^{sep}(?:{p('home')})\b"),
    )


def fold_ascii(text: str) -> str:
    """Strip diacritics (and đ → d) the way image alt text and URLs do."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text: str) -> list[str]:
    return WORD.findall(normalise(text))


def _find_date(text: str) -> str | None:
    """An ISO date (YYYY-MM-DD or YYYY-MM) from a date line, if one is there."""
    m = re.search(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b", text)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= day <= 31 and 1 <= month <= 12:
            return f"{year:04d}-{month:02d}-{day:02d}"
    m = re.search(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b", text)
    if m:
        return "-".join(g for g in m.groups() if g)
    return None


class _Line:
    """A line with the features the rules look at, computed once."""

    __slots__ = ("index", "raw", "text", "norm", "words", "blank")

    def __init__(self, index: int, raw: str) -> None:
        self.index = index
        self.raw = raw
        self.text = raw.strip().strip("\u200b\ufeff")
        self.norm = normalise(self.text)
        self.words = WORD.findall(self.norm)
        self.blank = not self.words

    @property
    def is_prose(self) -> bool:
        """A sentence-like paragraph: long enough and ending with a full stop."""
        return len(self.words) >= PROSE_MIN_WORDS and bool(FULL_STOP.search(self.text))


def glued_words(text: str) -> int:
    """How many times a lower-case letter runs straight into an upper-case one
    ("Thể thaoGiải trí"): menus whose items lost the spaces between them."""
    return sum(1 for a, b in zip(text, text[1:]) if a.islower() and b.isupper())


def _line_rule(line: _Line, pats: _Patterns) -> tuple[str, str] | None:
    """The per-line rule that marks this line as chrome, with its evidence."""
    norm, text = line.norm, line.text
    if pats.date_line.match(norm):
        return "date_line", norm
    if NUMBERISH.match(norm):
        return "counter", "numbers only"
    if pats.counter.match(norm):
        return "counter", norm
    if pats.block_heading.match(norm):
        return "block_heading", norm
    if pats.action_only.match(norm):
        return "action_links", norm
    if len(text) <= FOOTER_MAX_CHARS and pats.footer.match(norm):
        return "footer", norm[:60]
    m = pats.notice.search(norm)
    if m:
        return "notice", m.group(0)
    if pats.relative_only.match(norm):
        return "relative_date", norm
    if glued_words(text) >= 3 and not SENTENCE_END.search(text):
        return "menu", "words glued together"
    segments = [s for s in re.split(r"\s[|/>»›]\s|\s[|]|[|]\s", text) if s.strip()]
    if len(segments) >= 2 and not SENTENCE_END.search(text) and all(
            len(WORD.findall(s)) <= NAV_MAX_WORDS for s in segments):
        if len(segments) >= 3 or pats.home.match(norm):
            return "breadcrumb", " | ".join(s.strip() for s in segments[:4])
    return None


def _is_block_item(line: _Line, pats: _Patterns) -> bool:
    """Inside a tail block: short list-like lines (titles, names, comments) are chrome."""
    if pats.relative_tail.search(line.norm):
        return True  # "Title of another story (5 tháng trước)"
    return not line.is_prose and len(line.words) <= LIST_ITEM_MAX_WORDS


def clean_text(text: str, *, lexicon: Lexicon | None = None,
               leading_nav: bool = True) -> Cleaned:
    """Remove chrome lines from `text`; return the article and every decision.

    `leading_nav` drops short lines before the content starts (menus in text
    dumps); HTML extracted by trafilatura has none, so it passes False.
    """
    pats = _patterns(lexicon or default_lexicon())
    lines = [_Line(i, raw) for i, raw in enumerate(text.split("\n"))]
    decisions = [LineDecision(l.index, l.raw, keep=not l.blank, output=l.text) for l in lines]
    found_date: str | None = None

    def remove(line: _Line, rule: str, evidence: str) -> None:
        d = decisions[line.index]
        d.keep, d.rule, d.evidence = False, rule, evidence

    # Per-line rules and tail blocks.
    in_block: str | None = None
    for line in lines:
        if line.blank:
            continue
        hit = _line_rule(line, pats)
        if hit:
            rule, evidence = hit
            if rule == "date_line" and found_date is None:
                found_date = _find_date(line.text)
            if rule == "block_heading":
                in_block = line.norm
            remove(line, rule, evidence)
            continue
        if in_block is not None:
            if _is_block_item(line, pats):
                remove(line, "tail_block", f"after '{in_block}'")
                continue
            in_block = None

    # Navigation before the content starts: several short lines in a row.
    if leading_nav:
        lead: list[_Line] = []
        content_follows = False
        for line in lines:
            if line.blank or not decisions[line.index].keep:
                continue
            if len(line.words) > NAV_MAX_WORDS or SENTENCE_END.search(line.text):
                content_follows = True
                break
            lead.append(line)
        removed_before = any(not d.keep and d.rule for d in decisions[: lead[-1].index]) if lead else False
        if content_follows and (len(lead) >= 2 or (lead and removed_before)):
            for line in lead:
                remove(line, "navigation", "short line before the content")

    _drop_repeats(lines, decisions, remove)
    _drop_folded_copies(lines, decisions, pats, remove)

    # Edits on kept lines: trailing action links, glued metadata prefixes.
    for line in lines:
        d = decisions[line.index]
        if not d.keep:
            continue
        out = line.text
        if not SENTENCE_END.search(out):
            cut = pats.trailing_action.sub("", out)
            if cut != out and WORD.search(cut):
                d.rule, d.evidence, out = "trailing_action", out[len(cut):].strip(), cut
        m = pats.date_prefix.match(normalise(out))
        if m and len(out) > m.end():
            prefix_len = _prefix_length(out, m.end())
            found_date = found_date or _find_date(out[:prefix_len])
            d.rule, d.evidence, out = "date_prefix", out[:prefix_len].strip(), out[prefix_len:]
        d.output = out.strip()
        if not WORD.search(d.output):
            d.keep = False

    return Cleaned(text=_join(lines, decisions), decisions=decisions, date=found_date,
                   title=_guess_title(lines, decisions))


def _prefix_length(original: str, normalised_len: int) -> int:
    """Map a length in the normalised form back onto the original line."""
    count = 0
    for i, ch in enumerate(original):
        if count >= normalised_len:
            return i
        if not (ch.isspace() and i > 0 and original[i - 1].isspace()):
            count += 1
    return len(original)


def _drop_repeats(lines: list[_Line], decisions: list[LineDecision], remove) -> None:
    """Exact repeats keep the first copy; a truncated copy inside a longer line goes."""
    kept = [l for l in lines if decisions[l.index].keep]
    seen: dict[str, int] = {}
    for line in kept:
        key = " ".join(line.words)
        if key in seen:
            remove(line, "repeat", f"repeat of line {seen[key] + 1}")
        else:
            seen[key] = line.index
    kept = [l for l in kept if decisions[l.index].keep]
    # Only the head of each line matters: a truncated copy is the start of a line.
    heads = [(" " + " ".join(l.words) + " ", l) for l in kept]
    for line in kept:
        if len(line.words) < REPEAT_MIN_WORDS:
            continue
        needle = " " + " ".join(line.words) + " "
        for hay, other in heads:
            if other is line or len(other.words) <= len(line.words) \
                    or not decisions[other.index].keep:
                continue
            at = hay.find(needle)
            if at >= 0 and hay.count(" ", 0, at) <= REPEAT_MAX_OFFSET:
                remove(line, "truncated_repeat", f"start of line {other.index + 1}")
                break


def _drop_folded_copies(lines: list[_Line], decisions: list[LineDecision],
                        pats: _Patterns, remove) -> None:
    """ASCII-only lines that fold-match a line with diacritics: image alt text."""
    accented = [l for l in lines if decisions[l.index].keep and not l.norm.isascii()]
    if not accented:
        return
    folded = [(" " + " ".join(WORD.findall(fold_ascii(l.norm))) + " ", l) for l in accented]
    for line in lines:
        d = decisions[line.index]
        if not d.keep or not line.norm.isascii() or len(line.words) < 3:
            continue
        base = pats.alt_suffix.sub("", line.norm)
        needle = " " + " ".join(WORD.findall(base)) + " "
        if len(needle.split()) < 3:
            continue
        for hay, other in folded:
            if needle in hay:
                remove(line, "folded_copy", f"ASCII copy of line {other.index + 1}")
                break


def _join(lines: list[_Line], decisions: list[LineDecision]) -> str:
    """Kept lines, each a paragraph (a dump has one paragraph per line)."""
    return "\n\n".join(d.output for d in decisions if d.keep)


def _guess_title(lines: list[_Line], decisions: list[LineDecision]) -> str | None:
    """The first kept line, when it looks like a headline (short, no full stop)."""
    for line, d in zip(lines, decisions):
        if d.keep:
            title = d.output
            if len(title.split()) <= 30 and not title.rstrip().endswith((".", "。")):
                return title
            return None
    return None
