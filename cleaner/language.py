"""Language of the clean text (ISO 639-1), with py3langid.

py3langid is trafilatura's own optional language identifier: a small naive
Bayes model shipped as numpy arrays (no pickle), about 0.2 ms a document. The
model loads on first use, once per process.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Below this many characters of text, or this probability, say nothing.
MIN_CHARS = 40
MIN_PROBABILITY = 0.5
# A few hundred characters name the language about as well as the whole text
# does; py3langid walks its input byte by byte in Python, so keep it short.
SAMPLE_CHARS = 300
_LETTER = re.compile(r"[^\W\d_]")


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def detect(text: str) -> str | None:
    """The language code of `text`, or None when too short or too uncertain."""
    sample = text[:SAMPLE_CHARS]
    if len(_LETTER.findall(sample)) < MIN_CHARS:
        return None
    language, probability = _identifier().classify(sample)
    return language if probability >= MIN_PROBABILITY else None
