"""Language identification: cleaner's compiled scoring of py3langid's model
gives py3langid's answers, and its model cache never gets in the way."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import language

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
kernel = pytest.mark.skipif(language._kernel is None, reason="compiled kernel not built")

TEXTS = [
    "The quick brown fox jumps over the lazy dog and keeps running far away from the farm.",
    "Der schnelle braune Fuchs springt über den faulen Hund und läuft weit weg vom Bauernhof.",
    "Быстрая коричневая лиса прыгает через ленивую собаку и убегает далеко от фермы.",
    "敏捷的棕色狐狸跳过了懒狗，然后跑到离农场很远的地方。",
    "Con cáo nâu nhanh nhẹn nhảy qua con chó lười rồi chạy thật xa khỏi trang trại.",
    "THE QUICK BROWN FOX JUMPS OVER THE LAZY DOG",
    "", "123 456", "!!!",
]


def reference(text: str) -> tuple[str, float]:
    language_code, probability = language._py3langid().classify(text)
    return language_code, float(probability)


def assert_same(found: list[tuple[str, float]], texts: list[str]) -> None:
    for (code, probability), text in zip(found, texts):
        expected_code, expected_probability = reference(text)
        assert probability == pytest.approx(expected_probability, abs=1e-5), text
        if code != expected_code:  # only a near-tie may go either way
            assert probability < 0.5 + 1e-5, text


@kernel
def test_scores_equal_py3langid_on_real_texts():
    texts = TEXTS + [p.read_bytes().decode("utf-8", "replace")[:300] for p in sorted(SAMPLES.iterdir())]
    assert_same(language.classify_batch(texts), texts)


@kernel
@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=120), min_size=1, max_size=5))
def test_scores_equal_py3langid_on_any_text(texts):
    assert_same(language.classify_batch(texts), texts)


def test_detect_batch_equals_detect_one_by_one():
    texts = TEXTS + [p.read_bytes().decode("utf-8", "replace") for p in sorted(SAMPLES.iterdir())]
    assert language.detect_batch(texts) == [language.detect(t) for t in texts]
    assert language.detect(TEXTS[4]) == "vi" and language.detect(TEXTS[0]) == "en"
    assert language.detect("too short") is None


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("CLEANER_CACHE_DIR", str(tmp_path / "cache"))
    language.load_model.cache_clear()
    yield tmp_path / "cache"
    language.load_model.cache_clear()


def test_model_is_cached_once_and_memory_mapped(cache_dir):
    model = language.load_model()
    entries = list(cache_dir.iterdir())
    assert len(entries) == 1 and entries[0].name.startswith("langid-")
    assert isinstance(model.ptc, np.memmap)
    language.load_model.cache_clear()
    again = language.load_model()
    assert again.classes == model.classes and np.array_equal(again.out, model.out)
    assert language.detect(TEXTS[0]) == "en"


def test_unwritable_cache_falls_back_to_memory(cache_dir):
    cache_dir.parent.mkdir(exist_ok=True)
    cache_dir.write_text("a file where the directory should be")
    model = language.load_model()
    assert not isinstance(model.ptc, np.memmap)
    assert language.detect(TEXTS[1]) == "de"


def test_damaged_cache_is_written_again(cache_dir):
    language.load_model()
    (entry,) = cache_dir.iterdir()
    with open(entry / "out.npy", "r+b") as f:
        f.truncate(200)
    language.load_model.cache_clear()
    model = language.load_model()
    assert isinstance(model.out, np.memmap) and len(model.out) == len(model.row)
    assert language.detect(TEXTS[2]) == "ru"


def test_a_cache_with_transitions_out_of_range_is_written_again(cache_dir):
    """Damage that keeps the files readable (a bit flipped in the DFA) is
    caught when the cache is opened, not by failing every document."""
    language.load_model()
    (entry,) = cache_dir.iterdir()
    nextmove = np.load(entry / "nextmove.npy", mmap_mode="r+")
    nextmove[5] = np.iinfo(nextmove.dtype).max
    nextmove.flush()
    del nextmove
    language.load_model.cache_clear()
    model = language.load_model()
    assert int(model.nextmove.max()) < len(model.row)
    assert language.detect(TEXTS[0]) == "en"


def test_concurrent_first_runs_share_one_cache(cache_dir):
    """Workers of a first run race to write the cache: the loser uses the winner's."""
    model = language.unpack_model(language._model_file())
    path = language._cache_path(language._model_file())
    language._save(model, path)
    language._save(model, path)  # the directory exists by now: no error
    assert [p.name for p in cache_dir.iterdir()] == [os.path.basename(path)]


@kernel
@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=60), max_size=5), st.integers(0, 80))
def test_letter_counts_equal_the_pattern(texts, limit):
    assert language._kernel.letters(texts, limit) == \
        [len(language._LETTER.findall(text[:limit])) for text in texts]
