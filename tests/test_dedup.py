"""Tests for cleaner.dedup: shingles, MinHash signatures, LSH grouping."""

from __future__ import annotations

import itertools
import random
import unicodedata

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.dedup import Deduplicator, UnionFind, estimated_jaccard, shingles, signature, tokens

# ~150 words of news text, and a near-duplicate: 3 words changed, a source line appended.
ARTICLE = (
    "The city council approved a new electric bus line on Tuesday that will connect the "
    "central station with the international airport starting in April. Passengers will pay "
    "a flat fare of two dollars for a single trip, and monthly passes will be accepted on "
    "every vehicle. The transport department said the route is thirty five kilometres long "
    "and will cross the new river bridge before stopping at both passenger terminals. Buses "
    "will run every fifteen minutes during rush hour and every half hour late in the "
    "evening, from five in the morning until eleven at night. Each vehicle carries free "
    "wireless internet, charging ports for phones and racks for large suitcases. Officials "
    "expect about nine thousand riders a day in the first year. After a pilot program last "
    "year, ridership on electric routes grew by almost thirty percent while emissions from "
    "the municipal fleet fell sharply, according to a report published by the department "
    "this week."
)
NEAR_COPY = (
    ARTICLE.replace("Tuesday", "Monday")
    .replace("nine thousand", "ten thousand")
    .replace("sharply", "significantly")
    + "\nSource: Valley Courier"
)
OTHER_COPY = ARTICLE.replace("two dollars", "three dollars") + "\nReported by County Times staff"
UNRELATED = (
    "Heavy rain flooded several streets in the old quarter during the evening commute, and "
    "drivers pushed motorbikes through water that reached above the wheels. The drainage "
    "company sent hundreds of workers to pump stations and promised temporary pumps at the "
    "worst junctions next week. Forecasters expect storms to continue until the end of the "
    "month, with the heaviest showers in the mountains to the north."
)

WORDS = ("xe buýt điện Hà Nội sân bay tuyến mới giá vé đồng hành khách the bus line airport "
         "river bridge fare city council rain storm flood pump street Straße ĐÀ NẴNG").split()


def test_tokens_casefold_and_nfc():
    assert tokens("Straße, HÀ NỘI!  x_y 42") == ["strasse", "hà", "nội", "x_y", "42"]
    assert tokens(unicodedata.normalize("NFD", "Hà Nội")) == ["hà", "nội"]
    assert tokens("... --- !!!") == []


def test_shingles_are_utf8_word_ngrams():
    assert shingles("A b, C d", 3) == [b"a b c", b"b c d"]
    assert shingles("Hà Nội mở", 2) == ["hà nội".encode("utf-8"), "nội mở".encode("utf-8")]
    assert shingles("one two three", 1) == [b"one", b"two", b"three"]


def test_shingles_short_and_empty_text():
    assert shingles("Xin chào", 3) == ["xin chào".encode("utf-8")]
    assert shingles("", 3) == []
    assert shingles("?! -", 3) == []


def test_signature_none_for_no_words():
    assert signature("") is None
    assert signature("  ... !!! ") is None


def test_signature_shape_dtype_and_determinism():
    sig = signature(ARTICLE, num_perm=64, ngram=3, seed=7)
    assert sig.dtype == np.uint32 and sig.shape == (64,)
    assert np.array_equal(sig, signature(ARTICLE, num_perm=64, ngram=3, seed=7))
    assert not np.array_equal(sig, signature(ARTICLE, num_perm=64, ngram=3, seed=8))
    # NFD input, different case: same tokens, same signature.
    variant = unicodedata.normalize("NFD", ARTICLE.upper())
    assert np.array_equal(sig, signature(variant, num_perm=64, ngram=3, seed=7))


@settings(max_examples=60, deadline=None, derandomize=True)
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=200),
       num_perm=st.sampled_from([16, 64, 128]),
       ngram=st.integers(min_value=1, max_value=5),
       seed=st.integers(min_value=0, max_value=2**31 - 1))
def test_signature_matches_datasketch(words, num_perm, ngram, seed):
    text = " ".join(words)
    expected = MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
    expected.update_batch(shingles(text, ngram))
    sig = signature(text, num_perm=num_perm, ngram=ngram, seed=seed)
    assert sig.dtype == np.uint32
    assert sig.tobytes() == np.asarray(expected.hashvalues, dtype=np.uint32).tobytes()
    assert np.array_equal(sig.astype(np.uint64), np.asarray(expected.hashvalues, dtype=np.uint64))


def test_signature_matches_datasketch_seeded_corpus():
    rng = random.Random(1234)
    for _ in range(20):
        text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 300)))
        expected = MinHash(num_perm=128, seed=1, scheme="affine32")
        expected.update_batch(shingles(text, 3))
        assert np.array_equal(signature(text), expected.hashvalues)


def test_estimated_jaccard():
    a, b = signature(ARTICLE), signature(UNRELATED)
    assert estimated_jaccard(a, a.copy()) == 1.0
    assert estimated_jaccard(a, b) < 0.1
    assert 0.6 < estimated_jaccard(a, signature(NEAR_COPY)) < 1.0


def grouping_of(texts: dict[int, str], order, threshold: float = 0.5):
    dedup = Deduplicator(threshold=threshold, num_perm=128, seed=1)
    for key in order:
        dedup.add(key, signature(texts[key]))
    return dedup.grouping()


def test_near_duplicate_grouped_with_first_as_root():
    result = grouping_of({0: ARTICLE, 1: NEAR_COPY, 2: UNRELATED}, [0, 1, 2])
    assert result.members == {0: [0, 1]}
    assert result.root_of == {0: 0, 1: 0}
    assert 2 not in result.root_of
    assert 0.6 < result.similarity[1] < 1.0
    assert set(result.similarity) == {1}


def test_unrelated_texts_stay_apart():
    result = grouping_of({0: ARTICLE, 1: UNRELATED}, [0, 1])
    assert (result.members, result.root_of, result.similarity) == ({}, {}, {})


def test_documents_without_words_are_ignored():
    dedup = Deduplicator(threshold=0.5, num_perm=128)
    dedup.add(0, signature(ARTICLE))
    dedup.add(1, None)
    dedup.add(2, signature(ARTICLE))
    assert dedup.grouping().members == {0: [0, 2]}


def test_grouping_does_not_depend_on_insertion_order():
    texts = {0: ARTICLE, 1: NEAR_COPY, 2: OTHER_COPY, 3: UNRELATED}
    reference = grouping_of(texts, [0, 1, 2, 3])
    assert reference.members == {0: [0, 1, 2]}
    assert reference.root_of == {0: 0, 1: 0, 2: 0}
    for order in itertools.permutations(texts):
        result = grouping_of(texts, order)
        assert result.members == reference.members, order
        assert result.root_of == reference.root_of, order
        assert result.similarity == reference.similarity, order


def test_union_find_root_is_smallest_key():
    union = UnionFind()
    union.union(5, 3)
    union.union(9, 5)
    union.union(8, 7)
    union.union(2, 8)
    assert union.find(9) == 3
    assert union.find(7) == 2
    union.find(42)  # a singleton
    assert union.groups() == {3: [3, 5, 9], 2: [2, 7, 8]}


def test_union_find_groups_only_larger_than_one():
    union = UnionFind()
    for key in range(5):
        union.find(key)
    union.union(4, 4)
    assert union.groups() == {}
    union.union(4, 1)
    assert union.groups() == {1: [1, 4]}


def test_union_find_long_chain():
    union = UnionFind()
    for key in range(3000, 0, -1):
        union.union(key, key - 1)
    assert union.groups() == {0: list(range(3001))}
