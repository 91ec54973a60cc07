"""Words as every stage counts them: the tokens of a text, the per-code-point
table the compiled kernel reads, and the kernel's line keys and UTF-8 lengths.

Tokens are the `\\w+` runs of the NFC, casefolded text (the tokens the eval
scorers count), except that characters of scripts written without spaces
(Chinese, Japanese, Korean, Thai...) are tokens on their own, so that word
n-grams become character n-grams there. The chrome rules key lines by these
words, the block model counts them, and MinHash shingles them
(cleaner.dedup.minhash), so all agree on what a word is.

Imports nothing of cleaner but the compiled kernel (cleaner/_native).
"""

from __future__ import annotations

import os
import unicodedata
from functools import lru_cache

import numpy as np

# The compiled kernel (cleaner/_native/_fingerprint.c) computes line keys and
# lengths in one pass per text; without it (no C compiler at install) Python does.
try:
    from ._native import _fingerprint as _kernel
except ImportError:  # pragma: no cover - depends on the build
    _kernel = None

# Scripts written without spaces: each character is a token.
_UNSPACED_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x3134F),  # CJK extensions B-G
)


WORD, UNSPACED = 1, 2  # bits of char_flags


def _flag(cp: int) -> int:
    if 0xD800 <= cp <= 0xDFFF:
        return 0
    flag = WORD if (chr(cp).isalnum() or cp == 0x5F) else 0
    if flag and any(low <= cp <= high for low, high in _UNSPACED_RANGES):
        flag |= UNSPACED
    return flag


@lru_cache(maxsize=1)
def _bmp_flags() -> np.ndarray:
    r"""Per code point of the Basic Multilingual Plane: bit 1 for word
    characters (`\w` is str.isalnum() or "_"), bit 2 for characters of
    unspaced scripts. 64 KB: it stays in cache."""
    word = np.array([chr(cp).isalnum() for cp in range(0x10000)], dtype=np.uint8)
    word[0x5F] = 1
    word[0xD800:0xE000] = 0
    unspaced = np.zeros(0x10000, dtype=np.uint8)
    for low, high in _UNSPACED_RANGES:
        unspaced[low:min(high, 0xFFFF) + 1] = 1
    return word * WORD | (word & unspaced) * UNSPACED


@lru_cache(maxsize=4096)
def _astral_flag(cp: int) -> int:
    return _flag(cp)


def char_flags(cps: np.ndarray) -> np.ndarray:
    """WORD and UNSPACED bits of each code point in `cps`."""
    flags = _bmp_flags()[np.minimum(cps, 0xFFFF)]
    astral = cps > 0xFFFF
    if astral.any():  # rare: emoji, historic scripts, CJK extensions
        flags[astral] = [_astral_flag(int(cp)) for cp in cps[astral]]
    return flags


def normalise(text: str) -> str:
    """The form shingles are taken from: casefolded, then NFC."""
    return unicodedata.normalize("NFC", text.casefold())


def tokens(text: str) -> list[str]:
    """The tokens of one text, as the vectorised path cuts them (for tests and views)."""
    out, current = [], []
    for ch in normalise(text):
        flag = _flag(ord(ch))
        word, unspaced = bool(flag & WORD), bool(flag & UNSPACED)
        if word and not unspaced:
            current.append(ch)
            continue
        if current:
            out.append("".join(current))
            current = []
        if unspaced:
            out.append(ch)
    if current:
        out.append("".join(current))
    return out



_SLOW = 1 << 28
_JAMO_SECONDS = (*range(0x1161, 0x1176), *range(0x11A8, 0x11C3))


def kernel_table_path() -> str:
    """Where the shipped kernel table for this Python's Unicode version lives
    (scripts/make_kernel_table.py writes it)."""
    return os.path.join(os.path.dirname(__file__), "_native", f"kernel_table-{unicodedata.unidata_version}.u32")


@lru_cache(maxsize=1)
def kernel_table() -> np.ndarray:
    """The kernel table: read from the package (1 ms) when it was made for
    this Unicode version, else built (~80 ms)."""
    try:
        table = np.fromfile(kernel_table_path(), dtype="<u4")
    except OSError:
        return build_kernel_table()
    return table if len(table) == 0x10000 else build_kernel_table()


def build_kernel_table() -> np.ndarray:
    """Per BMP code point, for the kernel: its case fold (bits 0-20), word and
    unspaced flags of itself (bits 24-25) and of its fold (26-27), and bit 28
    when a text holding it must be casefolded and normalised in Python first:
    its fold is not one code point, or casefolded NFC text might not be NFC
    around it (combining marks, second halves of canonical compositions,
    Hangul vowel and final jamo, code points NFC changes, surrogates)."""
    chars = [chr(cp) for cp in range(0x10000)]
    folds = [ch.casefold() for ch in chars]
    unsafe = np.array([bool(unicodedata.combining(ch)) or unicodedata.normalize("NFC", ch) != ch
                       for ch in chars], dtype=bool)
    for decomposition in map(unicodedata.decomposition, chars):
        if decomposition and not decomposition.startswith("<"):
            parts = decomposition.split()
            if len(parts) == 2 and int(parts[1], 16) < 0x10000:
                unsafe[int(parts[1], 16)] = True
    unsafe[list(_JAMO_SECONDS)] = True
    unsafe[0xD800:0xE000] = True
    single = np.array([len(f) == 1 for f in folds], dtype=bool)
    target = np.array([ord(f) if len(f) == 1 else cp for cp, f in enumerate(folds)], dtype=np.int64)
    slow = ~single | unsafe | unsafe[np.minimum(target, 0xFFFF)] | (target > 0xFFFF)
    target[slow] = np.arange(0x10000)[slow]
    flags = _bmp_flags().astype(np.uint32)
    table = target.astype(np.uint32) | (flags << 24) | (flags[target] << 26)
    table[slow] |= np.uint32(_SLOW)
    return table



def line_keys(lines: list[str]) -> list[tuple[str, str, int, int] | None] | None:
    """Per line, the kernel's (normal form, word key, words, unspaced-script
    characters): lexicon.normalise of the line, and its words joined by single
    spaces, as the chrome rules read lines. None for a line needing Python's
    casefold; None for all without the kernel."""
    if _kernel is None:
        return None
    return _kernel.line_keys(lines, kernel_table())


def utf8_length(text: str) -> int:
    """len(text.encode("utf-8", "surrogatepass")), counted without encoding."""
    if _kernel is None:
        return len(text.encode("utf-8", "surrogatepass"))
    return _kernel.utf8_length(text)

