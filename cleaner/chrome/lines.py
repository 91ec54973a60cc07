"""Lines as the chrome rules and site learning read them: each line's
features computed once (normal form, words, their count, sentence end), the
compiled kernel reading all lines of a text in one call.

Python's regular expressions took a fifth of a run computing these on the
long lines of text dumps; the kernel's case-fold table gives the same values
(tests compare them), and lines holding characters that need Python's
casefold take the Python path.
"""

from __future__ import annotations

import hashlib
import re

from ..tokens import line_keys
from .lexicon import normalise

WORD = re.compile(r"\w+")
SENTENCE_END = re.compile(r"[.!?…:;\"”»)。！？]\s*$")
# Prose ends with a full stop; headlines in related lists often end with ! or ?.
FULL_STOP = re.compile(r"[.…。][\"”»')]?\s*$")
# Scripts written without spaces between words: count characters, not tokens.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")
# Prose: at least this many words, ending with a full stop. Only prose ends a
# tail block; headlines in related lists may hold short sentences.
PROSE_MIN_WORDS = 25
# Features of longer lines are read off their first LONG_LINE_CHARS characters
# (no rule needs more, and a 50 MB one-line file must not become 10 million
# word strings); their repeat key still covers the whole line.
LONG_LINE_CHARS = 10_000

def ends_with_full_stop(text: str) -> bool:
    """FULL_STOP.search(text), reading only the end of the text (the pattern
    spans at most two characters before trailing whitespace)."""
    stripped = text.rstrip()
    return bool(FULL_STOP.search(stripped[-2:]))


def ends_like_sentence(text: str) -> bool:
    """SENTENCE_END.search(text), reading only the end of the text."""
    stripped = text.rstrip()
    return bool(SENTENCE_END.search(stripped[-1:]))


def words(text: str) -> list[str]:
    return WORD.findall(normalise(text))


def word_count(text: str, tokens: list[str]) -> int:
    """Words, with unspaced scripts (CJK, Thai) counted as two characters a word."""
    unspaced = len(_UNSPACED.findall(text))
    return len(tokens) + unspaced // 2 if unspaced else len(tokens)


class Line:
    """A line with the features the rules look at, computed once: the text,
    its normal form (lexicon.normalise), its words joined by single spaces,
    their count. The compiled kernel reads the features of all lines of a
    text in one call; Python's regular expressions took a fifth of a run
    doing it on the long lines of dumps."""

    __slots__ = ("index", "raw", "text", "norm", "word_key", "n_words", "size", "blank", "key",
                 "sentence")

    def __init__(self, index: int, raw: str, text: str, features: tuple[str, str, int, int]) -> None:
        self.index = index
        self.raw = raw
        self.text = text
        self.norm, self.word_key, self.n_words, unspaced = features
        # Unspaced scripts (CJK, Thai) count as two characters a word.
        self.size = self.n_words + unspaced // 2
        self.blank = not self.n_words  # no word characters: the rules skip it
        self.key = self.word_key  # what exact repeats compare
        if len(text) > LONG_LINE_CHARS:
            digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16)
            self.key += f" \x00{digest.hexdigest()}"
        self.sentence = ends_with_full_stop(text)

    @property
    def words(self) -> list[str]:
        return self.word_key.split(" ") if self.word_key else []

    @property
    def is_prose(self) -> bool:
        """A paragraph of running text: long and ending with a full stop."""
        return self.size >= PROSE_MIN_WORDS and self.sentence


def line_features(head: str) -> tuple[str, str, int, int]:
    """`Line` features in Python: for lines the kernel leaves to Python
    (characters needing Python's casefold) or without the kernel."""
    norm = normalise(head)
    tokens = WORD.findall(norm)
    return norm, " ".join(tokens), len(tokens), len(_UNSPACED.findall(head))


def read_lines(text: str) -> list[Line]:
    """The lines of a text with their features. Features of a line are read
    off its first LONG_LINE_CHARS characters (no rule needs more)."""
    raws = text.split("\n")
    texts = [raw.strip().strip("\u200b\ufeff") for raw in raws]
    heads = [t[:LONG_LINE_CHARS] for t in texts]
    features = line_keys(heads) or [None] * len(heads)
    return [Line(i, raw, t, f or line_features(head))
            for i, (raw, t, head, f) in enumerate(zip(raws, texts, heads, features))]
