"""Which blocks of a page become its main text, and why each other block
did not (the verdicts `cleaner explain` shows).

The block model's expected-F1 choice (blockmodel.select), completed with the
rest of a mostly kept run of siblings, without a box of related links under
a block heading, with the lead and credited captions put back
(blocks.recover_parts), without blocks of no words and repeated copies.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ..chrome import linerules
from ..chrome.lexicon import default_lexicon, normalise
from . import blockmodel, blocks, pageblocks


@dataclass(frozen=True)
class BlockVerdict:
    """What became of one block of the page (for `explain`): its text is in
    the main text (`kept`), or the model, a missing word or a repeat left it out."""

    text: str
    probability: float
    kept: bool
    # kept: "model", "run" (completes a run of siblings), "put back" (lead or
    # caption); left out: "model", "related" (a box of links), "no words", "repeat"
    why: str


def main_lines(page: pageblocks.PageBlocks, probabilities: np.ndarray,
               alpha: float = blockmodel.ALPHA, title: str | None = None) -> list[str]:
    """The texts of the blocks the model keeps, in document order, with the
    lead and credited captions put back (blocks.recover_parts), without
    blocks of no word (separators left by menus: "|", "»") and without a
    block that repeats one kept before it word for word (pages carry
    second copies of their text for print, mobile or a reading mode)."""
    return [v.text for v in block_verdicts(page, probabilities, alpha, title) if v.kept]


# A run of sibling blocks (same parent, same tag) mostly kept keeps the rest
# of its blocks with a probability of at least RUN_FLOOR: the model reads
# position, and the last paragraphs of a long text before a footer score
# lower than the same paragraphs in the middle.
RUN_MIN_KEPT = 3


RUN_MIN_SHARE = 2 / 3


RUN_FLOOR = 0.2


def complete_runs(page: pageblocks.PageBlocks, chosen: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
    """`chosen` with the blocks that complete a mostly kept run of siblings."""
    if len(chosen) < RUN_MIN_KEPT:
        return chosen
    owners = page.owners
    tag_ids = {tag: n for n, tag in enumerate(dict.fromkeys(page.tags))}
    run = page.parents[owners].astype(np.int64) * (len(tag_ids) + 1) + np.fromiter(
        (tag_ids[page.tags[o]] for o in owners), dtype=np.int64, count=len(owners))
    kept = np.zeros(len(page), dtype=bool)
    kept[chosen] = True
    runs, index = np.unique(run, return_inverse=True)
    in_run = np.bincount(index, minlength=len(runs))
    kept_in_run = np.bincount(index, weights=kept, minlength=len(runs))
    full = (kept_in_run >= RUN_MIN_KEPT) & (kept_in_run >= RUN_MIN_SHARE * in_run)
    extra = np.flatnonzero(~kept & full[index] & (probabilities >= RUN_FLOOR) & (page.words > 0))
    return np.union1d(chosen, extra) if len(extra) else chosen


# A box of related links inside the text: a block heading, then at least
# RELATED_MIN_LINKS consecutive kept blocks, each a link of RELATED_MIN_WORDS
# words or more with no full stop, with prose kept before and after it.
RELATED_MIN_LINKS = 2


RELATED_MIN_WORDS = 4


PROSE_WORDS = 20


_FULL_STOP = re.compile(r"[.。]\s*$")


@lru_cache(maxsize=1)
def _related_heading():
    """The chrome lexicon's block headings ("Related", "Tin liên quan", ...)."""
    return linerules.patterns(default_lexicon()).block_heading.match


def inline_related(page: pageblocks.PageBlocks, chosen: np.ndarray) -> np.ndarray:
    """The kept blocks that form a box of headline links between paragraphs
    of the text under a block heading of the lexicon ("Related", "Tin liên
    quan"), which the model scores as the text around them. Without the
    heading, links between paragraphs are as often the text's own list
    (products compared, a changelog), and stay."""
    if len(chosen) < RELATED_MIN_LINKS + 2:
        return np.zeros(0, dtype=np.int64)
    heading = _related_heading()
    texts = page.texts
    visible = np.maximum(np.fromiter((len(t) - t.count(" ") for t in texts), dtype=np.float64,
                                     count=len(texts)), 1)
    kept = np.zeros(len(texts), dtype=bool)
    kept[chosen] = True
    prose = kept & (page.words >= PROSE_WORDS) & (page.link_chars < 0.3 * visible)
    headline_link = kept & (page.link_chars >= 0.9 * visible) & (page.words >= RELATED_MIN_WORDS)
    headline_link[headline_link] = [not _FULL_STOP.search(texts[i]) for i in np.flatnonzero(headline_link)]
    found: list[int] = []
    start = 0
    while start < len(texts):  # each run of consecutive headline links
        if not headline_link[start]:
            start += 1
            continue
        end = start
        while end + 1 < len(texts) and headline_link[end + 1]:
            end += 1
        if end - start + 1 >= RELATED_MIN_LINKS and prose[:start].any() and prose[end + 1:].any() \
                and start > 0 and heading(normalise(texts[start - 1])):
            found.extend(range(start, end + 1))
        start = end + 1
    return np.asarray(found, dtype=np.int64)


def block_verdicts(page: pageblocks.PageBlocks, probabilities: np.ndarray,
                   alpha: float = blockmodel.ALPHA, title: str | None = None) -> list[BlockVerdict]:
    """Every block of the page in document order, kept or not and why (main_lines)."""
    selected = blockmodel.select(probabilities, page.words, alpha)
    chosen = complete_runs(page, selected, probabilities)
    related = inline_related(page, chosen)
    chosen = np.setdiff1d(chosen, related)
    put_back = np.asarray(blocks.recover_parts(page, chosen, title), dtype=np.int64)
    why = np.full(len(page), "", dtype=object)  # "": not taken
    why[chosen] = "run"
    why[np.setdiff1d(selected, related)] = "model"
    why[np.setdiff1d(put_back, chosen)] = "put back"
    why[related] = "related"
    verdicts, seen = [], set()
    for i, text in enumerate(page.texts):
        p = float(probabilities[i])
        if why[i] in ("", "related"):
            verdicts.append(BlockVerdict(text, p, False, why[i] or "model"))
        elif page.words[i] <= 0:
            verdicts.append(BlockVerdict(text, p, False, "no words"))
        elif text in seen:
            verdicts.append(BlockVerdict(text, p, False, "repeat"))
        else:
            seen.add(text)
            verdicts.append(BlockVerdict(text, p, True, why[i]))
    return verdicts
