"""Cleaner's own chrome filter for text: a line classifier with reasons.

trafilatura cannot help with naive text dumps of pages (no markup left), and it
lets some chrome through on HTML. This module decides, line by line, what is
article and what is site chrome, and says why (rule + evidence), so that
`cleaner explain` and tests can show each decision.

Site boilerplate (lines recurring across a site's documents) is removed
afterwards, with corpus statistics: see sites.py.

Rules, in the order they apply:
  * per line, from the lexicon (cleaner/data/lexicon.json): counters, date
    lines, lines made only of action links (share/print/login...) and widget
    labels, footers, comment-form notices, lone relative dates, breadcrumbs and
    menus (including menus whose items lost their spaces);
  * navigation: a run of short lines before the first content line (dumps);
  * tail blocks: a block heading ("Tin liên quan", "Most read", "Bình
    luận") opens a block whose list-like lines (titles, names and times,
    short comments) are chrome until prose resumes;
  * repetition: an exact repeat keeps its first copy; the truncated start of a
    longer line goes; an ASCII-folded copy of a line written with diacritics
    (image alt text such as "... hinh anh 1") goes;
  * edits: a print/send link glued to a headline is cut off ("... In trang"),
    a glued metadata prefix is cut off a paragraph ("date 2024-12 ...").
Lines that are prose (long, ending like a sentence) are never taken by the
structural rules, whatever words they contain.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .lexicon import Lexicon, default_lexicon, normalise
from .lines import WORD, Line, ends_like_sentence, ends_with_full_stop, read_lines, words

try:  # the compiled kernel's count of case changes (cleaner/_fingerprint.c)
    from ._fingerprint import case_cuts as _case_cuts
except ImportError:  # pragma: no cover - depends on the build
    _case_cuts = None

DATE_NUMERIC = r"\d{1,4}[/.-]\d{1,2}(?:[/.-]\d{2,4})?"
TIME = r"\d{1,2}[:h]\d{2}(?::\d{2})?"

# Lines at most this long count as list-like inside a tail block.
LIST_ITEM_MAX_WORDS = 40
# A truncated copy has at least this many words and is the start of the
# fuller line, or of what follows its source prefix ("TTXVN - ", "(TBS) - ").
REPEAT_MIN_WORDS = 6
SOURCE_PREFIX = re.compile(r"^\s*\(?[\w.]{2,20}\)?\s*[-–—]\s+")
# An ASCII-folded copy must cover at least this share of the line it copies.
FOLDED_MIN_COVER = 0.6
# Leading lines with at most this many words, before content starts, are navigation.
NAV_MAX_WORDS = 3
# Footers, notices and menus are short: longer lines are never judged by those rules,
# and no line longer than SHORT_LINE_MAX_CHARS is matched against a chrome pattern.
SHORT_LINE_MAX_WORDS = 40
SHORT_LINE_MAX_CHARS = 400
# Site-name suffixes (" - VnExpress | Tin nhanh") and relative dates closing a
# line ("(5 tháng trước)") are looked for in this many final characters of a
# line, not tried at every position of it.
TITLE_SUFFIX_WINDOW = 200
# A metadata prefix glued to a paragraph ("Cập nhật: 14/10/2021 10:08 ...") is
# looked for in this many first characters of a line (labels, dates and times
# take well under a hundred).
DATE_PREFIX_WINDOW = 200
# A lone number is a counter when it has at least this many digits.
COUNTER_MIN_DIGITS = 5


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
    title_suffix: re.Pattern
    title_suffix_reversed: re.Pattern  # the title suffix phrases, reversed (they open a reversed text)
    title_suffix_chars: int  # the longest title suffix phrase
    date_words: frozenset
    counter_words: frozenset
    date_prefix: re.Pattern
    block_heading: re.Pattern
    heading_start: re.Pattern
    footer: re.Pattern
    footer_anywhere: re.Pattern
    notice: re.Pattern
    relative_only: re.Pattern
    relative_tail: re.Pattern
    alt_suffix: re.Pattern
    home: re.Pattern


@lru_cache(maxsize=4)
def _patterns(lexicon: Lexicon) -> _Patterns:
    p = lexicon.pattern
    sep = r"[\s\W_]*"
    relative = p("relative_time")
    heading_tail = r"\s*(?:\(\d+\))?\s*[:：]?" + sep + "$"
    return _Patterns(
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
        footer=re.compile(rf"^{sep}(?:©|\(c\)\s|{p('footer')})"),
        footer_anywhere=re.compile(rf"©|{p('footer_anywhere')}"),
        notice=re.compile(p("notice")),
        relative_only=re.compile(rf"^{sep}(?:{relative}){sep}$"),
        relative_tail=re.compile(rf"(?:{relative})\)?\s*$"),
        alt_suffix=re.compile(rf"\s+(?:{p('alt_suffix')})(?:\s+\d+)?\s*$"),
        home=re.compile(rf"^{sep}(?:{p('home')})\b"),
    )


_COMBINING = re.compile(r"[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_LETTER = re.compile(r"[^\W\d_]")
_DIGIT = re.compile(r"\d")


def fold_ascii(text: str) -> str:
    """Strip diacritics (and đ → d) the way image alt text and URLs do."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def has_diacritics(text: str) -> bool:
    """Letters with accents or tone marks (not merely non-ASCII punctuation)."""
    return not text.isascii() and ("đ" in text or "Đ" in text
                                   or bool(_COMBINING.search(unicodedata.normalize("NFD", text))))


def glued_menu(text: str) -> bool:
    """Menu items that lost the spaces between them ("Thể thaoGiải tríChính trị"):
    at least four pieces split where a lower-case letter runs into an upper-case
    one, each piece at most three words. Brand names (YouTube, McDonald's) sit in
    longer pieces and do not qualify."""
    if _cut_count(text) < 3:
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



_DMY_DATE = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})(?:-(\d{2}))?\b")
# Separators of breadcrumb pieces; every one holds one of _CRUMB_MARKS.
_CRUMB_SEPARATOR = re.compile(r"\s[|/>»›]\s|\s[|]|[|]\s")
_CRUMB_MARKS = "|/>»›"


def _find_date(text: str) -> str | None:
    """An ISO date (YYYY-MM-DD or YYYY-MM) from a date line, if one is there."""
    m = _DMY_DATE.search(text)
    if m:
        day, month, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if 1 <= day <= 31 and 1 <= month <= 12:
            return f"{year:04d}-{month:02d}-{day:02d}"
    m = _ISO_DATE.search(text)
    if m:
        return "-".join(g for g in m.groups() if g)
    return None


# Pieces of a short line, for date and counter lines: a date or time, a
# number, a word, or one other character. One linear pass: the same test as
# nested regular expressions, without their catastrophic backtracking.
_PIECE = re.compile(rf"({DATE_NUMERIC}|{TIME})|(\d+)|(\w+)|(\S)")


def _is_date_line(norm: str, pats: _Patterns, pieces: list[tuple[str, ...]] | None = None) -> bool:
    """Dates and times, with labels and weekdays before them and view counts
    after them ("Cập nhật: Thứ năm 14/10/2021 - 10:08", "23/10/2020 | 3976").
    `pieces`: _PIECE.findall(norm), when the caller has it."""
    seen_date = False
    for date, number, word, _ in _PIECE.findall(norm) if pieces is None else pieces:
        if date:
            seen_date = True
        elif word and word not in pats.date_words and not (seen_date and word in pats.counter_words):
            return False
    return seen_date


def _is_counter_line(norm: str, pats: _Patterns, pieces: list[tuple[str, ...]] | None = None) -> bool:
    """Counter labels and numbers only ("Lượt xem: 1.420", "• Đang online: 158")."""
    has_number = has_word = False
    for date, number, word, _ in _PIECE.findall(norm) if pieces is None else pieces:
        if word:
            if word not in pats.counter_words:
                return False
            has_word = True
        elif number or date:
            has_number = True
    return has_number and has_word


def date_of_line(text: str, lexicon: Lexicon | None = None) -> str | None:
    """The ISO date of a date line ("Thứ ba, 27/06/2017 - 07:47"), else None."""
    line = read_lines(text.replace("\n", " "))[0]
    if line.blank or len(line.norm) > SHORT_LINE_MAX_CHARS \
            or not _is_date_line(line.norm, _patterns(lexicon or default_lexicon())):
        return None
    return _find_date(line.text)


def _line_rule(line: Line, pats: _Patterns) -> tuple[str, str] | None:
    """The per-line rule that marks this line as chrome, with its evidence."""
    norm, text = line.norm, line.text
    if line.is_prose or len(norm) > SHORT_LINE_MAX_CHARS:
        return None  # chrome lines are short; long ones are never tested against the patterns
    if _DIGIT.search(norm):  # date, counter and number lines all hold digits
        pieces = _PIECE.findall(norm)
        if _is_date_line(norm, pats, pieces):
            return "date_line", norm
        has_letters = bool(_LETTER.search(norm))
        if not has_letters and len(_DIGIT.findall(norm)) >= COUNTER_MIN_DIGITS:
            return "counter", "number only"
        if has_letters and _is_counter_line(norm, pats, pieces):
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
    m = pats.notice.search(norm)
    if m:
        return "notice", m.group(0)
    if pats.relative_only.match(norm):
        return "relative_date", norm
    if not ends_like_sentence(text) and glued_menu(text):
        return "menu", "menu items glued together"
    if not any(mark in text for mark in _CRUMB_MARKS):
        return None  # one piece: no breadcrumb
    segments = [s for s in _CRUMB_SEPARATOR.split(text) if s.strip()]
    if len(segments) >= 2 and not ends_like_sentence(text):
        short = [len(WORD.findall(s)) <= NAV_MAX_WORDS for s in segments]
        # "Home > Section > Title of this page": the last piece may be long
        if (all(short) and (len(segments) >= 3 or pats.home.match(norm))) or \
                (pats.home.match(norm) and len(segments) >= 3 and all(short[:-1])):
            return "breadcrumb", " | ".join(s.strip() for s in segments[:4])
    return None


def _title_suffix(text: str, pats: _Patterns) -> re.Match | None:
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


def _in_block(line: Line, pats: _Patterns) -> bool:
    """Does a line inside a tail block belong to it (and so go)?"""
    if pats.relative_tail.search(line.norm, max(0, len(line.norm) - TITLE_SUFFIX_WINDOW)):
        return True  # "Title of another story (5 tháng trước)"
    return line.size <= LIST_ITEM_MAX_WORDS and not line.is_prose


def clean_text(text: str, *, lexicon: Lexicon | None = None, html: bool = False,
               title: str | None = None, navigation: bool | None = None) -> Cleaned:
    """Remove chrome lines from `text`; return the article and every decision.

    `html` says the text is what trafilatura extracted from a page rather than
    a naive dump: there is no menu before the content to drop, a repeated line
    goes only when it directly repeats the line before it (articles repeat
    list items, labels and code lines on purpose), and lines of punctuation
    (table rules, code elisions) stay. `title`, when the caller keeps the
    headline apart, removes the headline where it opens the text.
    `navigation` drops a menu of short lines before the content even from
    HTML (for an extraction that kept the whole page); by default only from
    dumps.
    """
    pats = _patterns(lexicon or default_lexicon())
    lines = read_lines(text)
    decisions = [LineDecision(l.index, l.raw, keep=bool(l.text), output=l.text) for l in lines]
    for line in lines:
        if line.blank and line.text and not html:
            decisions[line.index].keep = False
            decisions[line.index].rule, decisions[line.index].evidence = "no_words", "nothing but punctuation"
    found_date: str | None = None

    def remove(line: Line, rule: str, evidence: str) -> None:
        d = decisions[line.index]
        d.keep, d.rule, d.evidence = False, rule, evidence

    block: str | None = None  # heading of the open tail block
    for line in lines:
        if line.blank:
            continue
        hit = _line_rule(line, pats)
        if hit:
            rule, evidence = hit
            if rule == "date_line" and found_date is None:
                found_date = _find_date(line.text)
            if rule == "block_heading":
                block = line.norm
            remove(line, rule, evidence)
            continue
        if block is not None:
            if _in_block(line, pats):
                remove(line, "tail_block", f"under '{block}'")
                continue
            block = None

    if (not html) if navigation is None else navigation:
        _drop_leading_navigation(lines, decisions, remove)
    if title:
        _drop_leading_title(lines, decisions, words(title), remove)
    _drop_repeats(lines, decisions, remove, adjacent_only=html)
    _drop_folded_copies(lines, decisions, pats, remove)

    # Edits on kept lines: a print link glued to a headline, a metadata prefix.
    for line in lines:
        d = decisions[line.index]
        if not d.keep:
            continue
        out = line.text
        if not ends_like_sentence(out):
            suffix = _title_suffix(out, pats)
            cut = out[:suffix.start()] if suffix else out
            if cut != out and WORD.search(cut):
                d.rule, d.evidence, out = "title_suffix", out[len(cut):].strip(), cut
        # a prefix in `out` (the line, or its start) is one in the whole line's
        # normal form, already computed: test that first
        m = pats.date_prefix.match(line.norm) and pats.date_prefix.match(normalise(out[:DATE_PREFIX_WINDOW]))
        if m and len(out) > m.end():
            prefix_len = _prefix_length(out, m.end())
            found_date = found_date or _find_date(out[:prefix_len])
            d.rule, d.evidence, out = "date_prefix", out[:prefix_len].strip(), out[prefix_len:]
        d.output = out.strip()
        if not d.output or (not html and not WORD.search(d.output)):
            d.keep, d.rule, d.evidence = False, "no_words", "nothing but punctuation"

    return Cleaned(text="\n\n".join(d.output for d in decisions if d.keep), decisions=decisions,
                   date=found_date, title=_guess_title(lines, decisions))


def _drop_leading_navigation(lines: list[Line], decisions: list[LineDecision], remove) -> None:
    """Short lines before the first content line are a menu when there are
    several of them, or when navigation chrome sits beside them."""
    lead: list[Line] = []
    content_index = -1
    for line in lines:
        if line.blank or not decisions[line.index].keep:
            continue
        if line.n_words > NAV_MAX_WORDS or ends_like_sentence(line.text):
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
    longer line goes (the fuller line stays)."""
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
    for line in kept:
        if line.n_words < REPEAT_MIN_WORDS:
            continue
        needle = line.word_key + " "
        for other, start in starts:
            if other is not line and other.n_words > line.n_words \
                    and decisions[other.index].keep and start.startswith(needle):
                remove(line, "truncated_repeat", f"start of line {other.index + 1}")
                break


def _drop_folded_copies(lines: list[Line], decisions: list[LineDecision],
                        pats: _Patterns, remove) -> None:
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
