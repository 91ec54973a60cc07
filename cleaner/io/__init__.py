"""Bytes in and out.

In: paths.py (files, directories, globs, path lists, and their ids),
readers.py (inputs to Documents, compressed ones recognised by content),
compressed.py (gzip, bzip2, xz, zstd with a cap; HTTP's body encodings),
warc.py (WARC/ARC crawls, record by record), records.py (other tools' JSON
Lines and Parquet, record by record). Out: writers.py (JSON Lines, gzip or
zstd by name, one .txt per document, JSON reports), parquet.py, shards.py,
outputs.py (written atomically, or through for devices and pipes), and
pipes.py (the standard streams as pipes and terminals).

May import: `cleaner.document`, `cleaner._native`. Not the stages, `dedup`,
`run`, `views` or `cli`.
"""
