"""Bytes to NFC text, with a record of how the encoding was decided.

Order of evidence, strongest first (each step measured on real files, see
README "Encoding"):
  1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32);
  2. strict UTF-8 (skipped when NUL, ESC or "~{" bytes suggest UTF-16,
     ISO-2022 or HZ): real UTF-8 almost never decodes by accident in a legacy
     codec, and stale `<meta charset>` labels are common, so valid UTF-8 beats
     the label;
  3. the declared charset (HTTP header given by the caller, then `<meta>` or
     the XML declaration), mapped to its web superset (latin-1 -> cp1252, ...),
     used only when the bytes decode strictly in it; a cp1252/latin-1 label on
     Vietnamese text is checked against windows-1258 and the 8-bit Vietnamese
     encodings, which old sites mislabel;
  4. the legacy Vietnamese encodings Python has no codec for (VISCII, TCVN3),
     and windows-1258, scored by how many words read as Vietnamese syllables:
     a reading that is decisive (enough accented words, clearly better than
     the others and than windows-1252) is taken before chardet is asked;
     otherwise the best reading is weighed against chardet's answer;
  5. chardet (all encoding eras, no superset renaming), every answer checked
     by a strict decode, widened to its superset only when the narrow codec
     fails; no confidence cut-off (chardet is often 0.3-0.5 sure of correct
     windows-1258);
  6. cp1252 with replacement characters, recorded as `fallback`.
Then repairs, each recorded: control characters removed (NUL, C1...),
mojibake (UTF-8 read as cp1252 and saved again)
fixed with ftfy, NFC, and look-alike letters folded in Vietnamese text
(Ð U+00D0 -> Đ U+0110).
"""

from __future__ import annotations

import codecs
import json
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# All of them, for one startswith call (most inputs have none).
_BOM_PREFIXES = tuple(bom for bom, _ in BOMS)

# Labels browsers treat as a wider codec (WHATWG Encoding Standard).
WEB_SUPERSETS = {
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "shift_jis": "cp932",
    "big5": "big5hkscs",
}
# Declared labels that old Vietnamese sites put on windows-1258, VISCII or TCVN3 pages.
_WESTERN = {"cp1252", "latin_1", "iso8859_1", "iso8859_15", "ascii"}

# How much of the head of a document is searched for a declared charset.
DECLARATION_WINDOW = 4096
# How many bytes chardet sees; its answer is then checked on the whole input.
DETECTION_WINDOW = 64 * 1024
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

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)

# Pairs that UTF-8 read as cp1252 leaves behind: "Ã©" (é), "á»" and "áº"
# (Vietnamese letters U+1Exx), "Ä‘" (đ), "Æ°" (ư), "â€" (quotes, dashes),
# "Ð"/"Ñ" (Cyrillic), "ã€"/"ï¼" (CJK punctuation). Substring tests are cheap;
# only a document that has one is given to ftfy's badness check.
_MOJIBAKE_MARKS = ("á»", "áº", "Ä", "Æ", "â€", "Ð", "Ñ", "ã€", "ï¼")
_MOJIBAKE_NBSP = re.compile("Â[\u0080-\u00bf]")
# "Ã" is also a Vietnamese capital ("NGÃ BA", "TRANH CÃI"): as mojibake it is
# followed by a UTF-8 continuation byte read as cp1252 or Latin-1. Capitals
# alone used to send Vietnamese pages to ftfy, whose import costs each worker
# a tenth of a second.
_MOJIBAKE_A_TILDE = re.compile("Ã[\u0080-\u00bf€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ]")


# Each mark with its rarest character: "á", "â" and "ã" are everywhere in
# Vietnamese, and a search for one character is several times faster than for
# a pair that opens with a common one.
_MOJIBAKE_SEARCH = tuple((mark[-1], mark) for mark in _MOJIBAKE_MARKS)


def _maybe_mojibake(text: str) -> bool:
    return (any(rare in text and (len(mark) == 1 or mark in text) for rare, mark in _MOJIBAKE_SEARCH)
            or ("Ã" in text and bool(_MOJIBAKE_A_TILDE.search(text)))
            or ("Â" in text and bool(_MOJIBAKE_NBSP.search(text))))


# The control-character test on the bytes of valid UTF-8, four times faster
# than the regex on its text (a UTF-8 sequence is in the bytes exactly where
# its character is in the text).
_C0_BYTES = bytes(b for b in range(32) if b not in (9, 10, 13)) + b"\x7f"
_C1_UTF8 = re.compile(b"\xc2[\x80-\x9f]")


def _utf8_has_control(data: bytes) -> bool:
    """What `_CONTROL` finds in the text once carriage returns are line feeds."""
    return (len(data.translate(None, _C0_BYTES)) != len(data)
            or (b"\xc2" in data and _C1_UTF8.search(data) is not None))


_EDGE_PUNCTUATION = ".,;:!?\"'()[]{}«»“”‘’…-–—/"
TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")
_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
    r"[aăâeêioôơuưy]{1,3}"
    r"(?:ch|ng|nh|[cmnpt])?")
_VIETNAMESE_ONLY = re.compile("[ăđơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


@dataclass
class Decoded:
    """Text plus the decision that produced it."""

    text: str
    encoding: str
    method: str  # bom | utf8 | declared | detected | fallback
    confidence: float
    repairs: list[str] = field(default_factory=list)
    declared: str | None = None
    evidence: str = ""


def codec_name(label: str) -> str | None:
    """Python's canonical codec name for a text-encoding label; None when the
    label is unknown or names a bytes-to-bytes codec (base64, zlib, rot13...)."""
    try:
        info = codecs.lookup(label.strip().lower())
    except (LookupError, ValueError):
        return None
    if not getattr(info, "_is_text_encoding", True) or info.name == "undefined":
        return None
    return info.name


def web_codec(label: str) -> str | None:
    """The codec to decode a declared label with: its web superset if it has one."""
    name = codec_name(label)
    if name is None:
        return None
    return codec_name(WEB_SUPERSETS.get(name.replace("-", "_"), name))


def declared_charset(data: bytes) -> str | None:
    """The charset a document declares in its head (`<meta>` or XML), if any."""
    head = data[:DECLARATION_WINDOW]
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    if match is None:
        return None
    return match.group(1).decode("ascii", "replace")


def http_charset(content_type: str | None) -> str | None:
    """The charset of an HTTP Content-Type header, if it names one."""
    match = _HTTP_CHARSET.search(content_type or "")
    return match.group(1) if match else None


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        return None


def _looks_utf16(data: bytes) -> str | None:
    """UTF-16 without a BOM: many NULs at odd (LE) or even (BE) positions."""
    sample = data[:4096]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.3 * len(odd) and even.count(0) < 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.3 * len(even) and odd.count(0) < 0.05 * len(odd):
        return "utf-16-be"
    return None


@lru_cache(maxsize=1)
def _legacy_tables() -> dict[str, str]:
    """VISCII (RFC 1456) and TCVN3 (TCVN 5712:1993 VN3) as charmap decoding
    tables: the character of each byte, latin-1's where the codec keeps it
    (see scripts/make_vietnamese_tables.py). Each byte is one character, so
    codecs.charmap_decode reads a page in C; str.translate over a latin-1
    decoding, with the same result, took a seventh of a legacy page's decoding."""
    raw = json.loads(resources.files("cleaner").joinpath("data/vietnamese_8bit.json")
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
        if codec == "cp1258":
            if _strict(data, codec) is None:
                continue
            text = head.decode(codec)
        else:
            text = decode_legacy(head, codec)
        score, words = vietnamese_score(_nfc_sample(text))
        readings.append((score, codec, words))
    return sorted(readings, key=lambda r: -r[0])


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
    if score < runner_up + VIETNAMESE_MARGIN:
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
    if score < baseline + VIETNAMESE_MARGIN:
        return None
    return score, codec, _read_vietnamese(data, codec)


def _chardet_candidates(data: bytes) -> list[tuple[str, float, str | None]]:
    import chardet  # imported lazily: start-up stays fast for --help

    try:
        results = chardet.detect_all(data[:DETECTION_WINDOW], should_rename_legacy=False)
    except Exception:  # chardet bugs on odd input must not fail a document
        results = []
    out: list[tuple[str, float, str | None]] = []
    for result in results:
        label = result.get("encoding")
        name = codec_name(label) if label else None
        if name and name not in (n for n, _, _ in out):
            out.append((name, float(result.get("confidence") or 0.0), result.get("language")))
    return out


def detect(data: bytes, content_type: str | None = None) -> Decoded:
    """Decide how to decode `data` and decode it (before repairs).

    `content_type` is an HTTP Content-Type header, when the input carried one."""
    for bom, codec in BOMS if data.startswith(_BOM_PREFIXES) else ():
        if data.startswith(bom):
            text = _strict(data[len(bom):], codec)
            if text is not None:
                return Decoded(text, codec, "bom", 1.0, evidence="byte-order mark")
            return Decoded(data[len(bom):].decode(codec, "replace"), codec, "bom", 0.5,
                           ["replacement"], evidence="byte-order mark, invalid bytes replaced")

    label = http_charset(content_type) or declared_charset(data)
    not_utf8 = b"\x00" in data or b"\x1b" in data or b"~{" in data
    if not not_utf8:
        text = _strict(data, "utf-8")
        if text is not None:
            evidence = "valid UTF-8" + (f" (declared {label} ignored)" if label and
                                         web_codec(label) not in ("utf-8", None) else "")
            return Decoded(text, "utf-8", "utf8", 1.0, declared=label, evidence=evidence)

    if label:
        codec = web_codec(label)
        if codec and codec not in ("utf-8", "utf-16", "utf-32"):
            text = _strict(data, codec)
            if text is not None:
                if codec.replace("-", "_") in _WESTERN:
                    better = _best_vietnamese(data, text)
                    if better:
                        return _vietnamese(better, label, f"declared {label}, but reads as Vietnamese")
                return Decoded(text, codec, "declared", 1.0, declared=label,
                               evidence=f"declared {label}, decodes strictly")

    utf16 = _looks_utf16(data) if b"\x00" in data else None
    if utf16:
        text = _strict(data[: len(data) - len(data) % 2], utf16)
        if text is not None:
            return Decoded(text, utf16, "detected", 0.9, declared=label,
                           evidence="NUL bytes at alternate positions")

    mostly = _mostly_utf8(data) if not not_utf8 else None
    if mostly is not None:
        return Decoded(mostly, "utf-8", "utf8", 0.9, ["replacement"], declared=label,
                       evidence="UTF-8 with a few invalid bytes (replaced)")

    readings = [] if data[:DETECTION_WINDOW].isascii() else _vietnamese_candidates(data)
    decisive = _decisive_vietnamese(data, readings)
    if decisive:
        return _vietnamese(decisive, label, "reads as Vietnamese")
    candidates = _chardet_candidates(data)
    first = next(((c, text) for c, _, _ in candidates if (text := _strict(data, c)) is not None), None)
    better = _best_vietnamese(data, first[1] if first else None, first[0] if first else None, readings)
    if better and not (first and first[0] == better[1]):
        return _vietnamese(better, label, "reads as Vietnamese")

    for codec, confidence, language in candidates:
        for candidate in dict.fromkeys((codec, web_codec(codec) or codec)):
            text = _strict(data, candidate)
            if text is not None:
                return Decoded(text, candidate, "detected", round(confidence, 3), declared=label,
                               evidence=f"chardet: {codec}" + (f" ({language})" if language else ""))

    return Decoded(data.decode("cp1252", "replace"), "cp1252", "fallback", 0.0, ["replacement"],
                   declared=label, evidence="no strict decoding found")


# Valid multi-byte UTF-8 characters per invalid byte above which a text is
# UTF-8 with damage, not a legacy encoding (legacy bytes seldom form valid
# UTF-8 sequences at all).
UTF8_VALID_PER_INVALID = 10


def _mostly_utf8(data: bytes) -> str | None:
    """UTF-8 text with a few corrupt bytes in it (a truncated download, a bad
    splice), decoded with replacement characters; None when it is not that."""
    text = data.decode("utf-8", "replace")
    invalid = text.count("\ufffd")
    valid = len(text) - len(text.encode("ascii", "ignore")) - invalid  # characters above ASCII
    if invalid and valid >= 5 and valid >= UTF8_VALID_PER_INVALID * invalid:
        return text
    return None


def _vietnamese(reading: tuple[float, str, str], label: str | None, why: str) -> Decoded:
    score, codec, text = reading
    return Decoded(text, codec, "detected", round(score, 3), declared=label,
                   evidence=f"{why}: {score:.0%} of accented words are Vietnamese syllables in {codec}")


# C0 controls but tab and newline, DEL, and C1 controls: never text on a page.
# Vertical tab and form feed become line breaks, the rest go.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def decode(data: bytes, content_type: str | None = None) -> Decoded:
    """Detect, decode, repair and normalise to NFC, recording each repair."""
    decoded = detect(data, content_type)
    text = decoded.text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    whole_utf8 = decoded.method == "utf8" and not decoded.repairs  # text is data decoded as it is
    # Mojibake is UTF-8 read as cp1252 and saved again: the file is Unicode.
    if decoded.encoding.startswith("utf") and _maybe_mojibake(text):
        fixed = _fix_mojibake(text)
        if fixed != text:
            decoded.repairs.append("mojibake")
            text = fixed
            whole_utf8 = False
    # after the mojibake repair, which needs the C1 characters it reads
    # NUL and friends break every tool downstream
    if _utf8_has_control(data) if whole_utf8 else _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: "\n" if m.group() in "\x0b\x0c" else "", text)
        decoded.repairs.append("control_characters")
    normalised = unicodedata.normalize("NFC", text)
    if normalised != text:
        decoded.repairs.append("nfc")
        text = normalised
    if ("Ð" in text or "ð" in text) and _VIETNAMESE_ONLY.search(text):
        text = text.replace("Ð", "Đ").replace("ð", "đ")
        decoded.repairs.append("lookalike")
    decoded.text = text
    return decoded


def _fix_mojibake(text: str) -> str:
    """UTF-8 that was read as cp1252 (or latin-1) and saved again, repaired by
    ftfy when its badness check says so; curly quotes are left alone."""
    import ftfy
    from ftfy import badness

    if not badness.is_bad(text):
        return text
    return ftfy.fix_encoding(text)


# Control bytes that text does not hold (tab, newlines, form feed and ESC are fine).
_CONTROL_BYTES = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27))


def is_probably_binary(data: bytes) -> bool:
    """True for bytes that are not text in any encoding we handle (images, archives...)."""
    head = data[:8192]
    if not head:
        return False
    if head.startswith(_BOM_PREFIXES) or (b"\x00" in head and _looks_utf16(head)):
        return False
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > 0.02 * len(head)
