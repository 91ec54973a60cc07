"""The per-line chrome rules: what marks one line, on its own, as site chrome
(a counter, a date line, a line of action links or widget labels, a footer, a
comment-form notice, a lone relative date, a menu whose items lost their
spaces, a breadcrumb), with the evidence; and the title suffix cut off a
headline. The phrases come from the lexicon (lexicon.json).

filter.py applies these with the structural rules (tail blocks, navigation,
repetition) that need the lines around.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .datelines import DATE_NUMERIC, TIME, find_date, is_bare_counter, is_counter_line, is_date_line, pieces
from .lexicon import Lexicon, default_lexicon
from .lines import WORD, Line, ends_like_sentence, ends_with_full_stop, read_lines

try:  # the compiled kernel's count of case changes (cleaner/_native/_fingerprint.c)
    from .._native._fingerprint import case_cuts as _case_cuts
except ImportError:  # pragma: no cover - depends on the build
    _case_cuts = None

# Leading lines with at most this many words, before content starts, are
# navigation; breadcrumb pieces and glued menu items are as short.
NAV_MAX_WORDS = 3
# Footers, notices and menus are short: longer lines are never judged by those rules,
# and no line longer than SHORT_LINE_MAX_CHARS is matched against a chrome pattern.
SHORT_LINE_MAX_WORDS = 40
SHORT_LINE_MAX_CHARS = 400
# Site-name suffixes (" - VnExpress | Tin nhanh") and relative dates closing a
# line ("(5 tháng trước)") are looked for in this many final characters of a
# line, not tried at every position of it.
TITLE_SUFFIX_WINDOW = 200
# A relative date closing a line ("(11 tháng trước)", "an hour ago") is
# looked for in this many final characters.
RELATIVE_TAIL_WINDOW = 40
# A credit line ("Powered by WordPress", "Thiết kế bởi Công ty Phần mềm Sao
# Việt") names someone in a few words; a longer line is a sentence of content.
CREDIT_MAX_WORDS = 10
# A lone number is a counter when it has at least this many digits.
COUNTER_MIN_DIGITS = 5


@dataclass(frozen=True)
class Patterns:
    action_only: re.Pattern
    title_suffix: re.Pattern
    title_suffix_reversed: re.Pattern  # the title suffix phrases, reversed (they open a reversed text)
    title_suffix_chars: int  # the longest title suffix phrase
    date_words: frozenset
    counter_words: frozenset
    date_prefix: re.Pattern
    block_heading: re.Pattern
    heading_start: re.Pattern
    footer: re.Pattern
    footer_credit: re.Pattern
    footer_anywhere: re.Pattern
    notice: re.Pattern
    relative_only: re.Pattern
    relative_tail: re.Pattern
    alt_suffix: re.Pattern
    home: re.Pattern


@lru_cache(maxsize=4)
def patterns(lexicon: Lexicon) -> Patterns:
    p = lexicon.pattern
    sep = r"[\s\W_]*"
    relative = p("relative_time")
    heading_tail = r"\s*(?:\(\d+\))?\s*[:：]?" + sep + "$"
    return Patterns(
        # Action links and widget labels, maybe with the date they sit beside.
        action_only=re.compile(
            rf"^{sep}(?:(?:{DATE_NUMERIC}|{TIME}|(?:{p('weekday')})\b){sep})*"
            rf"(?:(?:{p('action')}|{p('widget')}){sep})+"
            rf"(?:(?:{p('action')}|{p('widget')}|{DATE_NUMERIC}|{TIME}|(?:{p('weekday')})\b){sep})*$"),
        title_suffix=re.compile(rf"(?:\s+[\[(|-]?\s*(?:{p('title_suffix')})\s*[\])]?)+\s*$", re.IGNORECASE),
        title_suffix_reversed=re.compile(
            "|".join(re.escape(phrase[::-1]) for phrase in lexicon.kind("title_suffix")) or r"(?!x)x",
            re.IGNORECASE),
        title_suffix_chars=max((len(phrase) for phrase in lexicon.kind("title_suffix")), default=0),
        date_words=frozenset(w for k in ("date_label", "weekday") for ph in lexicon.kind(k) for w in ph.split()),
        counter_words=frozenset(w for ph in lexicon.kind("counter_label") for w in ph.split()),
        # A metadata prefix glued to a paragraph: "date 2024-12 ...", "Updated: 3/1/2024 ...".
        # "Ngày 1/6 năm nay, ..." is a sentence: a label needs a colon or an ISO date.
        date_prefix=re.compile(
            rf"^\s*(?:{p('date_label')})\s*(?:[:：]\s*{DATE_NUMERIC}|[:：]?\s*\d{{4}}-\d{{2}}(?:-\d{{2}})?)"
            rf"(?:\s*{TIME})?\s+(?=\w)"),
        block_heading=re.compile(rf"^{sep}(?:{p('block_heading')}){heading_tail}"),
        heading_start=re.compile(rf"^{sep}(?:{p('block_heading')})\b"),
        footer=re.compile(rf"^{sep}(?:©|\(c\)\s|copyright\s+(?:19|20)\d\d\b|{p('footer')})"),
        footer_credit=re.compile(rf"^{sep}(?:{p('footer_credit')})\b"),
        footer_anywhere=re.compile(rf"©|{p('footer_anywhere')}"),
        notice=re.compile(rf"\b(?:{p('notice')})"),  # \b: tried at word starts only
        relative_only=re.compile(rf"^{sep}(?:{relative}){sep}$"),
        relative_tail=re.compile(rf"(?:{relative})\)?\s*$"),
        alt_suffix=re.compile(rf"\s+(?:{p('alt_suffix')})(?:\s+\d+)?\s*$"),
        home=re.compile(rf"^{sep}(?:{p('home')})\b"),
    )


_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")


# Characters of code, never of a menu's items.
_CODE_MARKS = frozenset('{}=;<>"_')


def glued_menu(text: str) -> bool:
    """Menu items that lost the spaces between them ("Thể thaoGiải tríChính trị"):
    at least four pieces split where a lower-case letter runs into an upper-case
    one, each piece at most three words. Brand names (YouTube, McDonald's) sit in
    longer pieces and do not qualify, nor does code ("onChange={setFilter}")
    or an identifier: one token of up to four pieces ("FetchFromCacheMiddleware",
    "OnTheGoSystems"), or one starting in lower case."""
    cuts = _cut_count(text)
    if cuts < 3 or any(ch in text for ch in _CODE_MARKS):
        return False
    if " " not in text.strip() and (cuts < 4 or not text.lstrip()[:1].isupper()):
        return False
    cuts = [i + 1 for i, (a, b) in enumerate(zip(text, text[1:])) if a.islower() and b.isupper()]
    pieces = [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)])]
    return all(len(WORD.findall(piece)) <= NAV_MAX_WORDS for piece in pieces)


def _cut_count(text: str) -> int:
    """How many lower-case letters run into an upper-case one (the compiled
    kernel counts them in one pass; this walk was ~14% of the chrome rules'
    time on web pages). A cut is inside a word (spaces are neither), never before
    its first character, and a word whose rest is lower case (str.islower,
    in C) has none: only the other words are walked character by character."""
    if _case_cuts is not None:
        return _case_cuts(text)
    return sum(a.islower() and b.isupper()
               for word in text.split() if not word[1:].islower()
               for a, b in zip(word, word[1:]))



# Separators of breadcrumb pieces; every one holds one of _CRUMB_MARKS.
_CRUMB_SEPARATOR = re.compile(r"\s([|/>»›])\s|\s([|])|([|])\s")
_CRUMB_MARKS = "|/>»›"
_CRUMB_MARK = re.compile(r"[|/>»›]")


def breadcrumb(text: str, norm: str, pats: Patterns) -> str | None:
    """The pieces of a breadcrumb ("Trang chủ > Thế giới", "Home | News |
    Sport"), else None. A breadcrumb is short pieces joined by one kind of
    separator, not a sentence, no piece but the last a "Label:" ("Sizes: S /
    M / L", "Example: Women > Rings" are content), and a slash, which also
    joins alternatives ("4oz / 118ml", "ZTNA / SASE"), only after the home
    item. "Home > Section > Title of this page": the last piece may be long."""
    if not _CRUMB_MARK.search(text) or ends_like_sentence(text):
        return None  # one piece, or a sentence
    marks = {next(g for g in m.groups() if g) for m in _CRUMB_SEPARATOR.finditer(text)}
    segments = [s.strip() for s in _CRUMB_SEPARATOR.split(text) if s and s.strip() and s not in _CRUMB_MARKS]
    if len(segments) < 2 or len(marks) != 1 or any(":" in s for s in segments[:-1]):
        return None
    home = bool(pats.home.match(norm))
    if marks == {"/"} and not home:
        return None
    short = [len(WORD.findall(s)) <= NAV_MAX_WORDS for s in segments]
    if (all(short) and (len(segments) >= 3 or home)) or (home and len(segments) >= 3 and all(short[:-1])):
        return " | ".join(segments[:4])
    return None


def date_of_line(text: str, lexicon: Lexicon | None = None) -> str | None:
    """The ISO date of a date line ("Thứ ba, 27/06/2017 - 07:47"), else None."""
    line = read_lines(text.replace("\n", " "))[0]
    pats = patterns(lexicon or default_lexicon())
    if line.blank or len(line.norm) > SHORT_LINE_MAX_CHARS \
            or not is_date_line(pieces(line.norm), pats.date_words, pats.counter_words):
        return None
    return find_date(line.text)


def line_rule(line: Line, pats: Patterns) -> tuple[str, str] | None:
    """The per-line rule that marks this line as chrome, with its evidence."""
    norm, text = line.norm, line.text
    if line.is_prose or len(norm) > SHORT_LINE_MAX_CHARS:
        return None  # chrome lines are short; long ones are never tested against the patterns
    if _DIGIT.search(norm):  # date, counter and number lines all hold digits
        line_pieces = pieces(norm)
        if is_date_line(line_pieces, pats.date_words, pats.counter_words):
            return "date_line", norm
        if not _LETTER.search(norm):
            if is_bare_counter(norm, COUNTER_MIN_DIGITS):
                return "counter", "number only"
        elif is_counter_line(line_pieces, pats.counter_words):
            return "counter", norm
    if pats.block_heading.match(norm):
        return "block_heading", norm
    if pats.action_only.match(norm):
        # "Ý kiến bạn đọc Gửi ý kiến In trang": links that also head a block
        return ("block_heading" if pats.heading_start.match(norm) else "action_links"), norm
    if line.size > SHORT_LINE_MAX_WORDS:
        return None
    if pats.footer.match(norm) or pats.footer_anywhere.search(norm):
        return "footer", norm[:60]
    if pats.footer_credit.match(norm) and line.size <= CREDIT_MAX_WORDS and "," not in norm \
            and not ends_with_full_stop(text):
        return "footer", norm[:60]
    m = pats.notice.search(norm)
    if m:
        return "notice", m.group(0)
    if pats.relative_only.match(norm):
        return "relative_date", norm
    if not ends_like_sentence(text) and glued_menu(text):
        return "menu", "menu items glued together"
    crumbs = _CRUMB_MARK.search(text) and breadcrumb(text, norm, pats)
    return ("breadcrumb", crumbs) if crumbs else None


def title_suffix(text: str, pats: Patterns) -> re.Match | None:
    """`title_suffix` searched in the window at the end of `text`. Its last
    phrase ends the text but for spaces and a closing bracket, so the phrases
    alone are first looked for at the end: the full pattern tries each space
    of a 200-character window. They are literal, so a phrase ends the text
    exactly when, reversed, it opens the reversed text: one match at one
    position (a search for them at the end tried every position of the last
    few characters, and was a fifth of the chrome rules' time on web pages)."""
    tail = text.rstrip()
    ends = (tail, tail[:-1].rstrip()) if tail and tail[-1] in "])" else (tail,)
    chars = pats.title_suffix_chars
    if not any(end and pats.title_suffix_reversed.match(end[-chars:][::-1]) for end in ends):
        return None
    return pats.title_suffix.search(text, max(0, len(text) - TITLE_SUFFIX_WINDOW))
