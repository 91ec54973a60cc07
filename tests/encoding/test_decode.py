"""Tests for cleaner.encoding: how bytes become NFC text, and why."""

from __future__ import annotations

import codecs
import gzip
import struct
import sys
import re
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

from ..conftest import DATA

METHODS = {"bom", "utf8", "declared", "detected", "fallback"}

# A realistic Vietnamese news paragraph (several sentences, ~550 bytes in cp1258).
VI_TEXT = (
    "Từ ngày 1/4, hành khách có thể đi xe buýt điện từ trung tâm Hà Nội đến sân bay "
    "Nội Bài với giá vé 45.000 đồng một lượt. Sở Giao thông vận tải Hà Nội cho biết "
    "tuyến mới dài 35 km, xuất phát từ bến xe Kim Mã, đi qua cầu Nhật Tân và dừng ở cả "
    "hai nhà ga hành khách của sân bay. Mỗi ngày tuyến có 120 chuyến, chạy từ 5 giờ "
    "sáng đến 23 giờ, giãn cách 15 phút vào giờ cao điểm. Theo Sở, sau một năm thí "
    "điểm các tuyến xe buýt điện, số hành khách tăng gần 30%, trong khi lượng khí thải "
    "của đội xe giảm đáng kể."
)
VI_TEXT_2 = (
    "Mùa mưa năm nay đến sớm hơn mọi năm, khiến nhiều tuyến phố ở trung tâm thành phố "
    "bị ngập sâu vào giờ tan tầm. Người dân phải dắt xe máy qua những đoạn đường ngập "
    "quá bánh xe. Công ty thoát nước cho biết đã huy động hàng trăm công nhân túc trực "
    "tại các điểm ngập và sẽ lắp thêm trạm bơm dã chiến trong tuần tới. Theo dự báo, "
    "mưa lớn còn kéo dài đến cuối tháng."
)
# Short (< 100 bytes in cp1258) but still detected reliably.
VI_SHORT = "Xin chào, tôi tên là Minh. Hôm nay trời đẹp quá!"

TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def cp1258_bytes(text: str) -> bytes:
    """Encode NFC text the way Windows-1258 stores Vietnamese: precomposed
    letters where the code page has them, otherwise base letter + tone mark."""
    out = bytearray()
    for char in unicodedata.normalize("NFC", text):
        try:
            out += char.encode("cp1258")
            continue
        except UnicodeEncodeError:
            pass
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in TONE_MARKS))
        out += base.encode("cp1258")
        out += "".join(c for c in parts if c in TONE_MARKS).encode("cp1258")
    return bytes(out)


def html(body: str, head: str = "") -> str:
    return f"<!DOCTYPE html>\n<html><head>{head}<title>Tin</title></head>\n<body><p>{body}</p></body></html>\n"


def png_bytes() -> bytes:
    """A small but complete PNG image."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    rows = b"".join(b"\x00" + bytes((x * 40 + y * 20) % 256 for x in range(12)) for y in range(4))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


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


def _chardet_spy(monkeypatch) -> list[bytes]:
    asked: list[bytes] = []
    real = encoding._chardet_candidates

    def spy(data: bytes):
        asked.append(data)
        return real(data)

    monkeypatch.setattr(encoding, "_chardet_candidates", spy)
    return asked


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


# --- fixtures made by glibc iconv (scripts/make_encoding_fixtures.py) ---------------------

FIXTURES = DATA / "encodings"
FIXTURE_NAMES = sorted(p.name for p in FIXTURES.iterdir() if not p.name.endswith(".expected.txt"))
EXPECTED_METHOD = {
    "cp1258-meta.html": ("cp1258", "declared"), "cp1258-no-meta.html": ("cp1258", "detected"),
    "cp1258-stale-latin1-meta.html": ("cp1258", "detected"), "cp1258.txt": ("cp1258", "detected"),
    "viscii.txt": ("viscii", "detected"), "viscii-no-meta.html": ("viscii", "detected"),
    "short-viscii.txt": ("viscii", "detected"), "tcvn3.txt": ("tcvn3", "detected"),
    "tcvn3-latin1-meta.html": ("tcvn3", "detected"), "short-cp1258.txt": ("cp1258", "detected"),
    "utf16le-no-bom.txt": ("utf-16-le", "detected"), "utf16be-no-bom.txt": ("utf-16-be", "detected"),
    "utf16-bom.txt": ("utf-16-le", "bom"), "utf8-bom.txt": ("utf-8", "bom"),
    "utf8-stale-cp1258-meta.html": ("utf-8", "utf8"), "utf8-stale-latin1-meta.html": ("utf-8", "utf8"),
    "mojibake.txt": ("utf-8", "utf8"), "short-mojibake.txt": ("utf-8", "utf8"),
    "short-utf8.txt": ("utf-8", "utf8"), "lookalike.txt": ("utf-8", "utf8"),
}


def test_every_fixture_has_an_expectation():
    assert set(FIXTURE_NAMES) == set(EXPECTED_METHOD)


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_fixture_decodes_to_the_original_text(name):
    from cleaner import Document, Options, clean

    data = (FIXTURES / name).read_bytes()
    expected = (FIXTURES / f"{name}.expected.txt").read_text(encoding="utf-8").strip()
    result = decode(data)
    assert (result.encoding, result.method) == EXPECTED_METHOD[name]
    if name.endswith(".html"):
        (doc,) = clean([Document(id="x", source=name, raw=data)], Options(dedup=False, site_learning=False))
        assert f"{doc.title}\n{doc.text}" == expected
    else:
        assert result.text.strip() == expected
    if "mojibake" in name:
        assert "mojibake" in result.repairs
    if name == "lookalike.txt":
        assert "lookalike" in result.repairs and "Ð" not in result.text


@pytest.mark.parametrize("text,codec", [
    ("Le café est très apprécié à Paris. Déjà, les élèves préfèrent la crème brûlée et le thé.", "cp1252"),
    ("El niño está en la cocina, más tarde irá a la playa con su mamá y comerá pastel.", "cp1252"),
    ("Die Bürger müssen für die Straßen bezahlen, während die Gebühren für Häuser steigen.", "cp1252"),
    ("Москва — столица России, крупнейший по численности населения город страны и Европы.", "cp1251"),
    ("Η Αθήνα είναι η πρωτεύουσα της Ελλάδας και μία από τις αρχαιότερες πόλεις του κόσμου.", "cp1253"),
])
def test_other_languages_are_not_taken_for_vietnamese(text, codec):
    result = decode(((text + " ") * 3).encode(codec))  # a few sentences' worth
    assert result.encoding not in ("viscii", "tcvn3", "cp1258"), result
    assert result.text.strip() == ((text + " ") * 3).strip()


def test_vietnamese_score():
    from cleaner.encoding import vietnamese_score

    assert vietnamese_score("Hà Nội mở thêm tuyến xe buýt điện")[0] == 1.0
    mojibake = "Hà Nội mở thêm tuyến xe buýt điện nối sân bay".encode().decode("cp1252", "replace")
    assert vietnamese_score(mojibake)[0] < 0.5
    assert vietnamese_score("plain ascii only") == (0.0, 0)


def test_utf8_with_a_few_corrupt_bytes_stays_utf8():
    good = "Xin chào Hà Nội, đây là một đoạn văn bản bình thường. ".encode() * 20
    result = decode(good + b"\xff\xfe\xc3" + good)
    assert (result.encoding, result.method) == ("utf-8", "utf8")
    assert "replacement" in result.repairs
    assert result.text.count("\ufffd") == 3
    assert result.text.startswith("Xin chào Hà Nội")


def test_legacy_bytes_are_not_taken_for_damaged_utf8():
    text = "Sáng nay, hành khách ở thủ đô đã có thể đi xe buýt điện từ bến xe Kim Mã. " * 5
    result = decode((FIXTURES / "cp1258.txt").read_bytes())
    assert result.encoding == "cp1258"
    assert decode(text.encode("cp1252", "ignore")).encoding != "utf-8"


_MOJIBAKE_AND_CONTROLS = st.text(
    alphabet=st.one_of(st.sampled_from(list("ÃáâäÄÆÐÑãï»º€€¼Â\x80\x85\x9f\xa0\xbf\r\n\t\x00\x07\x0b\x0c\x1b\x7f ")),
                       st.characters(blacklist_categories=("Cs",))), max_size=40)


@settings(max_examples=400, deadline=None)
@given(_MOJIBAKE_AND_CONTROLS)
def test_shortcut_tests_agree_with_the_plain_ones(text):
    data = text.encode("utf-8")
    assert encoding._maybe_mojibake(text) == (any(mark in text for mark in encoding._MOJIBAKE_MARKS)
                                              or bool(encoding._MOJIBAKE_A_TILDE.search(text))
                                              or bool(encoding._MOJIBAKE_NBSP.search(text)))
    unix = text.replace("\r\n", "\n").replace("\r", "\n")
    assert encoding._utf8_has_control(data) == bool(encoding._CONTROL.search(unix))


@settings(max_examples=200, deadline=None)
@given(_MOJIBAKE_AND_CONTROLS)
def test_decode_of_valid_utf8_repairs_as_the_text_tests_say(text):
    """The byte tests are a shortcut: the repairs must be those the text tests give."""
    decoded = decode(text.encode("utf-8"))
    if decoded.method == "utf8":
        unix = text.replace("\r\n", "\n").replace("\r", "\n")
        mojibake = encoding._maybe_mojibake(unix) and encoding._fix_mojibake(unix) != unix
        assert ("mojibake" in decoded.repairs) == mojibake
        if not mojibake:
            assert ("control_characters" in decoded.repairs) == bool(encoding._CONTROL.search(unix))


def test_vietnamese_capital_a_tilde_is_not_taken_for_mojibake():
    assert not encoding._maybe_mojibake("NGÃ BA HUẾ, TRANH CÃI: TÂN HOA XÃ đưa tin")
    assert encoding._maybe_mojibake("cafÃ© rÃ¢p")  # café râp read as cp1252
    assert decode("Quán cà phê ở Ngã Ba".encode("utf-8").decode("cp1252").encode("utf-8")).text \
        == "Quán cà phê ở Ngã Ba"


_VI_LETTERS = ("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọ"
               "ồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ")


def _long_mixed_text(seed: int) -> str:
    """Pages of ~3 scoring samples whose mix of letters changes every few
    hundred characters, so a score read over the wrong span differs."""
    import random

    rng = random.Random(seed)
    out: list[str] = []
    while sum(map(len, out)) < 3 * encoding.VIETNAMESE_SAMPLE:
        alphabet = rng.choice([_VI_LETTERS, "abcdeghiklmnopqrstuvxy", _VI_LETTERS[:30] + "€ƒ†‡"])
        out.append(" ".join("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 7)))
                            for _ in range(rng.randint(20, 120))) + "\n")
    return "".join(out)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=3 * encoding.VIETNAMESE_SAMPLE)
       | st.integers(0, 2**32).map(_long_mixed_text)
       .flatmap(lambda t: st.sampled_from([t.encode("utf-8"), cp1258_bytes(t)])))
def test_vietnamese_readings_score_the_same_from_the_decoded_head(data):
    """Each reading is scored on only the bytes the score reads: the scores
    equal those of the whole page decoded."""
    from cleaner.encoding import _nfc_sample, _strict, _vietnamese_candidates, decode_legacy, vietnamese_score

    expected = []
    for codec in ("cp1258", "viscii", "tcvn3"):
        text = _strict(data, codec) if codec == "cp1258" else decode_legacy(data, codec)
        if text is not None:
            score, words = vietnamese_score(_nfc_sample(text))
            expected.append((score, codec, words))
    assert _vietnamese_candidates(data) == sorted(expected, key=lambda r: -r[0])


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32).map(_long_mixed_text).map(cp1258_bytes) | st.binary(max_size=2000))
def test_a_reading_in_the_other_decodings_codec_gives_its_score(data):
    """Told that `other` is the cp1258 decoding, _best_vietnamese takes its
    score from the cp1258 reading instead of scoring it again: same answer."""
    from cleaner.encoding import _best_vietnamese, _strict

    other = _strict(data, "cp1258")
    if other is not None:
        assert _best_vietnamese(data, other, "cp1258") == _best_vietnamese(data, other)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600) | st.just(bytes(range(256))))
def test_legacy_vietnamese_tables_read_each_byte_as_the_published_mapping(data):
    """VISCII and TCVN3 decode as the published byte -> character mapping,
    latin-1 where the codec keeps a byte: one character per byte."""
    import json
    from importlib import resources

    from cleaner.encoding import decode_legacy

    published = json.loads(resources.files("cleaner.encoding").joinpath("vietnamese_8bit.json")
                           .read_text(encoding="utf-8"))
    for name in ("viscii", "tcvn3"):
        mapping = {int(byte, 16): char for byte, char in published[name].items()}
        assert decode_legacy(data, name) == "".join(mapping.get(b, chr(b)) for b in data)


# --- supersets, Vietnamese only when Vietnamese, labels against content ----------------------

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


ITALIAN = ("Abbonamento mensile: il costo è 10 €. Configurazione automatica delle intestazioni "
           "completata senza errori. Elaborazione successiva disponibile immediatamente.")


def test_vietnamese_reading_needs_vietnamese_text():
    """VISCII reads "è" and "€" (0xA4) as syllables ("è", "ấ"), so the accented
    words alone would call this Italian text Vietnamese; most of its words
    are not Vietnamese syllables, so it is not."""
    data = ITALIAN.encode("iso8859-15")
    viscii = encoding.decode_legacy(data, "viscii")
    assert encoding.vietnamese_score(viscii)[0] >= encoding.VIETNAMESE_MIN_SHARE
    assert encoding.vietnamese_text_share(viscii) < encoding.VIETNAMESE_MIN_TEXT_SHARE
    assert encoding._best_vietnamese(data, "x") is None
    assert encoding.vietnamese_text_share(VI_TEXT) >= 0.9
    assert decode(data).text == ITALIAN
    vietnamese = encoding._best_vietnamese(cp1258_bytes(VI_TEXT), "x")
    assert vietnamese is not None and vietnamese[1] == "cp1258"


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


def test_utf16_without_bom_is_read_in_the_byte_order_with_spaces():
    """Hindi in UTF-16-LE has too few NULs for the NUL test, and chardet
    answers big-endian; the little-endian reading is the one with spaces."""
    text = "यह फ़ाइल खोली नहीं जा सकी। कृपया फिर से प्रयास करें। सेटिंग्स को सहेजा नहीं गया।\n" * 4
    result = decode(text.encode("utf-16-le"))
    assert (result.encoding, result.text) == ("utf-16-le", text)


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
