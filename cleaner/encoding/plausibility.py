"""How implausible a decoded text is as writing: the characters that a wrong
reading of the bytes leaves where real text has none.

Two readings of the same bytes differ only where the codecs map a byte
differently, so the reading with fewer of these marks is the better one,
whatever the language. Counted (each mark once):
  - characters that are never text: C0/C1 controls other than whitespace,
    private-use, unassigned and surrogate code points, U+FFFD, box drawing
    and block elements (cp437's table art);
  - a symbol or a spacing accent between two letters of the alphabets that
    space their words ("re˛iim", "CHA╫NE", "l▓identifiant"): words are made
    of letters;
  - a letter of another alphabet inside a word ("velocitЮ", "MΣglich"):
    Latin, Cyrillic and Greek words do not mix scripts;
  - an accented capital right after a small letter ("ÇÎÊíÇÑ", "reØiim"):
    words are capitalised at their start, or all through;
  - a Latin word of four or more letters with no unaccented letter
    ("ïðèâåò", "äřĺçá"): Cyrillic, Greek, Hebrew or Arabic read in a Latin
    code page. No Latin-script language writes such words, Vietnamese
    included (its long syllables keep an ASCII consonant or vowel); the
    first two are let pass, for lists of letters ("àèìòù", "ÅÅÅÅ").
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Characters of a text that are looked at: enough for a verdict, bounded cost.
SAMPLE_CHARS = 32 * 1024
# Latin words without an unaccented letter that a text may have before they
# count: a list of accented letters ("àèìòù", "ÅÅÅÅ" for a year) is text.
ACCENTED_WORDS_ALLOWED = 2

_BAD_CATEGORIES = frozenset({"Cc", "Co", "Cn", "Cs"})
_SYMBOL_CATEGORIES = frozenset({"Sm", "Sc", "Sk", "So", "No"})
# Scripts whose words are written with spaces between them and never mixed
# inside a word; scripts written without spaces (Han, kana, Thai) are left out.
_WORD_SCRIPTS = frozenset({"LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN", "HEBREW", "ARABIC"})
_WHITESPACE = "\t\n\x0b\x0c\r"


@lru_cache(maxsize=4096)
def _kind(char: str) -> tuple[str, str]:
    """(kind, script) of a character: kind is bad, symbol, upper, lower,
    letter or other; script is the first word of its Unicode name for
    letters of the space-separated scripts, else ""."""
    category = unicodedata.category(char)
    code = ord(char)
    if category in _BAD_CATEGORIES and char not in _WHITESPACE or code == 0xFFFD or 0x2500 <= code <= 0x259F:
        return "bad", ""
    if category in _SYMBOL_CATEGORIES:
        return "symbol", ""
    if category[0] != "L":
        return "other", ""
    script = unicodedata.name(char, "").split(" ", 1)[0]
    script = script if script in _WORD_SCRIPTS else ""
    return ("upper" if category == "Lu" else "lower" if category == "Ll" else "letter"), script


def _script(char: str) -> str:
    if char.isascii():
        return "LATIN" if char.isalpha() else ""
    return _kind(char)[1]


def _char_class(chars: set[str] | str) -> str:
    return "[" + "".join(re.escape(ch) for ch in sorted(chars)) + "]"


_C0 = re.compile("[\x00-\x08\x0e-\x1f\x7f]")
_ASCII_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


# Runs of four or more non-ASCII letters (a word of its own if no letter is beside it).
_ACCENTED_WORD = re.compile("[^\\W\\d_a-zA-Z]{4,}")


def implausible_marks(text: str, sample: int = SAMPLE_CHARS) -> int:
    """How many marks of a wrong reading the first `sample` characters of the
    text have (see module).

    Each distinct character is classified once, and the few places where a
    mark can be are found by regular expressions, so that a page of accented
    letters costs a few scans in C, not a Python step per letter."""
    text = text[:sample]
    marks = len(_C0.findall(text)) if _C0.search(text) else 0
    if text.isascii():
        return marks
    bad: set[str] = set()
    symbols: set[str] = set()
    uppers: set[str] = set()
    by_script: dict[str, set[str]] = {}
    for char in set(text):
        if char.isascii():
            continue
        kind, script = _kind(char)
        if kind == "bad":
            bad.add(char)
        elif kind == "symbol":
            symbols.add(char)
        elif kind == "upper":
            uppers.add(char)
        if script and script != "LATIN":
            by_script.setdefault(script, set()).add(char)
    marks += sum(text.count(char) for char in bad)
    # The rare characters are found first and their neighbours looked at
    # after: a look-behind tried at every position costs ten times as much.
    last = len(text) - 1
    if symbols:
        for match in re.finditer(_char_class(symbols), text):
            at = match.start()
            marks += 0 < at < last and bool(_script(text[at - 1])) and bool(_script(text[at + 1]))
    if uppers:
        for match in re.finditer(_char_class(uppers), text):
            marks += match.start() > 0 and text[match.start() - 1].islower()
    if by_script:
        latin = _ASCII_LETTERS.union(ch for ch in set(text) if not ch.isascii() and _kind(ch)[1] == "LATIN")
        for script, letters in by_script.items():
            # a letter of this script right after a letter of another script,
            # and a Latin letter right after one of this script
            others = latin.union(*(other for name, other in by_script.items() if name != script))
            marks += len(re.findall(f"(?<={_char_class(others)}){_char_class(letters)}", text))
            marks += len(re.findall(f"(?<={_char_class(letters)}){_char_class(latin)}", text))
    accented_words = 0
    for match in _ACCENTED_WORD.finditer(text):
        start, end = match.span()
        accented_words += (not (start and text[start - 1].isalpha()) and not (end <= last and text[end].isalpha())
                           and all(_script(ch) == "LATIN" for ch in match.group()))
    return marks + max(0, accented_words - ACCENTED_WORDS_ALLOWED)
