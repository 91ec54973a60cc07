"""Tests for cleaner.encoding's decode: how bytes become NFC text, and why
(byte-order marks, UTF-8 against declared labels, detection without a label,
chardet's candidates and the fallback)."""

from __future__ import annotations

import codecs
import re
import sys
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import encoding
from cleaner.encoding import declared_charset, decode

from .conftest import VI_SHORT, VI_TEXT, VI_TEXT_2, _chardet_spy, cp1258_bytes, html

METHODS = {"bom", "utf8", "declared", "detected", "fallback"}


def test_cp1258_helper_splits_tone_marks():
    # "ệ" is not in cp1258: ê (0xEA) + combining dot below (0xF2); "ã" is a + tilde (0xDE).
    assert cp1258_bytes("ệ") == b"\xea\xf2"
    assert cp1258_bytes("ã") == b"a\xde"
    assert cp1258_bytes("đ") == b"\xf0"
    with pytest.raises(UnicodeDecodeError):
        cp1258_bytes(VI_TEXT).decode("utf-8")


# --- byte-order marks ---------------------------------------------------------

@pytest.mark.parametrize("bom, codec", [
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
])
def test_bom_decides_and_is_stripped(bom, codec):
    result = decode(bom + VI_TEXT.encode(codec))
    assert (result.encoding, result.method, result.confidence) == (codec, "bom", 1.0)
    assert result.text == VI_TEXT
    assert "\ufeff" not in result.text


ENDIAN = "le" if sys.byteorder == "little" else "be"


@pytest.mark.parametrize("python_codec, expected", [
    ("utf-8-sig", "utf-8"),
    ("utf-16", f"utf-16-{ENDIAN}"),  # Python writes a native-order BOM
    ("utf-32", f"utf-32-{ENDIAN}"),  # UTF-32 LE must not be mistaken for UTF-16 LE
])
def test_bom_from_python_codecs(python_codec, expected):
    result = decode(VI_SHORT.encode(python_codec))
    assert (result.encoding, result.method) == (expected, "bom")
    assert result.text == VI_SHORT


# --- UTF-8 versus declared labels -------------------------------------------------

def test_utf8_beats_stale_meta_label():
    page = html(VI_TEXT, '<meta charset="windows-1252">')
    result = decode(page.encode("utf-8"))
    assert (result.encoding, result.method) == ("utf-8", "utf8")
    assert result.text == page
    assert result.repairs == []


def test_declared_windows_1258_is_used():
    page = html(VI_TEXT, '<meta charset="windows-1258">')
    result = decode(cp1258_bytes(page))
    assert (result.encoding, result.method, result.confidence) == ("cp1258", "declared", 1.0)
    assert result.text == page
    assert "nfc" in result.repairs


def test_declared_http_equiv_form_is_used():
    page = html(VI_TEXT_2, '<meta http-equiv="Content-Type" content="text/html; charset=windows-1258">')
    result = decode(cp1258_bytes(page))
    assert (result.encoding, result.method) == ("cp1258", "declared")
    assert result.text == page


def test_declared_label_that_does_not_decode_is_ignored():
    # Declared as UTF-8 (skipped: strict UTF-8 already failed) on a cp1258 body.
    page = html(VI_TEXT, '<meta charset="utf-8">')
    result = decode(cp1258_bytes(page))
    assert result.method == "detected"
    assert result.text == page


# --- detection without a label ------------------------------------------------

@pytest.mark.parametrize("text", [VI_TEXT, VI_TEXT_2, VI_TEXT + "\n\n" + VI_TEXT_2],
                         ids=["bus", "rain", "both"])
def test_windows_1258_without_meta_is_detected(text):
    data = cp1258_bytes(text)
    assert declared_charset(data) is None
    result = decode(data)
    assert (result.encoding, result.method) == ("cp1258", "detected")
    assert 0.0 < result.confidence <= 1.0
    assert result.text == text
    assert unicodedata.is_normalized("NFC", result.text)
    assert "nfc" in result.repairs


def test_short_windows_1258_is_detected():
    data = cp1258_bytes(VI_SHORT)
    assert len(data) < 100
    result = decode(data)
    assert (result.encoding, result.method) == ("cp1258", "detected")
    assert result.text == VI_SHORT
    assert "nfc" in result.repairs


def test_clear_vietnamese_is_decided_without_chardet(monkeypatch):
    """A page whose windows-1258 reading is clearly Vietnamese (enough accented
    words, far better than the other readings and windows-1252) is decided by
    that reading: chardet is not asked, the confidence is the syllable share."""
    asked = _chardet_spy(monkeypatch)
    text = VI_TEXT + "\n\n" + VI_TEXT_2
    data = cp1258_bytes(text)
    readings = encoding._vietnamese_candidates(data)
    assert readings[0][1] == "cp1258" and readings[0][2] >= encoding.VIETNAMESE_DECISIVE_WORDS
    result = decode(data)
    assert asked == []
    assert (result.encoding, result.method, result.confidence) == ("cp1258", "detected", round(readings[0][0], 3))
    assert result.text == text
    assert "reads as Vietnamese" in encoding.detect(data).evidence


@pytest.mark.parametrize("text", [VI_SHORT, VI_TEXT_2.split(". ")[0] + "."], ids=["short", "sentence"])
def test_vietnamese_with_few_accented_words_still_asks_chardet(monkeypatch, text):
    """Below VIETNAMESE_DECISIVE_WORDS accented words the reading is weighed
    against chardet's answer, as before."""
    asked = _chardet_spy(monkeypatch)
    data = cp1258_bytes(text)
    assert encoding._vietnamese_candidates(data)[0][2] < encoding.VIETNAMESE_DECISIVE_WORDS
    result = decode(data)
    assert len(asked) == 1
    assert (result.encoding, result.text) == ("cp1258", text)


def test_clear_western_text_is_left_to_chardet(monkeypatch):
    """French in windows-1252 reads about as well in windows-1258: no reading
    is decisive, chardet decides."""
    asked = _chardet_spy(monkeypatch)
    french = ("Le café où nous déjeunions était près de la gare; à midi, les employés "
              "y prenaient un plat du jour et un verre de vin rosé. ") * 12
    result = decode(french.encode("cp1252"))
    assert len(asked) == 1
    assert result.text == french


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_detected(codec):
    result = decode(VI_TEXT.encode(codec))
    assert (result.encoding, result.method) == (codec, "detected")
    assert result.text == VI_TEXT


def test_line_endings_are_normalised():
    result = decode(b"one\r\ntwo\rthree\n")
    assert result.text == "one\ntwo\nthree\n"


# --- chardet candidates and the fallback ----------------------------------------

def test_candidate_is_widened_to_its_web_superset(monkeypatch):
    # ascii fails on 0xE9; its web superset cp1252 decodes it.
    monkeypatch.setattr(encoding, "_chardet_candidates", lambda data: [("ascii", 0.42, None)])
    result = decode(b"caf\xe9 cr\xe8me")
    assert (result.encoding, result.method, result.confidence) == ("cp1252", "detected", 0.42)
    assert result.text == "café crème"


def test_fallback_when_no_candidate_decodes(monkeypatch):
    # 0x81 and 0x8D are undefined in cp1252, and neither candidate is strict-decodable.
    monkeypatch.setattr(encoding, "_chardet_candidates",
                        lambda data: [("utf-8", 0.99, None), ("ascii", 0.5, None)])
    result = decode(b"caf\xe9 cr\xe8me \x81\x8d")
    assert (result.encoding, result.method, result.confidence) == ("cp1252", "fallback", 0.0)
    assert result.text == "café crème \ufffd\ufffd"
    assert "replacement" in result.repairs


def test_fallback_on_binary_like_bytes():
    # Every byte value: not UTF-8, no label, not UTF-16, and chardet has no answer.
    data = bytes(range(256)) * 4
    result = decode(data)
    assert (result.encoding, result.method) == ("cp1252", "fallback")
    expected = data.decode("cp1252", "replace").replace("\r\n", "\n").replace("\r", "\n")
    expected = re.sub("[\x00-\x08\x0e-\x1f\x7f-\x9f]", "", expected).replace("\x0b", "\n").replace("\x0c", "\n")
    assert result.text == unicodedata.normalize("NFC", expected)
    assert "replacement" in result.repairs and "control_characters" in result.repairs


def test_control_characters_are_removed_and_recorded():
    result = decode("Một\x00 hai\x1b[31m ba\x0cbốn\x85 năm\x7f".encode("utf-8"))
    assert result.text == "Một hai[31m ba\nbốn năm"
    assert result.repairs == ["control_characters"]


@settings(max_examples=150, deadline=None, derandomize=True)
@given(st.binary(max_size=2048))
def test_decode_never_raises(data):
    result = decode(data)
    assert isinstance(result.text, str)
    assert result.method in METHODS
    assert "\r" not in result.text
    assert unicodedata.is_normalized("NFC", result.text)


def test_meta_charset_undefined_does_not_crash():
    # charset="undefined" is a common artefact of JavaScript-built pages.
    page = html(VI_TEXT, '<meta charset="undefined">')
    result = decode(cp1258_bytes(page))
    assert result.text == page


# --- UTF-8 with a few corrupt bytes, UTF-16 without a BOM ---------------------------

def test_utf8_with_a_few_corrupt_bytes_stays_utf8():
    good = "Xin chào Hà Nội, đây là một đoạn văn bản bình thường. ".encode() * 20
    result = decode(good + b"\xff\xfe\xc3" + good)
    assert (result.encoding, result.method) == ("utf-8", "utf8")
    assert "replacement" in result.repairs
    assert result.text.count("\ufffd") == 3
    assert result.text.startswith("Xin chào Hà Nội")


def test_utf16_without_bom_is_read_in_the_byte_order_with_spaces():
    """Hindi in UTF-16-LE has too few NULs for the NUL test, and chardet
    answers big-endian; the little-endian reading is the one with spaces."""
    text = "यह फ़ाइल खोली नहीं जा सकी। कृपया फिर से प्रयास करें। सेटिंग्स को सहेजा नहीं गया।\n" * 4
    result = decode(text.encode("utf-16-le"))
    assert (result.encoding, result.text) == ("utf-16-le", text)
