"""Site-level learning: lines that recur across many documents of one site are
boilerplate, whatever the lexicon says.

A site is the URL host when the page states its URL, else the input directory.
Only short lines (not prose) are candidates, never source lines ("Theo
TTXVN") or bylines, and a line is counted once per near-duplicate cluster, so
that two copies of the same report never make their shared lines look like
boilerplate. Statistics hold 64-bit line hashes, not
text, so they stay small on large crawls.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

from .chrome import LONG_LINE_CHARS, PROSE_MIN_WORDS, SHORT_LINE_MAX_WORDS, WORD, FULL_STOP, word_count
from .lexicon import default_lexicon, normalise

PARAGRAPH_SEPARATOR = "\n\n"


def site_of(url: str | None, source: str | None) -> str | None:
    """The site a document belongs to: URL host, else the input directory."""
    if url:
        host = urlsplit(url).hostname
        if host:
            return host.removeprefix("www.")
    if source and not source.startswith("<"):
        return os.path.dirname(os.path.abspath(source))
    return None


# Paragraphs this close to the end of a text may be bylines: never boilerplate
# when they look like a name.
BYLINE_ZONE = 3
BYLINE_MAX_WORDS = 5


@lru_cache(maxsize=1)
def _source_line() -> re.Pattern:
    return re.compile(rf"^\W*(?:{default_lexicon().pattern('source_line')})(?:\W|$)")


def _looks_like_name(paragraph: str, tokens: list[str]) -> bool:
    words = paragraph.split()
    return 2 <= len(words) <= BYLINE_MAX_WORDS and all(w[:1].isupper() for w in words if w[:1].isalpha())


def line_key(paragraph: str, near_end: bool = False) -> int | None:
    """A 64-bit key for a short paragraph that could be boilerplate; None for
    prose, source lines ("Theo TTXVN") and, near the end, bylines."""
    if len(paragraph) > LONG_LINE_CHARS or paragraph.count(" ") > 2 * SHORT_LINE_MAX_WORDS:
        return None  # clearly long: prose, never boilerplate (and no need to tokenise it)
    norm = normalise(paragraph)
    tokens = WORD.findall(norm)
    size = word_count(paragraph, tokens)
    if not tokens or size > SHORT_LINE_MAX_WORDS or (size >= PROSE_MIN_WORDS and FULL_STOP.search(paragraph)):
        return None
    if _source_line().match(norm) or (near_end and _looks_like_name(paragraph.strip(), tokens)):
        return None
    return int.from_bytes(hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=8).digest(), "big")


def paragraph_keys(text: str) -> list[int | None]:
    paragraphs = text.split(PARAGRAPH_SEPARATOR)
    last = len(paragraphs) - BYLINE_ZONE
    return [line_key(p, near_end=i >= last) for i, p in enumerate(paragraphs)]


@dataclass
class SiteStats:
    """How many near-duplicate clusters of each site contain each short line.

    A line is boilerplate when it occurs in at least `min_docs` clusters and in
    at least `min_share` of the site's clusters.
    """

    min_docs: int = 3
    min_share: float = 0.05
    _site_ids: dict[str, int] = field(default_factory=dict)
    _clusters: dict[int, set[int]] = field(default_factory=dict)
    # site id << 64 | line key -> one cluster id, or the set of them once there are several
    _seen: dict[int, int | set[int]] = field(default_factory=dict)

    def _slot(self, site: str, key: int) -> int:
        return (self._site_ids.setdefault(site, len(self._site_ids)) << 64) | key

    def add(self, site: str | None, cluster: int, keys: Iterable[int | None]) -> None:
        if site is None:
            return
        self._clusters.setdefault(self._site_ids.setdefault(site, len(self._site_ids)), set()).add(cluster)
        for key in set(keys):
            if key is None:
                continue
            slot = self._slot(site, key)
            seen = self._seen.get(slot)
            if seen is None:
                self._seen[slot] = cluster
            elif isinstance(seen, int):
                if seen != cluster:
                    self._seen[slot] = {seen, cluster}
            else:
                seen.add(cluster)

    def frequency(self, site: str | None, key: int | None) -> tuple[int, int] | None:
        """(k, n) when the line is boilerplate on its site: k of the site's n clusters."""
        if site is None or key is None or site not in self._site_ids:
            return None
        seen = self._seen.get(self._slot(site, key))
        k = 1 if isinstance(seen, int) else len(seen or ())
        n = len(self._clusters.get(self._site_ids[site], ()))
        if k >= self.min_docs and k >= self.min_share * n:
            return k, n
        return None

    def filter(self, site: str | None, text: str) -> tuple[str, list[tuple[str, int, int]]]:
        """`text` without its boilerplate paragraphs, and what was removed (text, k, n)."""
        kept, removed = [], []
        paragraphs = text.split(PARAGRAPH_SEPARATOR)
        for paragraph, key in zip(paragraphs, paragraph_keys(text)):
            seen = self.frequency(site, key)
            if seen is None:
                kept.append(paragraph)
            else:
                removed.append((paragraph, *seen))
        return PARAGRAPH_SEPARATOR.join(kept), removed
