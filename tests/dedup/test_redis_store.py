"""The Redis index store against a real redis-server (tests/redis_server.py):
parameters, what is stored and read back, runs, passwords, unreachable
servers, two writers at once, and memory per document."""

from __future__ import annotations

import multiprocessing
import time
import uuid

import numpy as np
import pytest
import redis

from cleaner.dedup.redis_store import RedisStore
from cleaner.dedup.store import FORMAT_VERSION, IndexParameters, IndexProblem, NewDocuments, open_index

from ..redis_server import REDIS_PASSWORD

PARAMETERS = IndexParameters(num_perm=128, ngram=5, seed=1, bands=42, rows=3)


@pytest.fixture
def location(redis_url: str) -> str:
    """An index of this test's own (its own key prefix)."""
    return f"{redis_url}/0?prefix=test-{uuid.uuid4().hex[:12]}:"


def new_documents(count: int, seed: int = 0, prefix: str = "doc", roots: np.ndarray | None = None) -> NewDocuments:
    rng = np.random.default_rng(seed)
    positions = np.arange(count, dtype=np.int64) if roots is None else roots
    return NewDocuments(
        ids=[f"{prefix}-{seed}-{i}" for i in range(count)],
        root_positions=positions, root_seqs=np.full(count, -1, dtype=np.int64),
        sizes=rng.integers(10, 5000, count), bands=rng.integers(0, 2**32, (count, 42), dtype=np.uint32),
        signatures=rng.integers(0, 2**16, (count, 128), dtype=np.uint16))


def all_entries(store: RedisStore, band: int) -> set[tuple[int, int]]:
    return {(int(h), int(s)) for hashes, seqs in store.band_entries(band) for h, s in zip(hashes, seqs)}


def test_parameters_are_stored_and_other_ones_refused(location: str) -> None:
    RedisStore(location, PARAMETERS).close()
    again = open_index(location, None, create=False)
    assert isinstance(again, RedisStore) and again.parameters == PARAMETERS
    assert again.stats()["format"] == FORMAT_VERSION
    again.close()
    with pytest.raises(IndexProblem, match=r"seed is 1 there, 2 here") as problem:
        RedisStore(location, IndexParameters(num_perm=128, ngram=5, seed=2, bands=42, rows=3))
    assert location in str(problem.value)
    with pytest.raises(IndexProblem, match="no index at"):
        RedisStore(location.replace("?prefix=test-", "?prefix=none-"), PARAMETERS, create=False)


def test_added_documents_read_back_equal_and_removed_ones_left_out(location: str) -> None:
    store = RedisStore(location, PARAMETERS)
    run = store.begin("token-a", "first")
    docs = new_documents(300, roots=np.r_[np.arange(150), np.zeros(150, dtype=np.int64)])
    docs.root_seqs[-10:] = 7  # kept by an earlier document
    seqs = store.add(run, docs)
    reader = RedisStore(location, PARAMETERS)
    assert all_entries(reader, 0) == set() and len(reader.documents(seqs).seqs) == 0  # not before commit
    store.commit(run, 300, ["out.jsonl"])
    for band in (0, 17, 41):
        assert all_entries(reader, band) == set(zip(docs.bands[:, band].tolist(), seqs.tolist()))
    asked = np.r_[seqs[::-1], 10**6]  # in this order; a seq never given is left out
    found = reader.documents(asked)
    assert found.seqs.tolist() == seqs[::-1].tolist()
    assert found.ids == docs.ids[::-1]
    assert (found.runs == run).all()
    roots = np.r_[seqs[:150], np.full(140, seqs[0]), np.full(10, 7)]
    assert found.roots.tolist() == roots[::-1].tolist()
    assert found.sizes.tolist() == docs.sizes[::-1].tolist()
    assert found.signatures.dtype == np.uint16 and (found.signatures == docs.signatures[::-1]).all()
    assert reader.remove(docs.ids[:5] + ["never-indexed"]) == 5
    left = reader.documents(seqs)
    assert left.ids == docs.ids[5:] and (left.signatures == docs.signatures[5:]).all()
    assert reader.stats()["documents"] == 295 and reader.stats()["removed"] == 5
    store.close()
    reader.close()


def test_seqs_of_two_adds_are_distinct_and_increasing(location: str) -> None:
    store = RedisStore(location, PARAMETERS)
    run = store.begin("t", "run")
    first = store.add(run, new_documents(200, 1))
    second = store.add(run, new_documents(200, 2))
    store.commit(run, 400, [])
    both = np.r_[first, second]
    assert both.tolist() == sorted(set(both.tolist())) and both[0] == 0
    run = store.begin("u", "run")
    third = store.add(run, new_documents(5, 3))
    store.commit(run, 5, [])
    assert third[0] > second[-1]
    assert len(store.documents(np.r_[both, third]).seqs) == 405
    store.close()


def test_committed_runs_are_in_the_stats(location: str) -> None:
    store = RedisStore(location, PARAMETERS)
    run = store.begin("tok", "monday's crawl")
    store.add(run, new_documents(20))
    store.commit(run, 25, ["a.jsonl", "b.jsonl"])
    stats = store.stats()
    assert stats["documents"] == 20 and stats["parameters"] == PARAMETERS.as_dict()
    (record,) = stats["runs"]
    assert record["run"] == run and record["token"] == "tok" and record["label"] == "monday's crawl"
    assert record["documents"] == 25 and record["outputs"] == ["a.jsonl", "b.jsonl"]
    assert record["started"] and record["finished"] and stats["bytes"] > 20 * 600
    assert store.begin("read", "query", write=False) == 0
    store.close()


def test_an_aborted_run_adds_nothing_and_frees_the_lock(location: str) -> None:
    store = RedisStore(location, PARAMETERS)
    run = store.begin("t", "run")
    seqs = store.add(run, new_documents(50))
    store.abort()
    other = RedisStore(location, PARAMETERS)
    started = time.monotonic()
    later = other.begin("t2", "next")
    assert time.monotonic() - started < 1  # the lock was released
    assert all_entries(other, 3) == set() and len(other.documents(seqs).seqs) == 0
    assert other.stats()["documents"] == 0
    other.abort()
    assert later > run
    store.close()
    other.close()


def test_a_run_begun_again_with_its_token_does_not_match_its_earlier_attempt(location: str) -> None:
    store = RedisStore(location, PARAMETERS)
    kept = store.add(run := store.begin("other", "x"), new_documents(10, 9, "kept"))
    store.commit(run, 10, [])
    docs = new_documents(30, 4)
    run = store.begin("resume-me", "first attempt")
    first = store.add(run, docs)
    store.commit(run, 30, [])
    run = store.begin("resume-me", "second attempt")
    assert len(store.documents(first).seqs) == 0
    assert len(store.documents(kept).seqs) == 10
    second = store.add(run, docs)
    store.commit(run, 30, [])
    assert store.documents(np.r_[first, second]).seqs.tolist() == second.tolist()
    stats = store.stats()
    assert stats["documents"] == 40 and stats["removed"] == 30
    assert store.remove(docs.ids) == 30
    store.close()


def test_the_lock_is_renewed_while_held_and_a_run_that_lost_it_writes_nothing(location: str, redis_url: str,
                                                                             monkeypatch) -> None:
    from cleaner.dedup import redis_store

    monkeypatch.setattr(redis_store, "LOCK_MS", 300)
    monkeypatch.setattr(redis_store, "RENEW_EVERY", 0.05)
    store = RedisStore(location, PARAMETERS)
    run = store.begin("t", "slow")
    store.add(run, new_documents(5))
    time.sleep(0.8)  # past the lock's expiry: renewed
    store.commit(run, 5, [])
    assert store.stats()["documents"] == 5
    run = store.begin("u", "paused")
    store.add(run, new_documents(5, 1))
    client = redis.Redis.from_url(f"{redis_url}/0")
    client.delete(location.split("prefix=")[1] + "lock")  # as if it expired while the run was paused
    client.close()
    with pytest.raises(IndexProblem, match="lost the index's write lock"):
        store.commit(run, 5, [])
    assert store.stats()["documents"] == 5
    store.close()


def test_a_password_from_the_url_or_the_environment(redis_password_port: int, monkeypatch) -> None:
    prefix = f"?prefix=pw-{uuid.uuid4().hex[:8]}:"
    good = f"redis://:{REDIS_PASSWORD}@127.0.0.1:{redis_password_port}/0{prefix}"
    store = RedisStore(good, PARAMETERS)
    assert REDIS_PASSWORD not in store.location and REDIS_PASSWORD not in str(store.stats())
    store.close()
    monkeypatch.setenv("REDIS_PASSWORD", REDIS_PASSWORD)
    RedisStore(f"redis://127.0.0.1:{redis_password_port}/0{prefix}", PARAMETERS, create=False).close()
    for wrong in (f"redis://:wrong@127.0.0.1:{redis_password_port}/0{prefix}",
                  f"redis://default:wrong@127.0.0.1:{redis_password_port}/0{prefix}"):
        with pytest.raises(IndexProblem, match="refused the password") as problem:
            RedisStore(wrong, PARAMETERS)
        assert "wrong" not in str(problem.value) and f"127.0.0.1:{redis_password_port}" in str(problem.value)
        assert "\n" not in str(problem.value)
    monkeypatch.delenv("REDIS_PASSWORD")
    with pytest.raises(IndexProblem, match="refused the password"):
        RedisStore(f"redis://127.0.0.1:{redis_password_port}/0{prefix}", PARAMETERS)


def test_an_unreachable_server_is_named_at_once() -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed once the with ends
    started = time.monotonic()
    with pytest.raises(IndexProblem, match=f"redis://127.0.0.1:{port}/0: cannot reach the Redis server"):
        RedisStore(f"redis://127.0.0.1:{port}/0", PARAMETERS)
    assert time.monotonic() - started < 3


def test_keys_that_are_not_an_index_and_a_newer_format_are_refused(location: str, redis_url: str) -> None:
    client = redis.Redis.from_url(f"{redis_url}/0")
    prefix = location.split("prefix=")[1]
    client.set(prefix + "something", b"not ours")
    with pytest.raises(IndexProblem, match="not a cleaner index"):
        RedisStore(location, PARAMETERS)
    client.delete(prefix + "something")
    client.set(prefix + "meta", b"a string")
    with pytest.raises(IndexProblem, match="not a cleaner index"):
        RedisStore(location, PARAMETERS)
    client.delete(prefix + "meta")
    RedisStore(location, PARAMETERS).close()
    client.hset(prefix + "meta", "format", FORMAT_VERSION + 1)
    with pytest.raises(IndexProblem, match="upgrade cleaner"):
        RedisStore(location, PARAMETERS)
    client.delete(prefix + "meta")
    store = RedisStore(location, PARAMETERS)
    client.set(prefix + "b:0:0", b"x")  # a band's key of another kind: named, no traceback
    with pytest.raises(IndexProblem, match="not a cleaner index"):
        list(store.band_entries(0))
    store.close()
    client.close()


def test_a_unix_socket_and_a_prefix(redis_socket: str) -> None:
    location = f"unix://{redis_socket}?db=2&prefix=sock-{uuid.uuid4().hex[:8]}:"
    store = RedisStore(location, PARAMETERS)
    store.add(run := store.begin("t", "over a socket"), new_documents(3))
    store.commit(run, 3, [])
    assert store.stats()["documents"] == 3
    store.close()
    client = redis.Redis(unix_socket_path=redis_socket, db=2)
    assert all(key.startswith(location.split("prefix=")[1].encode()) for key in client.keys("*"))
    client.flushdb()
    client.close()


def _writer(location: str, name: str, rounds: int, per_round: int, queue) -> None:
    """One of two runs writing at once: each round begins, counts what band 0
    holds, adds near-duplicates of the other writer's documents, commits."""
    try:
        store = RedisStore(location, PARAMETERS)
        sections = []
        for round_ in range(rounds):
            run = store.begin(f"{name}-{round_}", name)
            entered = time.time()
            seen = sum(len(seqs) for _, seqs in store.band_entries(0))
            docs = new_documents(per_round, seed=round_, prefix=name)  # the same stories as the other writer's
            store.add(run, docs)
            time.sleep(0.01)
            left = time.time()
            store.commit(run, per_round, [])
            sections.append((entered, left, seen))
        store.close()
        queue.put(sections)
    except BaseException:
        import traceback

        queue.put(traceback.format_exc())


def test_two_writers_at_once_lose_nothing_and_take_turns(location: str) -> None:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    rounds, per_round = 8, 40
    writers = [context.Process(target=_writer, args=(location, name, rounds, per_round, queue))
               for name in ("left", "right")]
    for writer in writers:
        writer.start()
    answers = [queue.get(timeout=120), queue.get(timeout=120)]
    for answer in answers:
        assert isinstance(answer, list), answer  # else the writer's traceback
    sections = sorted(answers[0] + answers[1])
    for writer in writers:
        writer.join(timeout=30)
        assert writer.exitcode == 0
    for (_, left, _), (entered, _, _) in zip(sections, sections[1:]):
        assert left < entered, "two runs held the write lock at once"
    # Each run saw every document committed before it: no two runs both keep a story.
    assert [seen for _, _, seen in sections] == [per_round * i for i in range(len(sections))]
    store = RedisStore(location, PARAMETERS)
    assert store.stats()["documents"] == 2 * rounds * per_round
    assert len(store.documents(np.arange(2 * rounds * per_round)).seqs) == 2 * rounds * per_round
    store.close()


def test_memory_per_document_stays_under_a_kilobyte(redis_url: str) -> None:
    url = f"{redis_url}/15"
    client = redis.Redis.from_url(url)
    client.flushdb()
    before = client.info("memory")["used_memory"]
    store = RedisStore(url, PARAMETERS)
    total, per_run = 5000, 1000
    for start in range(0, total, per_run):
        docs = new_documents(per_run, seed=start)
        docs.ids = [f"https://example.com/news/{start + i:07d}.html" for i in range(per_run)]
        store.add(run := store.begin(f"run-{start}", "measure"), docs)
        store.commit(run, per_run, [])
    keys_bytes = store.stats()["bytes"]
    store.close()
    per_document = (client.info("memory")["used_memory"] - before) / total
    print(f"\nRedis memory per document: {per_document:.0f} bytes (MEMORY USAGE of the keys: "
          f"{keys_bytes / total:.0f})")
    client.flushdb()
    client.close()
    assert per_document < 1024
