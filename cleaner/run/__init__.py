"""Running the stages over a corpus: the pipeline (`clean`, `process_batch`),
the engines that run the stages (the local process pool, Ray), the journal that makes runs resumable, the batches
the corpus passes receive, the run's figures and its named failures,
`cleaner dedup` over JSON Lines made by other tools, and a run against a
persistent near-duplicate index (indexing.py).

May import: the stages (`encoding`, `extract`, `chrome`, `language`),
`dedup`, `io`, `document`, `tokens`, `memory`. Not `views` or `cli`.
"""
