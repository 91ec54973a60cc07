"""What people look at: the progress bar and summary on stderr, `cleaner
explain` (a document line by line, kept or removed, and why), `cleaner
detect` (how each input decodes), `cleaner dups` (clusters side by side),
and what a person at a terminal meets besides the data.

May import: `run`, the stages, `dedup`, `io`, `document`. Not `cli`.
"""
