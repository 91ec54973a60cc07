"""A run against a persistent near-duplicate index (--index): its final
grouping takes in the earlier runs' documents (dedup/earlier.py), and its own
documents are added, in one write of the store (dedup/store.py), before the
output is written. A run killed after the add and resumed takes its first
add out again (the journal keeps the run's token)."""

from __future__ import annotations

import numpy as np

from ..dedup.earlier import EARLIER_KEY_BASE, RunIds
from ..dedup.groups import Grouping
from ..dedup.index import CorpusIndex
from ..dedup.store import IndexParameters, IndexStore, NewDocuments, open_index
from ..document import Options


def open_store(options: Options) -> IndexStore:
    """The run's index, its parameters checked against the run's options
    (IndexProblem, with what to do, when they cannot be used together)."""
    return open_index(options.index, IndexParameters.of(options), create=not options.index_readonly)


def run_against_index(options: Options, index: CorpusIndex, ids, token: str,
                      outputs: list[str]) -> tuple[Grouping, RunIds, dict]:
    """`grouped_with_earlier` on the run's index, opened and closed here."""
    store = open_store(options)
    try:
        return grouped_with_earlier(index, store, ids, token, ", ".join(outputs) or "(no output file)", outputs,
                                    options.index_readonly)
    finally:
        store.close()


def grouped_with_earlier(index: CorpusIndex, store: IndexStore, ids, token: str, label: str,
                         outputs: list[str], readonly: bool) -> tuple[Grouping, RunIds, dict]:
    """The run's grouping with the earlier runs' documents in it, the ids by
    key (earlier documents included), and the figures for the report. Unless
    `readonly`, the run's documents are added to the store, atomically."""
    run = store.begin(token, label, write=not readonly)
    try:
        grouping = index.grouping(store)
        names = RunIds(ids, grouping.earlier)
        added = 0
        if not readonly:
            documents = new_documents(index, grouping, ids)
            store.add(run, documents)
            added = len(documents.ids)
            store.commit(run, added, outputs)
    except BaseException:
        store.abort()
        raise
    flagged = int(np.count_nonzero((grouping.roots < 0) & (grouping.keys >= 0)))
    referenced = {run for _, run in grouping.earlier.values()}
    outputs_of = {str(r["run"]): r["outputs"] for r in store.runs() if r["run"] in referenced} \
        if referenced else {}
    figures = {"location": store.location, "run": run if not readonly else None, "readonly": readonly,
               "added": added, "flagged_against_earlier_runs": flagged,
               "earlier_documents_matched": len(grouping.earlier),
               "earlier_runs": outputs_of}  # where the earlier members' texts were written
    return grouping, names, figures


def new_documents(index: CorpusIndex, grouping: Grouping, ids) -> NewDocuments:
    """The run's grouped documents as the store keeps them: each with the kept
    document of its group, of this run (a position) or of an earlier one (a seq)."""
    keys, sizes, bands, signatures = index.rows_for_store()
    roots = keys.copy()
    at = np.searchsorted(grouping.keys, keys)
    grouped = (at < len(grouping.keys)) & (grouping.keys[np.minimum(at, max(len(grouping.keys) - 1, 0))] == keys) \
        if len(grouping.keys) else np.zeros(len(keys), dtype=bool)
    roots[grouped] = grouping.roots[at[grouped]]
    earlier = roots < 0
    positions = np.searchsorted(keys, roots)
    return NewDocuments(ids=[ids[int(k)] for k in keys.tolist()],
                        root_positions=np.where(earlier, -1, positions).astype(np.int64),
                        root_seqs=np.where(earlier, roots - EARLIER_KEY_BASE, -1).astype(np.int64),
                        sizes=sizes, bands=bands, signatures=signatures)
