#!/usr/bin/env python3
"""The persistent near-duplicate index (--index), measured.

  1. size      bytes on disk per document of the embedded (SQLite) index
               holding 1,000,000 documents (synthetic signatures, added as
               ten runs of 100,000). Target: <= 600.
  2. speed     adding and checking a run of 10,000 documents (the candidates
               of every band read from the index, verified, the run added)
               against the 1,000,000-document index, documents a second on
               one core. Target: >= 20,000. With a Redis server (redis-server
               on PATH), the same with --index redis://, and datasketch's
               MinHashLSH with its Redis storage doing the inserts and
               queries of 5,000 documents on the same server: target >= 10x.
  3. run       `cleaner clean vinews-10k --index-readonly` against the
               1,000,000-document index and against an empty one, paired
               rounds: time ratio (target <= 1.5) and the main process's peak
               memory (target: at most 100 MB more).

    python bench/index_store.py [--shared PATH] [--documents 1000000] [--rounds 3]
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paired import CLEANER, ROOT, arguments, paired, report, seconds  # noqa: E402

sys.path.insert(0, ROOT)
from cleaner.dedup.earlier import find_earlier  # noqa: E402
from cleaner.dedup.index import SHORTER_SHARE  # noqa: E402
from cleaner.dedup.store import IndexParameters, NewDocuments, low_bits, open_index  # noqa: E402
from cleaner.document import Options  # noqa: E402

RUN = 100_000


def synthetic(rng: np.random.Generator, count: int, first: int, parameters: IndexParameters):
    """Documents with random signatures (their bands as cleaner hashes them)."""
    from cleaner.dedup.index import band_hashes

    sigs = rng.integers(0, 2**32, (count, parameters.num_perm), dtype=np.uint64).astype(np.uint32)
    documents = NewDocuments(ids=[f"s{first + i:08d}" for i in range(count)],
                             root_positions=np.arange(count, dtype=np.int64), root_seqs=np.full(count, -1),
                             sizes=rng.integers(50, 2000, count), bands=band_hashes(sigs, parameters.bands,
                                                                                    parameters.rows),
                             signatures=low_bits(sigs))
    return sigs, documents


def fill(location: str, documents: int, parameters: IndexParameters) -> None:
    rng = np.random.default_rng(1)
    store = open_index(location, parameters)
    try:
        for first in range(0, documents, RUN):
            _, batch = synthetic(rng, min(RUN, documents - first), first, parameters)
            run = store.begin(f"fill-{first}", "synthetic")
            store.add(run, batch)
            store.commit(run, len(batch.ids), [])
    finally:
        store.close()


def add_and_check(location: str, parameters: IndexParameters, count: int = 10_000) -> float:
    """Documents a second: a run's candidates read and verified, then added."""
    rng = np.random.default_rng(int(time.time()))
    sigs, batch = synthetic(rng, count, 10**9, parameters)
    store = open_index(location, parameters)
    try:
        started = time.perf_counter()
        run = store.begin(f"bench-{time.time()}", "bench")
        find_earlier(store, lambda band: np.ascontiguousarray(batch.bands[:, band]), None, sigs, batch.sizes,
                     Options.threshold, Options.containment, SHORTER_SHARE)
        store.add(run, batch)
        store.abort()  # measured, not kept
        return count / (time.perf_counter() - started)
    finally:
        store.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_figures(parameters: IndexParameters, tmp: str) -> None:
    server = shutil.which("redis-server")
    if server is None:
        return report(bench="redis", skipped="no redis-server on PATH")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--save", "", "--appendonly", "no",
                                "--bind", "127.0.0.1", "--dir", tmp], stdout=subprocess.DEVNULL)
    try:
        import redis

        client = redis.Redis(port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        url = f"redis://127.0.0.1:{port}/0"
        before = client.info("memory")["used_memory"]
        fill(url, 100_000, parameters)
        per_document = (client.info("memory")["used_memory"] - before) / 100_000
        ours = add_and_check(url, parameters, 5_000)
        theirs_insert, theirs_query = datasketch_redis(port, parameters)
        report(bench="redis", memory_bytes_per_document=round(per_document), target_memory="<= 1024",
               cleaner_docs_per_s=round(ours), datasketch_inserts_per_s=round(theirs_insert),
               datasketch_queries_per_s=round(theirs_query),
               ratio=round(ours / (1 / (1 / theirs_insert + 1 / theirs_query)), 1), target=">= 10")
    finally:
        process.terminate()
        process.wait()


def datasketch_redis(port: int, parameters: IndexParameters, count: int = 5_000) -> tuple[float, float]:
    """datasketch's MinHashLSH with Redis storage: inserts, then queries, a second."""
    from datasketch import LeanMinHash, MinHashLSH

    rng = np.random.default_rng(5)
    sigs = rng.integers(0, 2**32, (count, parameters.num_perm), dtype=np.uint64).astype(np.uint32)
    hashes = [LeanMinHash(seed=1, hashvalues=s, scheme="affine32") for s in sigs]
    lsh = MinHashLSH(threshold=Options.threshold, num_perm=parameters.num_perm,
                     storage_config={"type": "redis", "basename": b"bench", "redis": {"host": "127.0.0.1",
                                                                                      "port": port}})
    started = time.perf_counter()
    with lsh.insertion_session() as session:
        for n, h in enumerate(hashes):
            session.insert(f"d{n}", h)
    inserts = count / (time.perf_counter() - started)
    started = time.perf_counter()
    for h in hashes[:1000]:
        lsh.query(h)
    return inserts, 1000 / (time.perf_counter() - started)


def run_figures(corpus: str, big: str, tmp: str, rounds: int) -> None:
    empty = os.path.join(tmp, "empty.idx")
    open_index(empty, IndexParameters.of(Options())).close()

    def cleaning(index: str) -> list[str]:
        return [*CLEANER, "clean", corpus, "-o", os.path.join(tmp, "out.jsonl"), "-q", "--index", index,
                "--index-readonly", "--report", os.path.join(tmp, "r.json")]

    peaks = {}

    def timed(index: str, label: str) -> float:
        took = seconds(cleaning(index))
        with open(os.path.join(tmp, "r.json")) as handle:
            peaks.setdefault(label, []).append(json.load(handle)["peak_memory_mb"])
        return took

    small, large = paired(lambda: timed(empty, "empty"), lambda: timed(big, "big"), rounds)
    report(bench="run against the index", documents=len(os.listdir(corpus)),
           empty_index_s=round(statistics.median(small), 2), big_index_s=round(statistics.median(large), 2),
           time_ratio=round(statistics.median(large) / statistics.median(small), 3), target_time="<= 1.5",
           peak_mb_empty=max(peaks["empty"]), peak_mb_big=max(peaks["big"]),
           memory_growth_mb=round(max(peaks["big"]) - max(peaks["empty"]), 1), target_memory="<= 100")


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--documents", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="size,speed,redis,run")
    args = parser.parse_args()
    parameters = IndexParameters.of(Options())
    with tempfile.TemporaryDirectory() as tmp:
        big = os.path.join(tmp, "big.idx")
        started = time.perf_counter()
        fill(big, args.documents, parameters)
        size = os.path.getsize(big) + (os.path.getsize(big + "-wal") if os.path.exists(big + "-wal") else 0)
        report(bench="size", documents=args.documents, fill_s=round(time.perf_counter() - started, 1),
               bytes_per_document=round(size / args.documents, 1), target="<= 600")
        if "speed" in args.only:
            figures = [add_and_check(big, parameters) for _ in range(3)]
            report(bench="add and check", index_documents=args.documents, run_documents=10_000,
                   docs_per_s=round(statistics.median(figures)), target=">= 20000")
        if "redis" in args.only:
            redis_figures(parameters, tmp)
        corpus = os.path.join(args.shared, "corpora", "vinews-10k")
        if "run" in args.only and os.path.isdir(corpus):
            run_figures(corpus, big, tmp, args.rounds)


if __name__ == "__main__":
    main()
