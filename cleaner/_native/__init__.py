"""The compiled kernels, all optional: each has a pure-Python twin that gives
the same results (the tests compare them), and the install works without a
C compiler. One C file per extension module, loaded by the module named:

- _fingerprint.c (+ _jsonscan.h): tokens, line keys, UTF-8 lengths, shingle
  hashes and MinHash signatures, read from str or straight from JSON Lines
  bytes; respaced JSON output. Loaded by `cleaner.tokens`,
  `cleaner.dedup.minhash`, `cleaner.chrome.linerules`, `cleaner.io.writers`;
  twins in numpy/Python there.
- _segment.c: the walk that cuts a parsed page into text blocks. Loaded by
  `cleaner.extract.pageblocks` (twin: `pageblocks.walk` in Python).
- _forest.c: the block model's trees, summed per block. Loaded by
  `cleaner.extract.blockmodel` (twin: numpy).
- _langid.c: py3langid's features and scores. Loaded by `cleaner.language`
  (twin: py3langid itself).

Imports nothing of cleaner.
"""
