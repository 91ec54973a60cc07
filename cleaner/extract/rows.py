"""A page as the block model reads it: its blocks and their feature rows,
trafilatura's extraction among the inputs.

trafilatura runs offline (given the parsed page, never a URL), in fast mode,
comments asked for apart, with its hottest XPath expressions compiled for
the call only (fastxpath.py); what share of each block it kept is a feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from . import blockfeatures, fastxpath, pageblocks


@dataclass
class PageRows:
    """A page's blocks, the model's rows for them, and how much of the page
    trafilatura kept."""

    page: pageblocks.PageBlocks
    features: np.ndarray
    # The share of the page's visible characters in blocks trafilatura kept.
    trafilatura_share: float = 0.0


def page_rows(tree, title: str | None, url: str | None = None, favor_precision: bool = False,
              favor_recall: bool = False) -> PageRows:
    """The blocks of a parsed page (layout tables already unwrapped) and
    their features, trafilatura's extraction (comments apart) among them.

    trafilatura runs in fast mode (its full cascade with --favor-recall
    only): where fast mode locks onto a first block (an episode's summary
    without its transcript), the model reads the blocks it left out for
    itself. Running the full cascade where the fast result held less than
    half the page's prose (15% of wcxb-dev pages) made extraction 17%
    slower and the cross-validated F1 lower (0.8584 against 0.8601).
    The blocks are read before trafilatura sees the tree."""
    page = pageblocks.walk(tree)
    body, comments = _trafilatura_texts(tree, url, not favor_recall, favor_precision, favor_recall)
    kept = blockfeatures.shares_in(page.keys, pageblocks.key_words(body))
    kept_comments = blockfeatures.shares_in(page.keys, pageblocks.key_words(comments))
    title_key = " ".join(pageblocks.key_words(title or ""))
    chars = np.fromiter(map(len, page.texts), dtype=np.float64, count=len(page.texts))
    share = float(chars[kept >= 0.5].sum() / chars.sum()) if chars.sum() else 0.0
    return PageRows(page, blockfeatures.features(page, kept, kept_comments, title_key), share)


def _trafilatura_texts(tree, url: str | None, fast: bool, favor_precision: bool,
                       favor_recall: bool) -> tuple[str, str]:
    """trafilatura's main text and comments for the page, with its hottest
    XPath expressions evaluated by compiled Python for this call only (see
    fastxpath.py)."""
    with fastxpath.installed():
        result = _trafilatura().bare_extraction(
            tree, options=extractor_options(url, fast, favor_precision, favor_recall))
    if result is None:
        return "", ""
    return result.text or "", result.comments or ""


@lru_cache(maxsize=1)
def _trafilatura():
    """trafilatura (heavy: imported on first use only)."""
    import trafilatura

    return trafilatura


def extractor_options(url: str | None, fast: bool, favor_precision: bool, favor_recall: bool):
    """trafilatura's options for one page: what bare_extraction would build from
    its arguments (comments apart, tables included, no metadata, no
    deduplication), made once and copied with the page's URL, as trafilatura's
    own command line does; building them read the configuration anew for
    every page (~1% of a page's instructions)."""
    from copy import copy

    options = copy(_base_options(fast, favor_precision, favor_recall))
    options.url = url
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return options


@lru_cache(maxsize=8)
def _base_options(fast: bool, favor_precision: bool, favor_recall: bool):
    from trafilatura.settings import Extractor

    return Extractor(output_format="python", fast=fast, precision=favor_precision, recall=favor_recall,
                     comments=True, tables=True, dedup=False, with_metadata=False)
