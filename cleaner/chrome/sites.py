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
import tempfile
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np

from ..tokens import line_keys
from .filter import SHORT_LINE_MAX_WORDS
from .lexicon import default_lexicon
from .lines import LONG_LINE_CHARS, PROSE_MIN_WORDS, ends_with_full_stop, line_features

PARAGRAPH_SEPARATOR = "\n\n"
_KEY_MASK = (1 << 64) - 1  # a slot's line key, below its site id
# Values (8 bytes each) a SiteKeySpool buffers before writing them out.
SPOOL_BUFFER = 1 << 16
# Documents a pass over the spool reads at a time (their keys come with them):
# the chunk's arrays, and the Python ints the statistics make of them, are a
# transient of the main process (~100 bytes a document).
SPOOL_CHUNK = 1 << 13


def site_of(url: str | None, source: str | None) -> str | None:
    """The site a document belongs to: URL host, else the input directory."""
    if url:
        host = urlsplit(url).hostname
        if host:
            return host.removeprefix("www.")
    if source and not source.startswith("<"):
        parent = source[:source.rfind(os.sep) + 1]  # os.path.dirname, by string methods
        if parent.strip(os.sep):
            parent = parent.rstrip(os.sep)
        return _directory(parent, "" if parent.startswith(os.sep) else os.getcwd())
    return None


@lru_cache(maxsize=1024)
def _directory(parent: str, cwd: str) -> str:
    """The absolute form of an input's directory, relative ones under `cwd`
    (the same for a whole folder of inputs: computed once)."""
    return os.path.dirname(os.path.abspath(os.path.join(cwd, parent, "x")))


# Paragraphs this close to the end of a text may be bylines: never boilerplate
# when they look like a name.
BYLINE_ZONE = 3
BYLINE_MAX_WORDS = 5


@lru_cache(maxsize=1)
def _source_line() -> re.Pattern:
    return re.compile(rf"^\W*(?:{default_lexicon().pattern('source_line')})(?:\W|$)")


def _looks_like_name(paragraph: str) -> bool:
    words = paragraph.split()
    return 2 <= len(words) <= BYLINE_MAX_WORDS and all(w[:1].isupper() for w in words if w[:1].isalpha())


def _is_candidate_length(paragraph: str) -> bool:
    """Not clearly long: clearly long paragraphs are prose, never boilerplate
    (and need no tokenising)."""
    return len(paragraph) <= LONG_LINE_CHARS and paragraph.count(" ") <= 2 * SHORT_LINE_MAX_WORDS


def line_key(paragraph: str, near_end: bool = False,
             features: tuple[str, str, int, int] | None = None) -> int | None:
    """A 64-bit key for a short paragraph that could be boilerplate; None for
    prose, source lines ("Theo TTXVN") and, near the end, bylines. `features`
    are the paragraph's (normal form, word key, words, unspaced characters)
    when the kernel has read them."""
    if not _is_candidate_length(paragraph):
        return None
    norm, word_key, words, unspaced = features or line_features(paragraph)
    size = words + unspaced // 2
    if not words or size > SHORT_LINE_MAX_WORDS or (size >= PROSE_MIN_WORDS and ends_with_full_stop(paragraph)):
        return None
    if _source_line().match(norm) or (near_end and _looks_like_name(paragraph.strip())):
        return None
    return int.from_bytes(hashlib.blake2b(word_key.encode("utf-8"), digest_size=8).digest(), "big")


def paragraph_keys(text: str) -> list[int | None]:
    """Per paragraph of a clean text, its `line_key`. The kernel reads the
    features of all candidate paragraphs in one call."""
    paragraphs = text.split(PARAGRAPH_SEPARATOR)
    last = len(paragraphs) - BYLINE_ZONE
    candidates = [i for i, p in enumerate(paragraphs) if _is_candidate_length(p)]
    keys: list[int | None] = [None] * len(paragraphs)
    features = line_keys([paragraphs[i] for i in candidates]) or [None] * len(candidates)
    for i, read in zip(candidates, features):
        keys[i] = line_key(paragraphs[i], i >= last, read)
    return keys


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
    # After `compacted`: the boilerplate lines alone, slot -> (k, n)
    _verdicts: dict[int, tuple[int, int]] | None = None

    def _slot(self, site: str, key: int) -> int:
        return (self._site_ids.setdefault(site, len(self._site_ids)) << 64) | key

    def add(self, site: str | None, cluster: int, keys: Iterable[int | None]) -> None:
        if self._verdicts is not None:
            raise RuntimeError("add() after compacted(): the counts are gone")
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
        if self._verdicts is not None:
            return self._verdicts.get(self._slot(site, key))
        seen = self._seen.get(self._slot(site, key))
        k = 1 if isinstance(seen, int) else len(seen or ())
        n = len(self._clusters.get(self._site_ids[site], ()))
        if k >= self.min_docs and k >= self.min_share * n:
            return k, n
        return None

    def compacted(self) -> "SiteStats":
        """Statistics giving the same answers from the boilerplate lines
        alone: the counts of every other line (one entry per distinct short
        line of the corpus) can go once the counting is done."""
        clusters = {site_id: len(members) for site_id, members in self._clusters.items()}
        verdicts = {}
        for slot, seen in self._seen.items():
            k = 1 if isinstance(seen, int) else len(seen)
            n = clusters.get(slot >> 64, 0)
            if k >= self.min_docs and k >= self.min_share * n:
                verdicts[slot] = (k, n)
        return SiteStats(self.min_docs, self.min_share, _site_ids=dict(self._site_ids), _verdicts=verdicts)

    @classmethod
    def joined(cls, parts: list["SiteStats"], min_docs: int, min_share: float) -> "SiteStats":
        """One compacted SiteStats from compacted ones of sites apart (a
        cluster's partitions); sites without boilerplate are left out (they
        answer None either way), so one part joined alone is its lean copy."""
        site_ids: dict[str, int] = {}
        verdicts: dict[int, tuple[int, int]] = {}
        for stats in parts:
            names = {site_id: site for site, site_id in stats._site_ids.items()}
            for slot, verdict in (stats._verdicts or {}).items():
                site_id = site_ids.setdefault(names[slot >> 64], len(site_ids))
                verdicts[(site_id << 64) | (slot & _KEY_MASK)] = verdict
        return cls(min_docs, min_share, _site_ids=site_ids, _verdicts=verdicts)

    def boilerplate_keys(self) -> dict[str, set[int]]:
        """Per site, the keys of its boilerplate lines."""
        verdicts = self._verdicts if self._verdicts is not None else self.compacted()._verdicts
        names = {site_id: site for site, site_id in self._site_ids.items()}
        out: dict[str, set[int]] = {}
        for slot in verdicts:
            out.setdefault(names[slot >> 64], set()).add(slot & _KEY_MASK)
        return out

    def filter(self, site: str | None, text: str, keys: list[int | None] | None = None
               ) -> tuple[str, list[tuple[str, int, int]]]:
        """`text` without its boilerplate paragraphs, and what was removed (text,
        k, n). `keys` are its paragraph_keys, when already known."""
        kept, removed = [], []
        paragraphs = text.split(PARAGRAPH_SEPARATOR)
        for paragraph, key in zip(paragraphs, paragraph_keys(text) if keys is None else keys):
            seen = self.frequency(site, key)
            if seen is None:
                kept.append(paragraph)
            else:
                removed.append((paragraph, *seen))
        return PARAGRAPH_SEPARATOR.join(kept), removed


def _runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values of a sorted array and how often each occurs:
    np.unique's counts without its import of numpy.ma (~30 ms)."""
    if not len(values):
        return values, np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return values[starts], np.diff(np.append(starts, len(values)))


_MIX = 0x9E3779B97F4A7C15  # 2^64 / golden ratio: spreads consecutive site ids


def _site_mix(site_id: int) -> int:
    """Bits that set one site's line keys apart from another's in a bucket hash."""
    return (site_id * _MIX) & _KEY_MASK


def _site_mixes(site_ids: np.ndarray) -> np.ndarray:
    """_site_mix of each site id, vectorised: uint64 products wrap as its mask does."""
    return site_ids.astype(np.uint64) * np.uint64(_MIX)


class SiteKeySpool:
    """Per processed document, its site and paragraph keys, in temporary
    files: site statistics need the near-duplicate grouping, known only after
    the first pass, and counting them from this spool spares reading the
    journal's texts again. A document is a few dozen bytes here: a head
    (key, site id, how many keys) in one file, its keys in another, so that
    the passes read them back in large chunks of arrays."""

    def __init__(self) -> None:
        self._heads_file = tempfile.TemporaryFile()
        self._keys_file = tempfile.TemporaryFile()
        self._site_ids: dict[str, int] = {}
        self._heads, self._keys = array("Q"), array("Q")
        self._entries = 0  # paragraph keys spooled

    def add(self, key: int, site: str | None, keys: list[int | None] | None) -> None:
        """Document `key` (ascending) of `site`, with its paragraph keys."""
        present = array("Q", [k for k in keys or () if k is not None])
        self.add_batch(key, [site], [len(present)], present)

    def add_batch(self, first_key: int, sites: list[str | None], key_counts: array, keys: array,
                  doc_keys: Iterable[int] | None = None) -> None:
        """Consecutive documents from `first_key` on (or those of `doc_keys`,
        ascending): per document its site (None: nothing to count) and how
        many of `keys` (concatenated) are its."""
        heads, site_ids = self._heads, self._site_ids
        at = 0
        numbers = range(first_key, first_key + len(sites)) if doc_keys is None else doc_keys
        for key, site, count in zip(numbers, sites, key_counts):
            if site is not None:
                heads.extend((key, site_ids.setdefault(site, len(site_ids)), count))
                self._keys.extend(keys[at:at + count])
                self._entries += count
            at += count
        if len(heads) + len(self._keys) >= SPOOL_BUFFER:
            self._flush()

    def _flush(self) -> None:
        self._heads.tofile(self._heads_file)
        self._keys.tofile(self._keys_file)
        self._heads, self._keys = array("Q"), array("Q")

    def _chunks(self) -> Iterator[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(heads, keys, starts) for up to SPOOL_CHUNK documents at a time:
        their heads as rows (key, site id, count), their keys concatenated,
        and where each document's keys start in them (one more at the end)."""
        self._flush()
        self._heads_file.seek(0)
        self._keys_file.seek(0)
        while True:
            raw = self._heads_file.read(24 * SPOOL_CHUNK)
            if not raw:
                return
            heads = np.frombuffer(raw, dtype=np.uint64).reshape(-1, 3)
            starts = np.zeros(len(heads) + 1, dtype=np.int64)
            np.cumsum(heads[:, 2], out=starts[1:])
            keys = np.frombuffer(self._keys_file.read(8 * int(starts[-1])), dtype=np.uint64)
            yield heads, keys, starts

    def __iter__(self) -> Iterator[tuple[int, str, list[int]]]:
        """(document key, site, its present paragraph keys), in key order."""
        sites = list(self._site_ids)
        for heads, keys, starts in self._chunks():
            all_keys, bounds = keys.tolist(), starts.tolist()
            for i, (key, site_id) in enumerate(zip(heads[:, 0].tolist(), heads[:, 1].tolist())):
                yield key, sites[site_id], all_keys[bounds[i]:bounds[i + 1]]

    def _mixed(self, heads: np.ndarray, keys: np.ndarray, starts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each key of a chunk: its document's row, and the key mixed with
        its site (what the bucket counts hash)."""
        row = np.repeat(np.arange(len(heads)), np.diff(starts))
        return row, keys ^ _site_mixes(heads[row, 1])

    def statistics(self, grouping, min_docs: int, min_share: float) -> "SiteStats":
        """Site statistics, each near-duplicate group counted once (as its root).

        Most short lines are in one document only, and a line in one document
        cannot be boilerplate when it takes two or more: only the lines that
        `_repeated` lets through are counted (a dict entry per distinct line,
        ~110 bytes, was the main process's peak while counting)."""
        stats = SiteStats(min_docs, min_share)
        repeated = self._repeated() if min_docs >= 2 else None
        root_of = grouping.roots_ascending()
        sites = list(self._site_ids)
        for heads, keys, starts in self._chunks():
            if repeated is not None and len(keys):
                row, mixed = self._mixed(heads, keys, starts)
                passing = repeated[(mixed & np.uint64(len(repeated) - 1)).astype(np.int64)] > 1
                keys = keys[passing]
                starts = np.zeros(len(heads) + 1, dtype=np.int64)
                np.cumsum(np.bincount(row[passing], minlength=len(heads)), out=starts[1:])
            all_keys, bounds = keys.tolist(), starts.tolist()
            for i, (key, site_id) in enumerate(zip(heads[:, 0].tolist(), heads[:, 1].tolist())):
                root = root_of(key)
                stats.add(sites[site_id], key if root is None else root, all_keys[bounds[i]:bounds[i + 1]])
        return stats

    def _repeated(self) -> np.ndarray:
        """Saturating counts (0, 1, 2 = more) of the documents holding each
        (site, line), in 8 buckets per spooled key by hash: a line in one
        document counts 1, unless another line shares its bucket, so a
        bucket's 2 lets through every line in two documents and a few others.
        A document counts once in a bucket, whatever keys of it fall there."""
        size = 1 << max(16, min(25, (8 * self._entries).bit_length()))
        counts = np.zeros(size, dtype=np.uint8)
        for heads, keys, starts in self._chunks():
            if not len(keys):
                continue
            row, mixed = self._mixed(heads, keys, starts)
            buckets = (mixed & np.uint64(size - 1)).astype(np.int64)
            codes = row * size + buckets
            codes.sort()
            once = _runs(codes)[0] % size  # each document once per bucket
            once.sort()
            bucket, documents = _runs(once)
            counts[bucket] = np.minimum(counts[bucket] + np.minimum(documents, 2), 2)
        return counts

    def changed(self, stats: "SiteStats") -> array:
        """Keys of the documents that hold boilerplate of their site, ascending.
        A chunk's keys, mixed with their sites, are looked up among the
        boilerplate's at once; the few documents with a hit are checked
        exactly (two sites' mixed keys may meet)."""
        boilerplate = {self._site_ids[site]: keys for site, keys in stats.boilerplate_keys().items()
                       if site in self._site_ids}
        found = array("q")
        if not boilerplate:
            return found
        targets = np.array(sorted({key ^ _site_mix(site_id) for site_id, keys in boilerplate.items()
                                   for key in keys}), dtype=np.uint64)
        for heads, keys, starts in self._chunks():
            if not len(keys):
                continue
            row, mixed = self._mixed(heads, keys, starts)
            at = np.minimum(np.searchsorted(targets, mixed), len(targets) - 1)
            for r in _runs(row[targets[at] == mixed])[0].tolist():  # rows ascend: no sort needed
                key, site_id, _ = heads[r].tolist()
                if site_id in boilerplate and not boilerplate[site_id].isdisjoint(
                        keys[starts[r]:starts[r + 1]].tolist()):
                    found.append(key)
        return found

    def close(self) -> None:
        self._heads_file.close()
        self._keys_file.close()
