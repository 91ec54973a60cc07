"""Tests for cleaner.encoding on Vietnamese: the fixtures made by glibc iconv,
the Vietnamese score and readings, the legacy 8-bit tables (VISCII, TCVN3),
and the mojibake and control-character repairs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import encoding
from cleaner.encoding import decode

from ..conftest import DATA
from .conftest import VI_TEXT, cp1258_bytes

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


def test_legacy_bytes_are_not_taken_for_damaged_utf8():
    text = "Sáng nay, hành khách ở thủ đô đã có thể đi xe buýt điện từ bến xe Kim Mã. " * 5
    result = decode((FIXTURES / "cp1258.txt").read_bytes())
    assert result.encoding == "cp1258"
    assert decode(text.encode("cp1252", "ignore")).encoding != "utf-8"


# --- mojibake and control characters: the repairs ---------------------------------

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


# --- Vietnamese readings and the legacy 8-bit tables --------------------------------

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
