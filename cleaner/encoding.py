"""Bytes to NFC text, with a record of how the encoding was decided.

Order of evidence, strongest first:
  1. a byte-order mark;
  2. strict UTF-8 (skipped when NUL/ESC bytes suggest UTF-16 or ISO-2022): real
     UTF-8 almost never decodes by accident in a legacy codec, and stale
     `<meta charset>` labels are common, so valid UTF-8 beats the label;
  3. the charset the document declares (`<meta>`, XML declaration), used only
     when the bytes decode strictly in it;
  4. chardet, every answer checked by a strict decode;
  5. cp1252 with replacement characters, recorded as `fallback`.
Text is then normalised to NFC (Vietnamese in windows-1258 arrives with
combining tone marks, which NFC composes).
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass, field

BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: it starts with the same bytes
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

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

# How much of the head of a document is searched for a declared charset.
DECLARATION_WINDOW = 4096
# How many bytes chardet sees; its answer is then checked on the whole input.
DETECTION_WINDOW = 64 * 1024

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)


@dataclass
class Decoded:
    """Text plus the decision that produced it."""

    text: str
    encoding: str
    method: str  # bom | utf8 | declared | detected | fallback
    confidence: float
    repairs: list[str] = field(default_factory=list)


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


def _chardet_candidates(data: bytes) -> list[tuple[str, float]]:
    import chardet  # imported lazily: start-up stays fast for --help

    sample = data[:DETECTION_WINDOW]
    try:
        results = chardet.detect_all(sample)
    except Exception:  # chardet bugs on odd input must not fail a document
        results = []
    out: list[tuple[str, float]] = []
    for result in results:
        label = result.get("encoding")
        name = codec_name(label) if label else None
        if name and name not in (n for n, _ in out):
            out.append((name, float(result.get("confidence") or 0.0)))
    return out


def detect(data: bytes) -> Decoded:
    """Decide how to decode `data` and decode it (before NFC normalisation)."""
    for bom, codec in BOMS:
        if data.startswith(bom):
            text = _strict(data[len(bom):], codec)
            if text is not None:
                return Decoded(text, codec, "bom", 1.0)
            return Decoded(data[len(bom):].decode(codec, "replace"), codec, "bom", 0.5,
                           ["replacement"])

    binaryish = b"\x00" in data or b"\x1b" in data
    if not binaryish:
        text = _strict(data, "utf-8")
        if text is not None:
            return Decoded(text, "utf-8", "utf8", 1.0)

    label = declared_charset(data)
    if label:
        codec = web_codec(label)
        if codec and codec not in ("utf-8", "utf-16", "utf-32"):
            text = _strict(data, codec)
            if text is not None:
                return Decoded(text, codec, "declared", 1.0)

    utf16 = _looks_utf16(data) if binaryish else None
    if utf16:
        text = _strict(data[: len(data) - len(data) % 2], utf16)
        if text is not None:
            return Decoded(text, utf16, "detected", 0.9)

    for codec, confidence in _chardet_candidates(data):
        for candidate in dict.fromkeys((codec, web_codec(codec) or codec)):
            text = _strict(data, candidate)
            if text is not None:
                return Decoded(text, candidate, "detected", round(confidence, 3))

    return Decoded(data.decode("cp1252", "replace"), "cp1252", "fallback", 0.0, ["replacement"])


def decode(data: bytes) -> Decoded:
    """Detect, decode and normalise to NFC, recording each repair made."""
    decoded = detect(data)
    text = decoded.text
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    normalised = unicodedata.normalize("NFC", text)
    if normalised != text:
        decoded.repairs.append("nfc")
    decoded.text = normalised
    return decoded


def is_probably_binary(data: bytes) -> bool:
    """True for bytes that are not text in any encoding we handle (images, archives...)."""
    head = data[:8192]
    if not head:
        return False
    if any(head.startswith(bom) for bom, _ in BOMS) or _looks_utf16(head):
        return False
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 12, 13, 27))
    return controls > 0.02 * len(head)
