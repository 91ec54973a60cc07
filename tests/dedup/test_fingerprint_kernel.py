"""The compiled MinHash kernel (cleaner/_fingerprint.c) against the numpy path:
same signatures and shingle counts on any text, whichever path each text takes."""

from __future__ import annotations

import json
import os
import unicodedata

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import tokens as text_tokens
from cleaner.dedup import minhash

from ..conftest import SAMPLES

kernel = pytest.mark.skipif(minhash._kernel is None, reason="compiled kernel not built")

# Characters that take every branch: ASCII, Vietnamese precomposed and
# decomposed, folds that expand (ß, ﬁ, İ), final sigma, combining marks,
# unspaced scripts (BMP and astral), emoji, astral letters with case
# (Deseret), a CJK compatibility ideograph NFC changes, Hangul jamo,
# surrogates, digits, underscore, punctuation and line breaks.
ALPHABET = ("aAbB xyz ĐđƯư ÀÁẢÃẠ àáảãạ ệỆ e\u0301\u0300\u0323 ßẞ\ufb01İıΣσςΟΔΟΣ Ωℵ²①_1 "
            "中文字ไทยกรุงเทพ\u0e31 😀👍🏽 𝐀𐐀𐐨\U0002F800\U00020000 \u1100\u1161\u11a8가각 "
            "\ud800\udfff \n\t.,-—«»")


def both(texts: list[str], num_perm: int = 64, ngram: int = 3, seed: int = 1):
    return (minhash.fingerprints(texts, num_perm, ngram, seed),
            minhash.numpy_fingerprints(texts, num_perm, ngram, seed))


@kernel
@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET, max_size=60), min_size=1, max_size=6),
       st.sampled_from([1, 2, 3, 5]), st.integers(0, 2**31))
def test_kernel_equals_numpy_path(texts, ngram, seed):
    (sigs, counts), (expected_sigs, expected_counts) = both(texts, 32, ngram, seed)
    assert np.array_equal(counts, expected_counts)
    assert np.array_equal(sigs, expected_sigs)


@kernel
@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=4))
def test_kernel_equals_numpy_path_on_any_unicode(texts):
    (sigs, counts), (expected_sigs, expected_counts) = both(texts, 16, 2)
    assert np.array_equal(counts, expected_counts)
    assert np.array_equal(sigs, expected_sigs)


@kernel
def test_kernel_equals_numpy_path_on_real_pages():
    texts = []
    for name in sorted(os.listdir(SAMPLES)):
        raw = open(os.path.join(SAMPLES, name), "rb").read()
        texts.append(raw.decode("utf-8", "replace"))
    texts += [unicodedata.normalize("NFD", t) for t in texts]
    (sigs, counts), (expected_sigs, expected_counts) = both(texts, 128)
    assert counts.min() > 0
    assert np.array_equal(counts, expected_counts)
    assert np.array_equal(sigs, expected_sigs)


def test_shipped_kernel_table_is_the_built_one():
    if not os.path.exists(text_tokens.kernel_table_path()):
        pytest.skip(f"no table shipped for Unicode {unicodedata.unidata_version}")
    shipped = np.fromfile(text_tokens.kernel_table_path(), dtype="<u4")
    assert np.array_equal(shipped, text_tokens.build_kernel_table())


def test_casefold_not_lower_for_final_sigma():
    # str.lower() writes a word-final capital sigma as ς; casefolding gives σ
    # everywhere, so a capitalised headline and its lower-case copy match.
    assert text_tokens.tokens("ΟΔΟΣ") == text_tokens.tokens("οδος") == ["οδοσ"]


# ---- JSON Lines read in place ----------------------------------------------

from cleaner.document import Options  # noqa: E402
from cleaner.run.jsonl_dedup import read_batch  # noqa: E402

json_scalars = (st.none() | st.booleans() | st.integers(-10**20, 10**20)
                | st.floats(allow_nan=True, allow_infinity=True) | st.text(alphabet=ALPHABET, max_size=30))
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=8)
keys = st.sampled_from(["text", "id", "date", "url", "", "tëxt", "text ", "cluster", "similarity"])
records = st.dictionaries(keys, json_values | st.text(alphabet=ALPHABET, max_size=80), max_size=5)


def python_path(lines, options, id_field="id", text_field="text"):
    saved = minhash._kernel
    minhash._kernel = None
    try:
        return read_batch((lines, list(range(len(lines))), options, id_field, text_field))
    finally:
        minhash._kernel = saved


def assert_same_batches(lines, id_field="id", text_field="text"):
    options = Options(num_perm=16)
    fast = read_batch((lines, list(range(len(lines))), options, id_field, text_field))
    slow = python_path(lines, options, id_field, text_field)
    assert fast.ids == slow.ids
    assert fast.valid.tolist() == slow.valid.tolist()
    assert fast.ours[slow.valid].tolist() == slow.ours[slow.valid].tolist()
    ok = slow.valid
    assert fast.counts[ok].tolist() == slow.counts[ok].tolist()
    assert np.array_equal(fast.sigs[ok], slow.sigs[ok])
    assert fast.lengths[ok].tolist() == slow.lengths[ok].tolist()
    assert fast.dates[ok].tolist() == slow.dates[ok].tolist()


def mutate(line: bytes, data) -> bytes:
    """Break a line the ways real files are broken: cut, a byte changed or inserted."""
    kind = data.draw(st.sampled_from(["keep", "cut", "flip", "insert"]))
    if kind == "keep" or not line:
        return line
    at = data.draw(st.integers(0, len(line) - 1))
    if kind == "cut":
        return line[:at]
    byte = data.draw(st.sampled_from([b'"', b"\\", b"\x00", b"\xff", b"\xc3", b"\xed\xa0\x80", b"}", b",", b" ", b"\n"]))
    if kind == "flip":
        return line[:at] + byte + line[at + 1:]
    return line[:at] + byte + line[at:]


@kernel
@settings(max_examples=300, deadline=None)
@given(st.lists(records, min_size=1, max_size=5), st.booleans(), st.data())
def test_json_lines_read_in_place_equal_python_json(objects, ascii_only, data):
    lines = [mutate(json.dumps(obj, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"), data) + b"\n"
             for obj in objects]
    assert_same_batches(lines)


@kernel
def test_json_lines_edge_cases_equal_python_json():
    lines = [b'{"text": "a b c", "text": "d e f g"}', b'{"text": 5, "text": "late string wins"}',
             b'{"text": "early", "text": 5}', b'{"te\\u0078t": "escaped key"}',
             b'{"text": "\\ud83d\\ude00 pair \\u00e9t\\u00c9", "id": "\\u0041"}',
             b'{"text": "lone \\ud800 surrogate"}', b'{"text": "x", "id": NaN}', b'{"text": "x", "id": -0}',
             b'{"text": "x", "id": 1e400, "date": "2024-05-01"}', b'{"text": "x", "date": 20240501}',
             b'{"text": "x", "id": {"a": [1, 2.5, null, true]}}', b'[' * 300 + b']' * 300,
             b'{"a": ' + b'[' * 300 + b']' * 300 + b', "text": "deep"}', b'\xef\xbb\xbf{"text": "bom"}',
             b'{"text": "tab\there"}', b'{"text": "Stra\xc3\x9fe \xce\x9f\xce\x94\xce\x9f\xce\xa3"}',
             b'{"text": "x"} trailing', b'{"text": "x",}', b'{"text": "\xc0\xaf overlong"}', b'{}', b'"text"',
             b'{"text": "\\/\\b\\f\\n\\r\\t\\"\\\\"}', b'{"text": "ok"}\r\n', b'  {"text" : "spaced" }  ']
    assert_same_batches(lines)
    assert_same_batches(lines, id_field="text")
    assert_same_batches(lines, text_field="date")


# --- the chrome rules' line features (line_keys) --------------------------

def python_line_features(line: str):
    from cleaner.chrome.lines import line_features
    return line_features(line)


@kernel
@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=ALPHABET + "\u3000\u2028\x1c\xa0  ", max_size=80), min_size=1, max_size=6))
def test_line_keys_equal_python(lines):
    """Normal form, word key, word and unspaced counts as lexicon.normalise and
    re.findall give them; None only where Python must fold."""
    for line, found in zip(lines, text_tokens.line_keys(lines)):
        if found is not None:
            assert found == python_line_features(line)
    assert text_tokens.line_keys([l for l in lines if l.isascii()]) == \
        [python_line_features(l) for l in lines if l.isascii()]


@kernel
@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=4))
def test_line_keys_equal_python_on_any_unicode(lines):
    for line, found in zip(lines, text_tokens.line_keys(lines)):
        assert found is None or found == python_line_features(line)


@kernel
def test_line_keys_equal_python_on_real_pages():
    lines = []
    for name in sorted(os.listdir(SAMPLES)):
        lines += open(os.path.join(SAMPLES, name), "rb").read().decode("utf-8", "replace").split("\n")
    found = text_tokens.line_keys(lines)
    assert sum(f is None for f in found) <= len(lines) // 100  # real text rarely needs Python
    assert [f for f in found if f is not None] == \
        [python_line_features(l) for l, f in zip(lines, found) if f is not None]


@kernel
def test_line_keys_collapse_exactly_python_whitespace():
    """Every code point up to U+3100 and some beyond, between two words: the
    kernel's own whitespace test must be str.isspace."""
    points = [*range(0x3100), 0x10000, 0x1D400, 0xE0020, 0x10FFFF]
    lines = [f"a{chr(cp)}{chr(cp)}b" for cp in points if not 0xD800 <= cp < 0xE000]
    for line, found in zip(lines, text_tokens.line_keys(lines)):
        if found is not None:
            assert found == python_line_features(line)


def test_chrome_rules_are_the_same_without_the_kernel(monkeypatch):
    """Every decision on the samples is the same when Python reads the lines."""
    from cleaner.chrome import filter as chrome
    from cleaner.chrome import lines as lines_module
    texts = [open(os.path.join(SAMPLES, name), "rb").read().decode("utf-8", "replace")
             for name in sorted(os.listdir(SAMPLES))]
    with_kernel = [chrome.clean_text(t) for t in texts]
    monkeypatch.setattr(lines_module, "line_keys", lambda lines: None)
    without = [chrome.clean_text(t) for t in texts]
    assert [c.decisions for c in with_kernel] == [c.decisions for c in without]
    assert [c.text for c in with_kernel] == [c.text for c in without]


@given(st.text(alphabet="ab .…。\"”»')!?:;。！？ \t\u3000\u2028", max_size=12))
def test_sentence_ends_read_from_the_end_equal_the_patterns(line):
    """The end-of-line tests read two characters, not the whole line, and
    agree with the patterns on any line (lines hold no newline)."""
    from cleaner.chrome import lines
    assert lines.ends_with_full_stop(line) == bool(lines.FULL_STOP.search(line))
    assert lines.ends_like_sentence(line) == bool(lines.SENTENCE_END.search(line))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=()), max_size=300))
def test_utf8_length_counts_the_bytes_of_the_encoded_text(text):
    """Lone surrogates included, counted as surrogatepass writes them."""
    assert text_tokens.utf8_length(text) == len(text.encode("utf-8", "surrogatepass"))
