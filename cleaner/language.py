"""Language of the clean text (ISO 639-1), with py3langid's model.

py3langid is trafilatura's own optional language identifier: naive Bayes over
byte n-grams that a DFA walk finds. cleaner scores with its model but not its
code, for two costs that dominated text dumps (a fifth of a run):
  * py3langid walks the bytes in a Python loop and converts the model's
    float16 rows in numpy; cleaner/_native/_langid.c does both compiled (without a C
    compiler, py3langid itself classifies);
  * its model is 4.5 MB of LZMA that takes 0.6 s to unpack, in every worker,
    into 50 MB each. cleaner unpacks it once into a cache directory
    (`CLEANER_CACHE_DIR`, else `$XDG_CACHE_HOME/cleaner`, else
    ~/.cache/cleaner) as .npy files and memory-maps them: workers share one
    copy through the page cache and start in milliseconds. When the cache
    cannot be written, the model is unpacked in memory as before.
The cache entry is named after a hash of the packed model's content, so that
every install of the same model (one per virtual environment) shares one
65 MB entry; entries of other models left unused for a day go.
Scores and decisions equal py3langid's `classify` (tests compare them).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
import unicodedata
from dataclasses import dataclass
from functools import cached_property, lru_cache

import numpy as np

try:
    from ._native import _langid as _kernel
except ImportError:  # built without a C compiler
    _kernel = None

# Below this many characters of text, or this probability, say nothing.
MIN_CHARS = 40
MIN_PROBABILITY = 0.5
# A few hundred characters name the language about as well as the whole text does.
SAMPLE_CHARS = 300
_LETTER = re.compile(r"[^\W\d_]")
# Bumped when the cached layout changes.
CACHE_FORMAT = 1
_ARRAYS = ("ptc", "pc", "nextmove", "row", "out")
# Another model's cache entry (another py3langid, or an entry named the old
# way, after the install's path) unused this long is removed. A day, not at
# once: two installs of different models in use side by side would otherwise
# remove each other's entry, and unpack and write 65 MB, on every run.
STALE_SECONDS = 24 * 3600
# A process marks its entry as used (its modification time) when the mark is
# older than this: a write an hour at most, not one per worker.
MARK_USED_SECONDS = 3600


@dataclass(frozen=True)
class Model:
    """py3langid's model as flat arrays: feature x class log-probabilities
    (float16), class priors, the DFA (distinct transition rows, each state's
    row, each state's emitted feature or -1) and class labels."""

    ptc: np.ndarray
    pc: np.ndarray
    nextmove: np.ndarray
    row: np.ndarray
    out: np.ndarray
    classes: tuple[str, ...]

    @cached_property
    def alias_pairs(self) -> list[tuple[int, int]]:
        """(first, repeat) columns of labels listed twice (script variants)."""
        first: dict[str, int] = {}
        pairs = []
        for i, label in enumerate(self.classes):
            if label in first:
                pairs.append((first[label], i))
            else:
                first[label] = i
        return pairs


def _model_file() -> str:
    from py3langid.langid import MODEL_DIR, MODEL_FILE

    return os.path.join(MODEL_DIR, MODEL_FILE)


def cache_dir() -> str:
    return os.environ.get("CLEANER_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "cleaner")


def model_key(model_file: str) -> str:
    """A hash of the packed model's bytes (6 ms): installs of the same model
    share a cache entry wherever they are and whenever they were made."""
    with open(model_file, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()[:24]


def _cache_path(model_file: str) -> str:
    return os.path.join(cache_dir(), f"langid-v{CACHE_FORMAT}-{model_key(model_file)}")


def _mark_used(path: str) -> None:
    """Keep `path` from being taken for stale, and sweep the others now and
    then (when the mark is renewed)."""
    try:
        if time.time() - os.stat(path).st_mtime < MARK_USED_SECONDS:
            return
        os.utime(path)
    except OSError:  # a cache someone else owns: theirs to keep
        return
    remove_stale(path)


def remove_stale(keep: str) -> None:
    """Remove the entries beside `keep` unused for STALE_SECONDS, and what
    killed writers left (staging directories). Safe for a process using one:
    an entry is renamed away first (whoever opens it next unpacks the model
    again), and its files are unlinked while that process's maps of them stay
    valid (POSIX frees a mapped file's blocks with the last map)."""
    parent, own = os.path.split(keep)
    try:
        names = os.listdir(parent)
    except OSError:
        return
    now = time.time()
    for name in names:
        if name == own or not name.startswith(("langid-", ".langid-", ".stale-langid-")):
            continue
        path = os.path.join(parent, name)
        try:
            if now - os.stat(path).st_mtime < STALE_SECONDS:
                continue
            if not name.startswith(".stale-"):
                doomed = os.path.join(parent, f".stale-{name}-{os.getpid()}")
                os.rename(path, doomed)
                path = doomed
        except OSError:  # gone already (another process swept it), or not ours
            continue
        shutil.rmtree(path, ignore_errors=True)


def unpack_model(model_file: str) -> Model:
    """The model from py3langid's packed file (the slow way: 0.6 s)."""
    from py3langid.modelio import load_model

    ptc, pc, classes, nextmove, row, out = load_model(model_file)
    nextmove = np.frombuffer(nextmove, dtype=np.uint16 if nextmove.itemsize == 2 else np.uint32)
    return Model(ptc=np.ascontiguousarray(ptc), pc=np.asarray(pc, dtype=np.float32),
                 nextmove=nextmove, row=np.frombuffer(row, dtype=f"u{row.itemsize}").astype(np.uint32),
                 out=np.asarray(out, dtype=np.int32), classes=tuple(classes))


def _save(model: Model, path: str) -> None:
    """Write the model's arrays into `path` (a directory) atomically."""
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".langid-", dir=parent)
    try:
        for name in _ARRAYS:
            np.save(os.path.join(staging, f"{name}.npy"), getattr(model, name), allow_pickle=False)
        with open(os.path.join(staging, "classes.txt"), "w", encoding="utf-8") as f:
            f.write("\n".join(model.classes))
        try:
            os.rename(staging, path)
        except OSError:
            if not os.path.isdir(path):
                raise
            # another process wrote it first: theirs is as good
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _open(path: str) -> Model:
    arrays = {name: np.load(os.path.join(path, f"{name}.npy"), mmap_mode="r", allow_pickle=False)
              for name in _ARRAYS}
    with open(os.path.join(path, "classes.txt"), encoding="utf-8") as f:
        classes = tuple(f.read().split("\n"))
    model = Model(classes=classes, **arrays)
    states, features = len(model.row), model.ptc.shape[0]
    if not (model.ptc.shape[1] == len(model.pc) == len(classes) and len(model.out) == states
            and model.nextmove.dtype in (np.uint16, np.uint32) and model.row.dtype == np.uint32
            and model.out.dtype == np.int32 and model.ptc.dtype == np.float16
            and len(model.nextmove) % 256 == 0 and int(model.out.max()) < features
            # every transition lands on a state, every state on a row: the
            # compiled walk checks each step too, but a damaged cache must be
            # rebuilt here, not fail every document
            and int(model.nextmove.max()) < states and int(model.row.max()) < len(model.nextmove) // 256):
        raise ValueError(f"inconsistent language model cache: {path}")
    return model


@lru_cache(maxsize=1)
def load_model() -> Model:
    """The model, memory-mapped from the cache; the cache is written first
    when missing (and stale entries beside it removed) and rewritten when
    damaged. Unpacked in memory when the cache cannot be written."""
    model_file = _model_file()
    try:
        path = _cache_path(model_file)
        if os.path.isdir(path):
            try:
                model = _open(path)
                _mark_used(path)
                return model
            except (OSError, ValueError):
                shutil.rmtree(path, ignore_errors=True)
    except OSError:
        return unpack_model(model_file)
    model = unpack_model(model_file)
    try:
        _save(model, path)
        remove_stale(path)
        return _open(path)
    except (OSError, ValueError):
        return model


@lru_cache(maxsize=1)
def _py3langid():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def classify_batch(texts: list[str]) -> list[tuple[str, float]]:
    """The most probable language of each text and its probability, as
    py3langid's `classify` (with normalised probabilities) gives them."""
    if _kernel is None:
        identifier = _py3langid()
        return [(language, float(probability))
                for language, probability in map(identifier.classify, texts)]
    model = load_model()
    classes = len(model.classes)
    data = [unicodedata.normalize("NFC", text.lower() if text.isupper() else text)
            .encode("utf-8", "surrogatepass") for text in texts]
    packed_scores, packed_features = _kernel.scores(data, model.nextmove, model.nextmove.itemsize,
                                                    model.row, model.out, model.ptc, classes)
    scores = np.frombuffer(packed_scores, dtype=np.float32).reshape(len(texts), classes) + model.pc
    # py3langid's temperature, which keeps probabilities calibrated across lengths
    scores *= (1.0 / np.sqrt(np.maximum([len(d) for d in data], 1), dtype=np.float32))[:, None]
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    scores[np.frombuffer(packed_features, dtype=np.int32) == 0] = 1.0 / classes  # nothing to go on
    for first, repeat in model.alias_pairs:
        scores[:, first] += scores[:, repeat]
        scores[:, repeat] = 0.0
    best = scores.argmax(axis=1)
    return [(model.classes[b], float(p)) for b, p in zip(best.tolist(), scores[np.arange(len(texts)), best].tolist())]


def classify(text: str) -> tuple[str, float]:
    """`classify_batch` of one text."""
    return classify_batch([text])[0]


def detect_batch(texts: list[str]) -> list[str | None]:
    """The language code of each text, or None when too short or too uncertain.
    Batches let the compiled walk overlap its memory reads across texts."""
    samples = [text[:SAMPLE_CHARS] for text in texts]
    counts = (_kernel.letters(samples, SAMPLE_CHARS) if _kernel is not None
              else [len(_LETTER.findall(sample)) for sample in samples])
    judged = [i for i, count in enumerate(counts) if count >= MIN_CHARS]
    languages: list[str | None] = [None] * len(texts)
    for i, (language, probability) in zip(judged, classify_batch([samples[i] for i in judged])):
        if probability >= MIN_PROBABILITY:
            languages[i] = language
    return languages


def detect(text: str) -> str | None:
    """`detect_batch` of one text."""
    return detect_batch([text])[0]
