"""Tests for cleaner.encoding's labels: declared_charset, web_codec and
codec_name, is_probably_binary, the web supersets a label is widened to, and
declared labels checked against the content (implausible marks)."""

from __future__ import annotations

import gzip
import struct
import unicodedata
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import encoding
from cleaner.encoding import (
    DECLARATION_WINDOW,
    codec_name,
    declared_charset,
    decode,
    is_probably_binary,
    web_codec,
)

from .conftest import VI_TEXT, _chardet_spy, cp1258_bytes, html

# --- declared_charset / web_codec / codec_name ------------------------------------

def _head(tag: bytes) -> bytes:
    return b"<!DOCTYPE html><html><head>" + tag + b"<title>x</title></head><body>x</body></html>"


@pytest.mark.parametrize("data, label", [
    (_head(b'<meta charset="windows-1258">'), "windows-1258"),
    (_head(b"<meta charset='ISO-8859-1'>"), "ISO-8859-1"),
    (_head(b"<META CHARSET=koi8-r>"), "koi8-r"),
    (_head(b'<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">'),
     "windows-1258"),
    (_head(b"<meta http-equiv='content-type' content='text/html;charset=Shift_JIS'/>"), "Shift_JIS"),
    (b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<rss/>', "ISO-8859-1"),
    (b"  <?xml version='1.0' encoding='windows-1258' standalone='yes'?><html/>", "windows-1258"),
])
def test_declared_charset_forms(data, label):
    assert declared_charset(data) == label


def test_declared_charset_absent_or_too_far():
    assert declared_charset(b"<html><head><title>x</title></head></html>") is None
    assert declared_charset(b"") is None
    late = b" " * DECLARATION_WINDOW + b'<meta charset="koi8-r">'
    assert declared_charset(late) is None


@pytest.mark.parametrize("label, codec", [
    ("latin-1", "cp1252"),
    ("iso-8859-1", "cp1252"),
    ("ISO-8859-1", "cp1252"),
    ("latin1", "cp1252"),
    ("gb2312", "gb18030"),
    ("GB2312", "gb18030"),
    ("euc-kr", "cp949"),
    ("windows-1258", "cp1258"),
    (" utf-8 ", "utf-8"),
])
def test_web_codec(label, codec):
    assert web_codec(label) == codec


@pytest.mark.parametrize("label", ["x-no-such-charset", "", "windows-9999"])
def test_unknown_label(label):
    assert codec_name(label) is None
    assert web_codec(label) is None


# --- is_probably_binary ---------------------------------------------------------

def png_bytes() -> bytes:
    """A small but complete PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes((x * 40 + y * 20) % 256 for x in range(12)) for y in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


def test_binary_headers_are_binary():
    assert is_probably_binary(png_bytes())
    assert is_probably_binary(gzip.compress(VI_TEXT.encode("utf-8")))


@pytest.mark.parametrize("data", [
    VI_TEXT.encode("utf-8"),
    cp1258_bytes(VI_TEXT),
    html(VI_TEXT).encode("utf-8"),
    VI_TEXT.encode("utf-16-le"),
    VI_TEXT.encode("utf-16-be"),
    VI_TEXT.encode("utf-16"),
    b"",
], ids=["utf8", "cp1258", "html", "utf16le", "utf16be", "utf16bom", "empty"])
def test_text_is_not_binary(data):
    assert not is_probably_binary(data)


# --- supersets, labels against content ----------------------

JA_TEXT = "設定は1〜16の範囲で指定します。ファイルを開くことができませんでした。もう一度お試しください。" * 4


def _two_byte_sequences():
    singles = [bytes([b]) for b in range(256)]
    return singles + [bytes([a, b]) for a in range(0x80, 0x100) for b in range(0x40, 0x100)]


# Sequences where the wider codec reads text as browsers do, not as Python's narrow codec:
# gb2312 A1A4/A1AA (middle dot, em dash), big5's ETEN rows C6A1-C7FC.
_WHATWG_READINGS = {"gb2312": {b"\xa1\xa4", b"\xa1\xaa"}, "big5": "C6A1-C7FC"}


@pytest.mark.parametrize("narrow", sorted(encoding.WEB_SUPERSETS))
def test_web_supersets_read_text_as_the_narrow_codec(narrow):
    """A label is only widened where the wider codec reads every sequence of
    text the narrow one decodes as it does (controls aside), or as browsers
    read that label (the listed WHATWG readings)."""
    wide = encoding.WEB_SUPERSETS[narrow]
    for seq in _two_byte_sequences():
        try:
            narrow_text = seq.decode(narrow)
        except UnicodeDecodeError:
            continue
        if any(unicodedata.category(ch) == "Cc" for ch in narrow_text):
            continue
        if narrow == "gb2312" and seq in _WHATWG_READINGS["gb2312"]:
            continue
        if narrow == "big5" and len(seq) == 2 and 0xC6A1 <= int.from_bytes(seq, "big") <= 0xC7FC:
            continue
        assert seq.decode(wide) == narrow_text, (narrow, wide, seq)


def test_shift_jis_is_not_widened_to_cp932():
    """cp932 reads 0x8160 as ～ where shift_jis (and WHATWG's Shift_JIS) read 〜."""
    assert b"\x81\x60".decode("shift_jis") == "\u301c" != b"\x81\x60".decode("cp932")
    assert "shift_jis" not in encoding.WEB_SUPERSETS
    assert encoding.labels.narrower_codec("cp932") == "shift_jis"
    assert encoding.labels.declared_codecs("Shift_JIS") == ("shift_jis", "cp932")


def test_chardet_cp932_is_read_as_shift_jis_when_that_decodes():
    data = JA_TEXT.encode("shift_jis")
    assert encoding._chardet_candidates(data)[0][0] == "cp932"  # what chardet 7.7 answers
    result = decode(data)
    assert (result.encoding, result.method) == ("shift_jis", "detected")
    assert "〜" in result.text and "～" not in result.text
    assert "read as shift_jis" in result.evidence


def test_cp932_extensions_keep_cp932():
    result = decode((JA_TEXT + "番号は①から⑩まで。").encode("cp932"))
    assert result.encoding == "cp932"
    assert "①" in result.text


def test_declared_shift_jis_is_read_as_shift_jis():
    page = html(JA_TEXT, '<meta charset="Shift_JIS">')
    result = decode(page.encode("shift_jis"))
    assert (result.encoding, result.method, result.text) == ("shift_jis", "declared", page)


def test_near_tied_code_pages_are_told_apart_by_implausible_characters():
    """chardet ties cp437 with cp850 on this German/French text; cp437 reads
    À and Î as box drawing inside words, cp850 as letters."""
    text = ("Die Datei konnte nicht geöffnet werden. À la carte: CHAÎNE der Übertragung ist zu lang. "
            "Möglicherweise ist der Datenträger voll. ") * 3
    data = text.encode("cp850")
    assert encoding._chardet_candidates(data)[0][0] == "cp437"
    result = decode(data)
    assert (result.encoding, result.text) == ("cp850", text)
    assert "preferred to cp437" in result.evidence


def _page(title: str, body: str, charset: str) -> str:
    return f'<html><head><meta charset="{charset}"><title>{title}</title></head><body><p>{body}</p></body></html>'


@pytest.mark.parametrize("title, body, codec, label, expected", [
    ("Настройки", "Не удалось открыть файл. Проверьте права доступа и повторите попытку. " * 3,
     "cp1251", "iso-8859-1", "cp1251"),
    ("설정", "파일을 열 수 없습니다. 다시 시도하십시오. 설정이 저장되지 않았습니다. " * 3,
     "euc_kr", "windows-1252", "cp949"),
    ("Impostazioni", "La velocità di aggiornamento è più alta, così la qualità è già migliorata. " * 3,
     "iso8859-1", "koi8-r", "cp1252"),
], ids=["cp1251-as-latin1", "euc-kr-as-cp1252", "latin1-as-koi8-r"])
def test_wrong_declared_label_is_checked_against_the_content(title, body, codec, label, expected):
    page = _page(title, body, label)
    result = decode(page.encode(codec))
    assert (result.encoding, result.method, result.declared) == (expected, "detected", label)
    assert result.text == page
    assert result.evidence.startswith(f"declared {label}, but its reading has")


def test_right_label_with_a_few_odd_characters_is_kept(monkeypatch):
    """Unit symbols ("кГц", "дБ") are marks too; a couple never overrule a
    label, and a plausible declared reading is taken without asking chardet."""
    asked = _chardet_spy(monkeypatch)
    page = _page("Звук", "Частота дискретизації 44 кГц, гучність 89 дБ. "
                 + "Перезапустіть програму, щоб застосувати зміни. " * 3, "windows-1251")
    result = decode(page.encode("cp1251"))
    assert (result.encoding, result.method, result.text) == ("cp1251", "declared", page)
    assert asked == []


_WESTERN_WORDS = st.text(alphabet="abcdefghilmnoprstuvzéèàüöäßç", min_size=6, max_size=12)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.lists(_WESTERN_WORDS, min_size=5, max_size=40))
def test_a_plausible_declared_reading_is_kept(words):
    """Western words read as declared have no implausible characters (no
    symbols or other alphabets inside words), so the label stands."""
    page = _page("Größe", " ".join(words) + ".", "windows-1252")
    data = page.encode("cp1252")
    assert encoding.implausible_marks(page) < encoding.LABEL_MIN_MARKS
    result = decode(data)
    assert (result.encoding, result.method, result.text) == ("cp1252", "declared", page)


@pytest.mark.parametrize("text, marks", [
    ("Kui see re˛iim on võimalik", 1),          # spacing ogonek inside a word
    ("la velocitЮ di aggiornamento", 2),        # Cyrillic capital in a Latin word: both rules
    ("de la CHA╫NE", 1),                        # box drawing
    ("ÇÎÊíÇÑ ãæÞÚ", 2),                         # accented capitals after small letters
    ("ïðèâåò ìèð, êàê äåëà? õîðîøî. Ñïàñèáî", 2),  # Cyrillic read as cp1252: 4 all-accented words
    ("Caratteri accentati: àèìòù.", 0),         # one list of accented letters is text
    ("Частота 44 кГц", 1),                      # a real unit symbol counts (hence the thresholds)
    ("Hà Nội mở thêm tuyến xe buýt điện được", 0),
    ("漢字とひらがなとカタカナ、ー々", 0),
])
def test_implausible_marks(text, marks):
    assert encoding.implausible_marks(text) == marks
