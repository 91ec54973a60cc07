"""Near-duplicates: MinHash signatures of the clean text, LSH candidates,
verified pairs, and groups of documents that report the same story.

- minhash.py: tokens to shingles to signatures (datasketch's `affine32`
  scheme, bit-identical), with the compiled kernel or numpy, and the
  one-text helpers handed on here (shingles, signature, to_datasketch);
- index.py: the corpus index: band hashes, candidates verified by their
  signatures, groups, the kept document of each, and cluster reports;
- candidates.py: candidate pairs from shared band hashes;
- groups.py: connected components of the verified pairs;
- bandstore.py: the index's per-document values in fixed-size chunks;
- stream.py: the streaming index (--stream), keep-first as documents come;
- store.py: the persistent index (--index): what it keeps, its interface,
  `open_index`; sqlite_store.py (a file, the default) and redis_store.py
  (shared) implement it; earlier.py brings the earlier runs' documents into
  a run's grouping.

May import: `cleaner.document`, `cleaner.tokens`, `cleaner.memory`,
`cleaner._native`. Not the stages, `io`, `run`, `views` or `cli`.
"""

from ..tokens import tokens
from .minhash import estimated_jaccard, fingerprints, shingles, signature, to_datasketch

__all__ = ["estimated_jaccard", "fingerprints", "shingles", "signature", "to_datasketch", "tokens"]
