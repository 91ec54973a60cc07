"""HTML or text dump? And for HTML: the main text and metadata, via trafilatura.

trafilatura runs offline only: it is given the decoded markup, never a URL to
fetch. Comments are excluded (`include_comments=False`) because on news pages
comment blocks are chrome.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_HTML_START = re.compile(
    r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL)
_TAG = re.compile(
    r"<(?:p|div|br|span|a\s|table|td|tr|li|ul|h[1-6]|meta|script|style|title|article)\b",
    re.IGNORECASE)
SNIFF_WINDOW = 8192
MIN_TAGS = 8


def is_html(text: str) -> bool:
    """Sniff markup from content, not the file name: a leading <html>/<!doctype>,
    or a head dense with common tags (fragments saved without <html>)."""
    head = text[:SNIFF_WINDOW]
    if _HTML_START.match(head):
        return True
    return head.lstrip().startswith("<") and len(_TAG.findall(head)) >= MIN_TAGS


@dataclass
class Extracted:
    """Main text (paragraphs one per line) and what the page says about itself."""

    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    site: str | None = None
    language: str | None = None


def extract_html(markup: str, favor_precision: bool = False,
                 favor_recall: bool = False) -> Extracted:
    """Main text of an HTML page with trafilatura, title first."""
    import trafilatura  # heavy: imported on first use only

    result = trafilatura.bare_extraction(
        markup,
        include_comments=False,
        include_tables=True,
        with_metadata=True,
        favor_precision=favor_precision,
        favor_recall=favor_recall,
        deduplicate=False,
    )
    if result is None:
        return Extracted(text="")
    text = (result.text or "").strip()
    title = _clean_field(result.title)
    if title and not text.startswith(title):
        text = f"{title}\n{text}" if text else title
    return Extracted(
        text=text,
        title=title,
        date=_clean_field(result.date),
        url=_clean_field(result.url),
        site=_clean_field(result.sitename) or _clean_field(result.hostname),
        language=_clean_field(result.language),
    )


def _clean_field(value: object) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None
