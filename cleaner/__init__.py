"""cleaner: turn scraped web pages into a clean, deduplicated text corpus.

Library use (the `cleaner` command is a thin layer over this):

    from cleaner import clean, Options
    run = clean(["crawl/"], Options(threshold=0.5))
    for doc in run:                 # every input, in input order
        if doc.ok:
            print(doc.id, doc.duplicate_of, doc.text[:80])
    print(run.stats.as_dict())

The public API (this, cleaner.encoding.decode, cleaner.extract.extract_html,
cleaner.chrome.clean_text, and cleaner.dedup's shingles, signature,
to_datasketch) is listed in docs/api.md; the rest is internal.
"""

from .document import Document, Options

__all__ = ["CleanRun", "Document", "Options", "clean", "process_batch", "process_document"]
__version__ = "0.1.0"


def __getattr__(name: str):
    """The pipeline (numpy, lxml...) loads on first use, so that `cleaner --help`
    and other light commands start fast."""
    if name in ("CleanRun", "clean"):
        from .run import pipeline

        return getattr(pipeline, name)
    if name in ("process_batch", "process_document"):
        from .run import stages

        return getattr(stages, name)
    raise AttributeError(f"module 'cleaner' has no attribute {name!r}")
