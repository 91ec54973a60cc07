"""Chrome: the site furniture around a page's text (navigation, counters,
share and print links, related and most-read lists, comments, footers),
found line by line in text, with a reason for every line removed.

- filter.py: `clean_text`, the line classifier that runs on every document
  (for HTML after extraction; for text dumps it is the whole job);
- linerules.py: what marks one line, on its own, as chrome;
- lines.py: lines as the rules read them (normal form, word key, words);
- datelines.py: date lines and counter lines;
- tails.py: tail blocks under a heading ("Tin liên quan", "Most read");
- lexicon.py: the phrases by kind and language (lexicon.json);
- sites.py: site learning, lines that recur across one site's documents;
- site_parts.py: the same, reduced by site over a cluster's partitions.

May import: `cleaner.document`, `cleaner.tokens`, `cleaner._native`.
Not `run`, `views` or `cli`, nor the other stages.
"""

from .filter import RULE_KINDS, Cleaned, LineDecision, clean_text, removed_by_rule

__all__ = ["RULE_KINDS", "Cleaned", "LineDecision", "clean_text", "removed_by_rule"]
