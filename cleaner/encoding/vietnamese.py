"""Legacy Vietnamese: VISCII, TCVN3 and windows-1258, and how Vietnamese a
reading of the bytes is.

Python and chardet have no codec for VISCII (RFC 1456) or TCVN3 (TCVN
5712:1993 VN3); both are read here from tables made by
scripts/make_vietnamese_tables.py. A reading is scored by the share of its
accented words that are well-formed Vietnamese syllables, and is only taken
when the text as a whole reads as Vietnamese: most of its words, plain ASCII
ones included, are syllables (Vietnamese is written in monosyllables; the
polysyllabic words of other Latin-script languages are not), so that French,
Italian or Afrikaans whose few accented words happen to look like syllables
in VISCII stay what they are.
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
from functools import lru_cache
from importlib import resources

from .labels import DETECTION_WINDOW, strict_decode

# Legacy Vietnamese: share of accented words that must read as syllables, and
# how much better than the runner-up a decoding must read to be preferred.
VIETNAMESE_MIN_SHARE = 0.7
VIETNAMESE_MARGIN = 0.15
# Accented words a reading needs before it is taken without asking chardet:
# a few sentences; shorter texts (titles, snippets) are left to chardet too.
VIETNAMESE_DECISIVE_WORDS = 50
# Characters of each reading that are scored: a page's first few hundred words
# say which reading is Vietnamese as well as all of them do.
VIETNAMESE_SAMPLE = 4000
# Share of all the words of a reading (ASCII ones too) that must be
# syllables for the text to be Vietnamese: 0.59 or more on 300 vinews
# articles (median 0.97; the lowest quote English), at most 0.41 on French,
# Italian and Afrikaans text that VISCII reads with a few syllable-like
# accented words.
VIETNAMESE_MIN_TEXT_SHARE = 0.5


_EDGE_PUNCTUATION = ".,;:!?\"'()[]{}«»“”‘’…-–—/"
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"[aăâeêioôơuưy]{1,3}"
    r"(?:ch|ng|nh|[cmnpt])?")
_VIETNAMESE_ONLY = re.compile("[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


@lru_cache(maxsize=1)
def _legacy_tables() -> dict[str, str]:
    """VISCII (RFC 1456) and TCVN3 (TCVN 5712:1993 VN3) as charmap decoding
    tables: the character of each byte, latin-1's where the codec keeps it
    (see scripts/make_vietnamese_tables.py). Each byte is one character, so
    codecs.charmap_decode reads a page in C; str.translate over a latin-1
    decoding, with the same result, took a seventh of a legacy page's decoding."""
    raw = json.loads(resources.files(__package__).joinpath("vietnamese_8bit.json")
                     .read_text(encoding="utf-8"))
    tables = {}
    for name in ("viscii", "tcvn3"):
        mapping = {int(byte, 16): char for byte, char in raw[name].items()}
        tables[name] = "".join(mapping.get(byte, chr(byte)) for byte in range(256))
    return tables


def decode_legacy(data: bytes, name: str) -> str:
    """Bytes in VISCII or TCVN3 as text (every byte maps to a character)."""
    return codecs.charmap_decode(data, "strict", _legacy_tables()[name])[0]


def vietnamese_score(text: str) -> tuple[float, int]:
    """How Vietnamese a text reads: the share of words with non-ASCII letters
    that are well-formed Vietnamese syllables (at most one tone mark, an
    initial, a vowel group and a final Vietnamese allows), and how many such
    words there were. Mojibake and other languages score low."""
    words = [w.strip(_EDGE_PUNCTUATION) for w in text[:VIETNAMESE_SAMPLE].lower().split()]
    words = [w for w in words if w and not w.isascii()]
    if not words:
        return 0.0, 0
    return sum(map(_is_syllable, words)) / len(words), len(words)


def vietnamese_text_share(text: str) -> float:
    """The share of all alphabetic words, ASCII ones included, that are
    Vietnamese syllables: high for Vietnamese, low for any other language
    written in Latin letters, whatever its accented words look like."""
    words = [w.strip(_EDGE_PUNCTUATION) for w in text[:VIETNAMESE_SAMPLE].lower().split()]
    words = [w for w in words if w.isalpha()]
    if not words:
        return 0.0
    return sum(map(_is_syllable, words)) / len(words)


@lru_cache(maxsize=16384)  # a language's common syllables recur on every page: ~2 MB at most
def _is_syllable(word: str) -> bool:
    """A lower-case word with non-ASCII letters reads as one Vietnamese syllable."""
    if not word.isalpha():
        return False  # "má»™i": symbols inside a word are mojibake, not Vietnamese
    parts = unicodedata.normalize("NFD", word)
    if sum(ch in TONE_MARKS for ch in parts) > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(ch for ch in parts if ch not in TONE_MARKS))
    return bool(_SYLLABLE.fullmatch(base))


def _nfc_sample(text: str) -> str:
    """NFC of the text's start, as long as vietnamese_score reads: normalising
    twice that much gives the same first VIETNAMESE_SAMPLE characters (NFC
    only reaches across one starter and its combining marks) without
    normalising whole pages three times over."""
    return unicodedata.normalize("NFC", text[:2 * VIETNAMESE_SAMPLE])


def _vietnamese_candidates(data: bytes) -> list[tuple[float, str, int]]:
    """(score, encoding, accented words) for each reading of the bytes as
    Vietnamese, best first. The three codecs map every byte to one character,
    so only the bytes that the score reads are decoded (cp1258 must decode
    whole, as strict decoding of the page requires)."""
    head = data[:2 * VIETNAMESE_SAMPLE]
    readings = []
    for codec in ("cp1258", "viscii", "tcvn3"):
        if codec == "cp1258" and strict_decode(data, codec) is None:
            continue
        score, words = vietnamese_score(_reading_sample(head, codec))
        readings.append((score, codec, words))
    return sorted(readings, key=lambda r: -r[0])


@lru_cache(maxsize=8)
def _reading_sample(head: bytes, codec: str) -> str:
    """The scored sample of a head of input read in one of the three codecs:
    kept for the page's later checks, which read the same sample."""
    return _nfc_sample(_read_vietnamese(head, codec))


def _read_vietnamese(data: bytes, codec: str) -> str:
    """The whole input in one of the three Vietnamese codecs."""
    return data.decode(codec) if codec == "cp1258" else decode_legacy(data, codec)


def _decisive_vietnamese(data: bytes,
                         readings: list[tuple[float, str, int]]) -> tuple[float, str, str] | None:
    """The Vietnamese reading (score, encoding, text) clear enough to take
    without asking chardet: enough accented words to judge by, and better by
    the margin than the other two readings and than the page read as
    windows-1252 (what a Western-European guess would make of it). On such
    pages chardet, the slowest step of decoding (~5 ms a page), answered
    windows-1258 or lost to this reading anyway."""
    if not readings:
        return None
    score, codec, words = readings[0]
    if score < VIETNAMESE_MIN_SHARE or words < VIETNAMESE_DECISIVE_WORDS:
        return None
    western = vietnamese_score(_nfc_sample(data[:2 * VIETNAMESE_SAMPLE].decode("cp1252", "replace")))[0]
    runner_up = max([western, *(s for s, _, _ in readings[1:])])
    if score < runner_up + VIETNAMESE_MARGIN or not _reads_as_vietnamese(data, codec):
        return None
    return score, codec, _read_vietnamese(data, codec)


def _best_vietnamese(data: bytes, other: str | None, other_codec: str | None = None,
                     readings: list[tuple[float, str, int]] | None = None) -> tuple[float, str, str] | None:
    """The Vietnamese reading (score, encoding, text) to prefer over `other`
    (another decoding, by `other_codec` when the caller knows it), if any;
    `readings` are the page's Vietnamese readings when the caller has them."""
    if readings is None:
        if data[:DETECTION_WINDOW].isascii():
            return None
        readings = _vietnamese_candidates(data)
    if not readings or readings[0][0] < VIETNAMESE_MIN_SHARE:
        return None
    # A reading in the same codec scored the same sample: each of the three
    # maps a byte to one character, so `other` starts with that reading's text.
    baseline = next((s for s, codec, _ in readings if codec == other_codec), None) if other is not None else 0.0
    if baseline is None:
        baseline = vietnamese_score(_nfc_sample(other))[0]
    score, codec, _ = readings[0]
    if score < baseline + VIETNAMESE_MARGIN or not _reads_as_vietnamese(data, codec):
        return None
    return score, codec, _read_vietnamese(data, codec)


def _reads_as_vietnamese(data: bytes, codec: str) -> bool:
    """The head of the input, read in one of the three codecs, is Vietnamese
    text as a whole (see vietnamese_text_share), not just a few accented
    words that happen to look like syllables."""
    return vietnamese_text_share(_reading_sample(data[:2 * VIETNAMESE_SAMPLE], codec)) >= VIETNAMESE_MIN_TEXT_SHARE
