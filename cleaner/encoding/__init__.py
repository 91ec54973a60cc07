"""Bytes to NFC text, with a record of how the encoding was decided.

Order of evidence, strongest first (each step measured on real files, see
README "Encoding"):
  1. a byte-order mark (UTF-8, UTF-16 LE/BE, UTF-32);
  2. strict UTF-8 (skipped when NUL, ESC or "~{" bytes suggest UTF-16,
     ISO-2022 or HZ): real UTF-8 almost never decodes by accident in a legacy
     codec, and stale `<meta charset>` labels are common, so valid UTF-8 beats
     the label;
  3. the declared charset (HTTP header given by the caller, then `<meta>` or
     the XML declaration), read as browsers read it (labels.py), used when
     the bytes decode strictly in it and its reading is plausible: a
     cp1252/latin-1 label on Vietnamese text is checked against windows-1258
     and the 8-bit Vietnamese encodings, which old sites mislabel, and a
     reading with implausible characters (plausibility.py) is checked against
     what the content reads as with the label blanked out;
  4. the legacy Vietnamese encodings Python has no codec for (VISCII, TCVN3),
     and windows-1258, scored by how many words read as Vietnamese syllables
     and taken only when the text as a whole reads as Vietnamese
     (vietnamese.py): a reading that is decisive (enough accented words,
     clearly better than the others and than windows-1252) is taken before
     chardet is asked; otherwise the best reading is weighed against
     chardet's answer;
  5. chardet (all encoding eras, no superset renaming), every answer checked
     by a strict decode, read with its standard codec where chardet names a
     sibling superset, and weighed against its near rivals by implausible
     characters (answers.py); no confidence cut-off (chardet is often 0.3-0.5
     sure of correct windows-1258);
  6. cp1252 with replacement characters, recorded as `fallback`.
Then repairs, each recorded: control characters removed (NUL, C1...),
mojibake (UTF-8 read as cp1252 and saved again)
fixed with ftfy, NFC, and look-alike letters folded in Vietnamese text
(Ð U+00D0 -> Đ U+0110).

Here: `decode` and the order above; labels.py (charset labels as browsers
read them), vietnamese.py (+ vietnamese_8bit.json: VISCII, TCVN3 and the
syllable score), answers.py (chardet's answers weighed), plausibility.py
(characters no real text of a script holds). Imports nothing of cleaner.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

from .answers import chardet_candidates as _chardet_candidates
from .answers import choose_reading, first_reading
from .labels import (
    DECLARATION_WINDOW,
    DETECTION_WINDOW,
    WEB_SUPERSETS,
    codec_name,
    declared_charset,
    declared_codecs,
    http_charset,
    web_codec,
    without_declaration,
)
from .labels import strict_decode as _strict
from .plausibility import implausible_marks
from .vietnamese import (
    _VIETNAMESE_ONLY,
    TONE_MARKS,
    VIETNAMESE_DECISIVE_WORDS,
    VIETNAMESE_MARGIN,
    VIETNAMESE_MIN_SHARE,
    VIETNAMESE_MIN_TEXT_SHARE,
    VIETNAMESE_SAMPLE,
    _best_vietnamese,
    _decisive_vietnamese,
    _is_syllable,
    _legacy_tables,
    _nfc_sample,
    _vietnamese_candidates,
    decode_legacy,
    vietnamese_score,
    vietnamese_text_share,
)

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# All of them, for one startswith call (most inputs have none).
_BOM_PREFIXES = tuple(bom for bom, _ in BOMS)

# Declared labels that old Vietnamese sites put on windows-1258, VISCII or TCVN3 pages.
_WESTERN = {"cp1252", "latin_1", "iso8859_1", "iso8859_15", "ascii"}
# A declared reading is checked against the content when it has at least
# this many implausible characters, and the content's reading replaces it
# when it has at most a quarter as many. Real text has a few (unit symbols
# such as "кГц", acronyms such as "DVDի"), so a stray mark or two never
# overrules a label.
LABEL_MIN_MARKS = 3
LABEL_MARKS_RATIO = 4
# Characters of a declared reading that are read for marks: a wrong label
# leaves them all through a page, so its start tells (and costs a quarter).
LABEL_SAMPLE_CHARS = 8192

# Pairs that UTF-8 read as cp1252 leaves behind: "Ã©" (é), "á»" and "áº"
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
        declared = _declared(data, label)
        if declared is not None:
            return declared

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

    # chardet honours a declaration it finds; the label was weighed above.
    probe = without_declaration(data) if label else None
    return _detect_content(data, label, probe) or Decoded(
        data.decode("cp1252", "replace"), "cp1252", "fallback", 0.0, ["replacement"],
        declared=label, evidence="no strict decoding found")


def _detect_content(data: bytes, label: str | None, probe: bytes | None = None) -> Decoded | None:
    """The input's encoding from its content alone: the Vietnamese readings,
    then chardet's answers (chardet sees `probe` when given: the input with
    its declaration blanked out) as answers.choose_reading reads them."""
    readings = [] if data[:DETECTION_WINDOW].isascii() else _vietnamese_candidates(data)
    decisive = _decisive_vietnamese(data, readings)
    if decisive:
        return _vietnamese(decisive, label, "reads as Vietnamese")
    candidates = _chardet_candidates(data if probe is None else probe)
    first = first_reading(data, candidates)
    top = first[1] if first else None
    better = _best_vietnamese(data, top.text if top else None, top.codec if top else None, readings)
    if better and not (top and top.codec == better[1]):
        return _vietnamese(better, label, "reads as Vietnamese")
    chosen = choose_reading(data, candidates, first)
    if chosen is None:
        return None
    return Decoded(chosen.text, chosen.codec, "detected", chosen.confidence, declared=label,
                   evidence=chosen.evidence)


def _declared(data: bytes, label: str) -> Decoded | None:
    """The input read in its declared charset, when that decodes it strictly
    and reads as plausibly as the content does; else the content's reading
    when the label was overruled, or None (the label does not decode)."""
    for codec in declared_codecs(label):
        if codec in ("utf-8", "utf-16", "utf-32"):
            return None
        text = _strict(data, codec)
        if text is None:
            continue
        if codec.replace("-", "_") in _WESTERN:
            better = _best_vietnamese(data, text)
            if better:
                return _vietnamese(better, label, f"declared {label}, but reads as Vietnamese")
        marks = implausible_marks(text, LABEL_SAMPLE_CHARS)
        if marks >= LABEL_MIN_MARKS:
            content = _detect_content(data, label, probe=without_declaration(data))
            if content is not None and content.encoding != codec and content.text != text:
                content_marks = implausible_marks(content.text, LABEL_SAMPLE_CHARS)
                if content_marks * LABEL_MARKS_RATIO <= marks:
                    content.evidence = (f"declared {label}, but its reading has {marks} implausible characters "
                                        f"(symbols inside words, mixed alphabets, controls) and the content reads "
                                        f"as {content.encoding} with {content_marks}; {content.evidence}")
                    return content
        return Decoded(text, codec, "declared", 1.0, declared=label,
                       evidence=f"declared {label}, decodes strictly")
    return None


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

