"""Encoding labels: their Python codecs, the charset a document declares, and
which wider codec a label or a detector's answer may be read with.

A wider codec is only used in place of a narrow one where it reads every
byte sequence of text as the narrow codec does, or as browsers read that
label (the WHATWG Encoding Standard): latin-1 -> cp1252 differ only at C1
controls, which text never holds; gb2312 -> gb18030 differ at A1A4 and A1AA,
where gb18030 gives the middle dot and em dash browsers show. shift_jis ->
cp932 is not such a pair: cp932 reads 0x8160 as U+FF5E (～) where Python's
shift_jis and the WHATWG Shift_JIS decoder read U+301C (〜), and six more
sequences differ, so cp932 is only used when the bytes need its extensions.
the encoding tests check the tables against Python's codecs.
"""

from __future__ import annotations

import codecs
import re

# Labels browsers read with a wider codec, and the Python codec that reads
# text as they do (see the module docstring).
WEB_SUPERSETS = {
    "latin_1": "cp1252",
    "iso8859_1": "cp1252",
    "ascii": "cp1252",
    "iso8859_9": "cp1254",
    "iso8859_11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_kr": "cp949",
    "big5": "big5hkscs",
}
# Codecs tried, in order, for a label whose narrow codec is how browsers read
# most of it: cp932 only when shift_jis fails on its NEC/IBM extensions.
_DECLARED_FALLBACKS = {"shift_jis": "cp932"}
# A detector's answer that is a sibling of a narrower standard codec, read
# with the standard one whenever it decodes the input: chardet names CP932
# for Shift_JIS text, whose 〜 it would turn into ～.
NARROWER = {"cp932": "shift_jis"}

# How much of the head of a document is searched for a declared charset.
DECLARATION_WINDOW = 4096
# How many bytes chardet sees; its answer is then checked on the whole input.
DETECTION_WINDOW = 64 * 1024

_META_CHARSET = re.compile(
    rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_HTTP_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


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


def _key(name: str) -> str:
    return name.replace("-", "_")


def web_codec(label: str) -> str | None:
    """The codec to decode a declared label with: its web superset if it has one."""
    name = codec_name(label)
    if name is None:
        return None
    return codec_name(WEB_SUPERSETS.get(_key(name), name))


def declared_codecs(label: str) -> tuple[str, ...]:
    """The codecs to try, in order, for a declared label (see web_codec)."""
    codec = web_codec(label)
    if codec is None:
        return ()
    fallback = _DECLARED_FALLBACKS.get(_key(codec))
    return (codec, fallback) if fallback else (codec,)


def narrower_codec(codec: str) -> str | None:
    """The standard codec to read a detector's answer with, if it has one."""
    narrow = NARROWER.get(_key(codec))
    return codec_name(narrow) if narrow else None


def strict_decode(data: bytes, codec: str) -> str | None:
    """`data` decoded in `codec`, or None when any byte does not decode."""
    try:
        return data.decode(codec)
    except (UnicodeError, LookupError):
        return None


def _declaration(data: bytes) -> re.Match[bytes] | None:
    head = data[:DECLARATION_WINDOW]
    return _XML_ENCODING.search(head) or _META_CHARSET.search(head)


def declared_charset(data: bytes) -> str | None:
    """The charset a document declares in its head (`<meta>` or XML), if any."""
    match = _declaration(data)
    return match.group(1).decode("ascii", "replace") if match else None


def without_declaration(data: bytes) -> bytes:
    """`data` with the label of its charset declaration blanked out (same
    length), so that a detector judges the content and not the label."""
    match = _declaration(data)
    if match is None:
        return data
    start, end = match.span(1)
    return data[:start] + b"x" * (end - start) + data[end:]


def http_charset(content_type: str | None) -> str | None:
    """The charset of an HTTP Content-Type header, if it names one."""
    match = _HTTP_CHARSET.search(content_type or "")
    return match.group(1) if match else None
