"""A run against a persistent near-duplicate index (--index): its final
grouping takes in the earlier runs' documents (dedup/earlier.py), and its own
documents are added, in one write of the store (dedup/store.py), before the
output is written. A run killed after the add and resumed takes its first
add out again (the journal keeps the run's token).

On a cluster with a shared (Redis) index, the search for candidates, which
reads every band list of the index, runs in the cluster's tasks, a group of
bands each; the verification and the add stay here, the add one atomic
write."""

from __future__ import annotations

import numpy as np

from ..dedup.earlier import EARLIER_KEY_BASE, CandidateSearch, RunIds, candidates, merged
from ..dedup.groups import Grouping
from ..dedup.index import CorpusIndex
from ..dedup.store import IndexParameters, IndexStore, NewDocuments, open_index
from ..document import Options


def open_store(options: Options) -> IndexStore:
    """The run's index, its parameters checked against the run's options
    (IndexProblem, with what to do, when they cannot be used together)."""
    return open_index(options.index, IndexParameters.of(options), create=not options.index_readonly)


def run_against_index(options: Options, index: CorpusIndex, ids, token: str,
                      outputs: list[str], engine=None) -> tuple[Grouping, RunIds, dict]:
    """`grouped_with_earlier` on the run's index, opened and closed here; on
    a cluster's `engine` with a shared index, candidates are searched there."""
    store = open_store(options)
    shared = options.index.startswith(("redis://", "rediss://", "unix://"))
    search = cluster_search(engine, options.index, store) if shared and getattr(engine, "reads_inputs", False) \
        else None
    try:
        return grouped_with_earlier(index, store, ids, token, ", ".join(outputs) or "(no output file)", outputs,
                                    options.index_readonly, search)
    finally:
        store.close()


def cluster_search(engine, location: str, store: IndexStore) -> CandidateSearch:
    """Candidate search in the engine's tasks: each opens the index at
    `location` and reads the band lists of its group of bands, with the
    run's hashes for those bands; their pairs are joined here."""
    parameters = store.parameters
    groups = np.array_split(np.arange(parameters.bands), min(parameters.bands, 2 * getattr(engine, "cpus", 1)))

    def search(column, left_out, count):
        jobs = ((None, (location, parameters, {int(b): column(int(b)) for b in group}, left_out, count))
                for group in groups if len(group))
        found = [pair for _, pair in engine.map_ordered(search_bands, jobs)]
        return merged([rows for rows, _ in found], [seqs for _, seqs in found], count)

    return search


def search_bands(job) -> tuple[np.ndarray, np.ndarray]:
    """A task's part of the candidate search: the pairs of its bands."""
    location, parameters, columns, left_out, count = job
    store = open_index(location, parameters, create=False)
    try:
        return candidates(store, columns.__getitem__, left_out, count, sorted(columns))
    finally:
        store.close()


def grouped_with_earlier(index: CorpusIndex, store: IndexStore, ids, token: str, label: str,
                         outputs: list[str], readonly: bool,
                         search: CandidateSearch | None = None) -> tuple[Grouping, RunIds, dict]:
    """The run's grouping with the earlier runs' documents in it, the ids by
    key (earlier documents included), and the figures for the report. Unless
    `readonly`, the run's documents are added to the store, atomically."""
    run = store.begin(token, label, write=not readonly)
    try:
        grouping = index.grouping(store, search)
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
