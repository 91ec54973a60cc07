"""Language identification: cleaner's compiled scoring of py3langid's model
gives py3langid's answers, and its model cache never gets in the way."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner import language

from .conftest import SAMPLES

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


def test_installs_of_the_same_model_share_one_cache_entry(tmp_path, cache_dir):
    """One entry per model, not per virtual environment: the key is the
    model file's content, not where it lies or when it was installed."""
    model = Path(language._model_file()).read_bytes()
    venvs = []
    for n, when in enumerate((1_600_000_000, 1_700_000_000)):
        copy = tmp_path / f"venv{n}" / "py3langid" / "data" / "model.npz.xz"
        copy.parent.mkdir(parents=True)
        copy.write_bytes(model)
        os.utime(copy, (when, when))
        venvs.append(str(copy))
    other = tmp_path / "other.npz.xz"
    other.write_bytes(model[:-1] + bytes([model[-1] ^ 1]))
    assert language._cache_path(venvs[0]) == language._cache_path(venvs[1])
    assert language._cache_path(str(other)) != language._cache_path(venvs[0])


def _aged(path: Path, days: float) -> None:
    when = time.time() - days * 24 * 3600
    os.utime(path, (when, when))


def test_stale_entries_of_other_models_are_removed(cache_dir):
    cache_dir.mkdir()
    old_layout = cache_dir / "langid-v1-4586720-1796579361639481489"  # keyed by the install, as before
    other_model = cache_dir / "langid-v1-0123456789abcdef01234567"
    in_use = cache_dir / "langid-v1-76543210fedcba9876543210"  # another model, used lately
    left_by_a_killed_writer = cache_dir / ".langid-k1ll3d"
    unrelated = cache_dir / "notes"
    for entry in (old_layout, other_model, in_use, left_by_a_killed_writer, unrelated):
        entry.mkdir()
        (entry / "out.npy").write_bytes(b"x")
    for entry in (old_layout, other_model, left_by_a_killed_writer, unrelated):
        _aged(entry, 3)
    _aged(in_use, 0.5)
    language.load_model()
    own = Path(language._cache_path(language._model_file()))
    assert sorted(p.name for p in cache_dir.iterdir()) == sorted([own.name, in_use.name, unrelated.name])


def test_an_entry_long_unused_is_marked_used_again_when_opened(cache_dir):
    language.load_model()
    (entry,) = cache_dir.iterdir()
    _aged(entry, 3)
    language.load_model.cache_clear()
    language.load_model()
    assert time.time() - entry.stat().st_mtime < 60  # another model's run will not take it for stale


MAPPED_BY_ANOTHER_PROCESS = """
import sys
from cleaner import language
model = language.load_model()
print(type(model.ptc).__name__, flush=True)
sys.stdin.readline()  # meanwhile the entry it maps is removed
print(language.detect(sys.argv[1]), flush=True)
"""


def test_removing_a_stale_entry_does_not_break_a_process_that_maps_it(cache_dir, monkeypatch):
    process = subprocess.Popen([sys.executable, "-c", MAPPED_BY_ANOTHER_PROCESS, TEXTS[0]],
                               env=dict(os.environ, CLEANER_CACHE_DIR=str(cache_dir)),
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout.readline().strip() == "memmap"
        (entry,) = cache_dir.iterdir()
        _aged(entry, 3)
        monkeypatch.setattr(language, "model_key", lambda model_file: "another-model")  # an upgrade
        language.load_model()
        assert [p.name for p in cache_dir.iterdir()] == [f"langid-v{language.CACHE_FORMAT}-another-model"]
        process.stdin.write("go on\n")
        process.stdin.flush()
        assert process.stdout.readline().strip() == "en"
        assert process.wait(timeout=60) == 0
    finally:
        process.kill()
