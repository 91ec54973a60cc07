"""The chrome lexicon: phrases by kind and language, loaded once from lexicon.json.

Code asks for a kind (all languages merged); adding a language is adding data.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

KINDS = ("action", "title_suffix", "widget", "block_heading", "counter_label",
         "date_label", "weekday", "footer", "footer_credit", "footer_anywhere", "notice", "relative_time",
         "alt_suffix", "home", "caption_credit", "source_line")


def normalise(text: str) -> str:
    """Casefolded NFC with runs of whitespace collapsed: the form phrases match on."""
    text = unicodedata.normalize("NFC", text).casefold()
    return " ".join(text.split())


def _alternation(phrases: list[str], escape: bool = True) -> str:
    """A regex matching any of the phrases, the longest where several match.
    Literal phrases are merged into a trie ("your (?:comment is awaiting
    (?:approval|moderation)|email ...)"): a plain alternation of a hundred
    phrases tries each one at every position of a searched line, the trie one
    branch per distinct character (the notices of 14 languages made the
    per-line rules a third slower before)."""
    unique = sorted(set(phrases), key=len, reverse=True)  # longest first
    if not unique:
        return r"(?!x)x"  # a kind with no phrases matches nothing
    if not escape:
        return "|".join(unique)
    trie: dict = {}
    for phrase in unique:
        node = trie
        for char in phrase:
            node = node.setdefault(char, {})
        node[""] = {}  # a phrase ends here
    return _trie_regex(trie)


def _trie_regex(node: dict) -> str:
    """The regex of a trie node: its branches, the longest tried first (a
    greedy optional group when a phrase may also end here)."""
    branches = [re.escape(char) + _trie_regex(child) for char, child in node.items() if char]
    if not branches:
        return ""
    ends_here = "" in node
    if len(branches) == 1 and not ends_here:
        return branches[0]
    group = "(?:" + "|".join(branches) + ")"
    return group + "?" if ends_here else group


@dataclass(frozen=True, eq=False)  # hashed by identity: patterns are cached per lexicon
class Lexicon:
    phrases: dict[str, tuple[str, ...]]
    languages: tuple[str, ...]

    def kind(self, name: str) -> tuple[str, ...]:
        return self.phrases[name]

    def pattern(self, name: str) -> str:
        """A regex alternation of one kind's phrases, longest first."""
        return _alternation(list(self.phrases[name]), escape=name != "relative_time")


def load_lexicon(data: dict) -> Lexicon:
    phrases: dict[str, tuple[str, ...]] = {}
    languages: set[str] = set()
    for kind in KINDS:
        merged: list[str] = []
        for language, entries in data.get(kind, {}).items():
            languages.add(language)
            merged.extend(normalise(e) if kind != "relative_time" else e for e in entries)
        phrases[kind] = tuple(dict.fromkeys(merged))
    return Lexicon(phrases, tuple(sorted(languages)))


@lru_cache(maxsize=1)
def default_lexicon() -> Lexicon:
    text = resources.files(__package__).joinpath("lexicon.json").read_text(encoding="utf-8")
    return load_lexicon(json.loads(text))
