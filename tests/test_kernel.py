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

from cleaner import minhash

kernel = pytest.mark.skipif(minhash._kernel is None, reason="compiled kernel not built")
SAMPLES = os.path.join(os.path.dirname(__file__), "..", "samples")

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
    if not os.path.exists(minhash.kernel_table_path()):
        pytest.skip(f"no table shipped for Unicode {unicodedata.unidata_version}")
    shipped = np.fromfile(minhash.kernel_table_path(), dtype="<u4")
    assert np.array_equal(shipped, minhash.build_kernel_table())


def test_casefold_not_lower_for_final_sigma():
    # str.lower() writes a word-final capital sigma as ς; casefolding gives σ
    # everywhere, so a capitalised headline and its lower-case copy match.
    assert minhash.tokens("ΟΔΟΣ") == minhash.tokens("οδος") == ["οδοσ"]
