"""HTML to main text: is a document HTML, and if so which of its text blocks
are the page's main content, with its title, date and metadata.

- html.py: sniffing and parsing HTML, trafilatura as one input, the page's
  rows, and `extract_html`, the stage's entry point;
- pageblocks.py: a page as text blocks and what the markup says of each;
- blockfeatures.py: each block's features, the block model's rows;
- blockmodel.py: the boosted trees (data/block_model.json) that score the
  blocks, and the choice of blocks that maximises a page's expected F1;
- blocks.py: article parts that extractors drop, put back;
- fastxpath.py: trafilatura's hottest XPath expressions as compiled Python,
  swapped in only while cleaner extracts (trafilatura is left as it ships).

May import: `cleaner.document`, `cleaner.tokens`, `cleaner._native`, and
`cleaner.chrome` (its lexicon and date lines). Not `run`, `views` or `cli`.
"""

from .html import BlockVerdict, Extracted, extract_html, is_html

__all__ = ["BlockVerdict", "Extracted", "extract_html", "is_html"]
