"""Bytes in and out: readers (files, directories, globs, --files-from, stdin,
compressed inputs and WARC/ARC crawls recognised by content) that make
Documents, writers (JSON Lines, one .txt per document, JSON reports), outputs
written atomically or through (devices, pipes), and the standard streams as
pipes and terminals. (Later: Parquet in and out.)

May import: `cleaner.document`, `cleaner._native`. Not the stages, `dedup`,
`run`, `views` or `cli`.
"""
