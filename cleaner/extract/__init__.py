"""HTML to main text: is a document HTML, and if so which of its text blocks
are the page's main content, with its title, date and metadata.

- html.py: `is_html` and `extract_html`, the stage's entry points: sniffing
  and parsing HTML, layout tables unwrapped, the parts below put together;
- rows.py: the page's blocks and feature rows, trafilatura's extraction
  (fast mode, offline, comments apart) among their inputs;
- selection.py: which blocks become the main text, and why the others not;
- metadata.py: title, date and metadata, for the record's fields;
- pageblocks.py: a page as text blocks and what the markup says of each;
- blockfeatures.py: each block's features, the block model's rows;
- blockmodel.py: the boosted trees (block_model.json) that score the
  blocks, and the choice of blocks that maximises a page's expected F1;
- blocks.py: article parts that extractors drop, put back;
- fastxpath.py: trafilatura's hottest XPath expressions as compiled Python,
  swapped in only while cleaner extracts (trafilatura is left as it ships).

May import: `cleaner.document`, `cleaner.tokens`, `cleaner._native`, and
`cleaner.chrome` (its lexicon and date lines). Not `run`, `views` or `cli`.
"""

from .html import BlockVerdict, Extracted, extract_html, is_html

__all__ = ["BlockVerdict", "Extracted", "extract_html", "is_html"]
