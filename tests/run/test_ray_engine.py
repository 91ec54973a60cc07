"""--engine ray on a real local Ray instance (two CPUs, started once for
these tests and stopped after them): the same records as the local engine,
and a worker process killed mid-run retried by Ray with nothing lost."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from cleaner import Document, Options, clean
from cleaner.engines import RayEngine
from cleaner.io import readers, warc
from cleaner.io.shards import ShardOutput

from ..conftest import COMMAND, DATA, ROOT, SAMPLES
from ..io.test_parts import many_records
from .test_index import story_corpus

ray = pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")


def records(run) -> list[dict]:
    return [doc.record() if doc.ok else {"id": doc.id, "status": doc.status, "reason": doc.reason} for doc in run]


@pytest.mark.parametrize("options", [{}, {"site_learning": False}, {"dedup": False, "site_learning": False},
                                     {"batch_size": 3}])
def test_ray_gives_the_records_of_the_local_engine(ray_instance, tmp_path: Path, options: dict) -> None:
    inputs = [str(SAMPLES), *map(str, story_corpus(tmp_path / "stories", stories=25))]
    local = records(clean(inputs, Options(workers=1, **options)))
    on_ray = records(clean(inputs, Options(engine="ray", **options)))
    assert on_ray == local
    assert any(r.get("duplicate_of") for r in local) or options.get("dedup") is False


def _dies_once(payload: tuple[int, str]) -> int:
    """Kills its worker process the first time it sees item 5."""
    number, marker = payload
    if number == 5 and not os.path.exists(marker):
        Path(marker).touch()
        os._exit(1)
    return number * number


def test_a_worker_killed_mid_run_is_retried_and_nothing_is_lost(ray_instance, tmp_path: Path) -> None:
    engine = RayEngine()
    marker = str(tmp_path / "died")
    results = list(engine.map_ordered(_dies_once, ((n, (n, marker)) for n in range(12))))
    assert os.path.exists(marker)  # a worker did die
    assert results == [(n, n * n) for n in range(12)]


def _split(payload: int, partitions: int) -> tuple[int, list[bytes]]:
    return payload, [bytes([payload]) * (p + 1) for p in range(partitions)]


def _joined(shared: str, payload: int, parts: list[bytes]) -> str:
    return shared + str(payload) + "".join(part.hex() for part in parts)


def test_shuffle_parts_stay_in_the_object_store_however_small(ray_instance) -> None:
    """map_partitioned's parts, even of a few bytes (which Ray would return
    inline to the driver), are kept in the object store of the node that
    made them; reduce gets each partition's parts in order."""
    engine = RayEngine()
    mapped = list(engine.map_partitioned(_split, ((n, n) for n in range(5)), 3))
    assert [(tag, result) for tag, result, _ in mapped] == [(n, n) for n in range(5)]
    handles = [h for _, _, parts in mapped for h in parts]
    for _ in range(50):  # (the owner learns an object's location asynchronously: an inlined one has none)
        where = ray.experimental.get_object_locations(handles)
        if all(len(where[h]["node_ids"]) == 1 for h in handles):
            break
        time.sleep(0.1)
    assert all(len(where[h]["node_ids"]) == 1 for h in handles)
    jobs = [(p, [parts[p] for _, _, parts in mapped]) for p in range(3)]
    expected = ["x" + str(p) + "".join((bytes([n]) * (p + 1)).hex() for n in range(5)) for p in range(3)]
    assert list(engine.reduce(_joined, "x", jobs)) == expected


def _always_dies(payload: int) -> int:
    os._exit(1)


def test_a_task_ray_gives_up_on_ends_the_run_as_an_engine_problem(ray_instance) -> None:
    from cleaner.engines import EngineProblem

    with pytest.raises(EngineProblem, match="a Ray task failed after its retries"):
        list(RayEngine().map_ordered(_always_dies, [(0, 0)]))


def test_the_command_line_runs_on_ray_and_says_what_is_missing(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    before = set(Path("/tmp").glob("cleaner-ray-*")) | set(Path(tempfile.gettempdir()).glob("cleaner-ray-*"))
    done = subprocess.run([*COMMAND, "clean", str(SAMPLES), "-o", str(out), "--engine", "ray", "--workers", "2",
                           "-q"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    after = set(Path("/tmp").glob("cleaner-ray-*")) | set(Path(tempfile.gettempdir()).glob("cleaner-ray-*"))
    assert after <= before  # the local Ray instance's directory is gone with it
    local = subprocess.run([*COMMAND, "clean", str(SAMPLES), "-o", "-", "-q"], cwd=ROOT, capture_output=True,
                           text=True, timeout=300)
    assert [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()] == \
        [json.loads(line) for line in local.stdout.splitlines()]
    wrong = subprocess.run([*COMMAND, "clean", str(SAMPLES), "--address", "auto"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "--address is for --engine ray" in wrong.stderr


def test_on_a_two_node_cluster_a_removed_node_loses_nothing(tmp_path: Path, monkeypatch) -> None:
    """A head that runs no task and two worker nodes (ray.cluster_utils):
    the run reads its inputs where the workers are; one worker node is
    removed mid-run and its tasks are retried on the other, with the same
    records as the local engine, and the same shards when the tasks write
    them."""
    from ray.cluster_utils import Cluster

    crawl = many_records(tmp_path / "crawl.warc.gz", 40)
    monkeypatch.setattr(readers, "PART_BYTES", 4000)  # the crawl in parts, read on both nodes
    inputs = [str(SAMPLES), *map(str, story_corpus(tmp_path / "stories", stories=40)), str(crawl)]
    local = records(clean(inputs, Options(workers=1, batch_size=4)))
    local_shards = clean(inputs, Options(workers=1, batch_size=4))
    list(local_shards.write_shards(ShardOutput(str(tmp_path / "local-{shard}.jsonl"), 9)))
    if ray.is_initialized():
        ray.shutdown()  # (the other tests' local instance)
    directory = tempfile.mkdtemp(prefix="ray-", dir="/tmp")
    monkeypatch.setenv("TMPDIR", directory)  # where the cluster's nodes keep their files (short paths)
    monkeypatch.setattr(tempfile, "tempdir", directory)
    os.makedirs(os.path.join(directory, "ray"))
    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 0, "include_dashboard": False})
    try:
        doomed = cluster.add_node(num_cpus=1)
        cluster.add_node(num_cpus=1)
        ray.init(address=cluster.address, log_to_driver=False, configure_logging=False)
        run = clean(inputs, Options(engine="ray", batch_size=4))
        seen = []
        for doc in run:
            seen.append(doc.record() if doc.ok else {"id": doc.id, "status": doc.status, "reason": doc.reason})
        assert seen == local  # all nodes at work

        def removing():
            for n, doc in enumerate(clean(inputs, Options(engine="ray", batch_size=4, site_learning=False))):
                if n == 0:
                    cluster.remove_node(doomed)
                yield doc.record() if doc.ok else {"id": doc.id, "status": doc.status, "reason": doc.reason}

        assert list(removing()) == records(clean(inputs, Options(workers=1, batch_size=4, site_learning=False)))
        # A node removed while the documents are processed: the site rows its
        # tasks kept for the reduce by site are made again (Ray's lineage).
        late = cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        removed = []

        def remove_late(read: int, _bytes: int) -> None:
            if not removed:
                removed.append(read)
                cluster.remove_node(late)

        run = clean(inputs, Options(engine="ray", batch_size=4), on_progress=remove_late)
        assert records(run) == local and removed
        # Shards written by the tasks, a node removed while it keeps records
        # (and site rows, band hashes) the tasks need: made again by Ray.
        late = cluster.add_node(num_cpus=1)
        cluster.wait_for_nodes()
        removed.clear()
        run = clean(inputs, Options(engine="ray", batch_size=4), on_progress=remove_late)
        list(run.write_shards(ShardOutput(str(tmp_path / "cluster-{shard}.jsonl"), 9)))
        assert [Path(p).read_bytes() for p in run.shard_paths] == \
            [Path(p).read_bytes() for p in local_shards.shard_paths] and removed
    finally:
        ray.shutdown()
        cluster.shutdown()
        shutil.rmtree(directory, ignore_errors=True)


def test_an_engine_object_of_ones_own_and_an_index_work_with_ray(ray_instance, tmp_path: Path) -> None:
    """A program's own Ray instance and engine object: `clean(..., engine=)`
    uses it as it is (not closed after); a persistent index works on Ray too."""
    inputs = [str(p) for p in story_corpus(tmp_path / "stories", stories=20)]
    engine = RayEngine()
    index = str(tmp_path / "corpus.idx")
    first = records(clean(inputs[:30], Options(index=index), engine=engine))
    second = records(clean(inputs[30:], Options(index=index), engine=engine))
    assert ray.is_initialized()
    local_index = str(tmp_path / "local.idx")
    assert first == records(clean(inputs[:30], Options(workers=1, index=local_index)))
    assert second == records(clean(inputs[30:], Options(workers=1, index=local_index)))
    assert any(r.get("duplicate_run") == 1 for r in second)


FURNITURE = "Chuyên mục Đời sống miền Trung"


def furnished_site(directory: Path) -> list[Path]:
    """Twelve reports of one site, each under the same short line of the site's."""
    import random

    rng = random.Random(3)
    words = "người dân thành phố tỉnh năm nay cho biết công trình mới được xây dựng tại khu vực".split()
    directory.mkdir(parents=True)
    paths = []
    for n in range(12):
        sentences = [" ".join(rng.choice(words) for _ in range(14)).capitalize() + "." for _ in range(6)]
        paths.append(directory / f"bai-{n}.txt")
        paths[-1].write_text(f"{FURNITURE}\n" + "\n".join(sentences) + f"\nBài số {n}.", encoding="utf-8")
    return paths


def test_site_learning_is_reduced_by_site_in_the_cluster(ray_instance, tmp_path: Path, monkeypatch) -> None:
    """On Ray, the sites' boilerplate is counted by reduce tasks, a partition
    of the sites each (counting in the driver is made to fail), and the
    documents that hold some are edited and signed again by tasks (the
    second map), with the records of the local engine: lines learned, and
    removed, alike."""
    from cleaner.run import site_learning

    inputs = [str(SAMPLES), *map(str, story_corpus(tmp_path / "stories", stories=30)),
              *map(str, furnished_site(tmp_path / "tin.example.vn"))]
    local = records(clean(inputs, Options(workers=1)))
    texts = [r["text"] for r in local if "tin.example.vn" in r.get("source", "")]
    assert len(texts) == 12 and not any(FURNITURE in text for text in texts)  # learned, and removed
    local_without_dedup = records(clean(inputs, Options(workers=1, dedup=False)))
    # (in batches of 4, the documents holding boilerplate are edited and signed again by the engine)
    assert records(clean(inputs, Options(workers=2, batch_size=4))) == local
    monkeypatch.setattr(site_learning, "SiteKeySpool", _not_here)
    assert records(clean(inputs, Options(engine="ray"))) == local
    assert records(clean(inputs, Options(engine="ray", dedup=False))) == local_without_dedup
    monkeypatch.setattr(site_learning, "fingerprint_batch", _not_here)  # (not in the driver: in the tasks)
    assert records(clean(inputs, Options(engine="ray", batch_size=4))) == local


def test_near_duplicate_candidates_are_found_by_partition_in_the_cluster(ray_instance, tmp_path: Path,
                                                                        monkeypatch) -> None:
    """On Ray, band hashes are split by hash in the tasks, candidate pairs
    found by reduce tasks, a partition each, verified where the signatures
    are, a group of batches each, and grouped there (finding, verifying or
    grouping them in the driver is made to fail), also after site learning
    signs documents again: the duplicate fields of the local engine, for any
    batch size."""
    from cleaner.dedup import index

    inputs = [str(SAMPLES), *map(str, story_corpus(tmp_path / "stories", stories=40)),
              *map(str, furnished_site(tmp_path / "tin.example.vn"))]
    runs = ({}, {"batch_size": 3}, {"site_learning": False})
    local = [records(clean(inputs, Options(workers=1, **options))) for options in runs]
    assert sum(1 for r in local[0] if r.get("duplicate_of")) > 10
    monkeypatch.setattr(index, "candidate_pairs", _not_here)
    monkeypatch.setattr(index, "agreement", _not_here)  # (the pairs are verified there too,
    monkeypatch.setattr(index.CorpusIndex, "grouped", _not_here)  # and grouped)
    for options, expected in zip(runs, local):
        assert records(clean(inputs, Options(engine="ray", **options))) == expected


def test_with_a_shared_redis_index_the_tasks_search_it(ray_instance, tmp_path: Path, redis_url: str,
                                                        monkeypatch) -> None:
    """With --index on Redis, the search for candidates (every band list of
    the index read) runs in the Ray tasks, a group of bands each (searching
    in the driver is made to fail); the records, and what the index holds
    after, are those of the local engine."""
    from cleaner.dedup import earlier
    from cleaner.dedup.store import open_index

    inputs = [str(p) for p in story_corpus(tmp_path / "stories", stories=20)]
    tag = os.urandom(4).hex()
    local_index, ray_index = f"{redis_url}/0?prefix=l{tag}:", f"{redis_url}/0?prefix=r{tag}:"
    expected = [records(clean(part, Options(workers=1, index=local_index))) for part in (inputs[:30], inputs[30:])]
    searched = []
    monkeypatch.setattr(earlier, "candidates", lambda *a, **k: searched.append(1) or _not_here())
    got = [records(clean(part, Options(engine="ray", index=ray_index))) for part in (inputs[:30], inputs[30:])]
    assert got == expected and not searched
    assert any(r.get("duplicate_run") == 1 for r in got[1])
    stats = [open_index(where, create=False) for where in (local_index, ray_index)]
    try:
        assert stats[0].stats()["documents"] == stats[1].stats()["documents"] > 30
    finally:
        for store in stats:
            store.close()


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_stop_a_ray_run_cleanly(tmp_path: Path, signum: int) -> None:
    """Ray's core installs its own SIGTERM handler (a stack dump, then death):
    the run puts its own back, so a signal still stops it with exit 130, the
    journal kept and nothing of Ray left behind."""
    from .test_interrupt import start_blocked_run

    out = tmp_path / "corpus.jsonl"
    before = set(Path("/tmp").glob("cleaner-ray-*"))
    process, _, fifo = start_blocked_run(tmp_path, out, "--engine", "ray")
    process.send_signal(signum)
    try:
        stdout, stderr = process.communicate(timeout=60)
    finally:
        try:  # a worker still blocked reading it, if Ray left one behind, gets its end
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        except OSError:  # no reader left: as it should be
            pass
    assert process.returncode == 130, stderr
    assert "interrupted" in stderr and "--resume" in stderr and "Traceback" not in stderr
    assert "SIGTERM received" not in stderr and not out.exists()
    assert set(Path("/tmp").glob("cleaner-ray-*")) <= before  # the local instance's files went with it


def test_an_input_a_worker_cannot_read_fails_by_name(ray_instance, tmp_path: Path) -> None:
    """Paths must be readable where the workers are: one that is not (here a
    link to nothing) fails that document, named, and the run goes on."""
    gone = tmp_path / "gone.txt"
    gone.symlink_to(tmp_path / "nowhere" / "page.txt")
    docs = list(clean([str(SAMPLES), str(gone)], Options(engine="ray")))
    failed = [(d.source, d.reason) for d in docs if d.status == "failed"]
    assert failed == [(str(gone), "not_found")]
    assert len(docs) == len(list(SAMPLES.iterdir())) + 1 and all(d.ok for d in docs[:-1])


def test_crawls_and_records_are_read_by_the_tasks_in_parts(ray_instance, tmp_path: Path, monkeypatch) -> None:
    """WARC, JSON Lines and Parquet inputs are planned in parts here and read
    by the tasks (reading them in this process is made to fail): the same
    records as the local engine, ids taken in input order as there (records
    that want the same id get the same suffixes)."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    crawl = many_records(tmp_path / "crawl.warc.gz", 50)
    (tmp_path / "records.jsonl").write_text("\n".join(
        json.dumps({"id": "same", "text": f"Bản tin số {n}. " + "Nội dung của bản tin. " * (n % 5 + 3)},
                   ensure_ascii=False) for n in range(30)), encoding="utf-8")
    pq.write_table(pa.table({"id": [f"same-{n}" for n in range(1, 12)],
                             "text": [f"Tin {n}: " + "chữ " * (n + 30) for n in range(11)]}),
                   tmp_path / "rows.parquet", row_group_size=3)

    def inputs() -> list:  # (a run takes a given Document's bytes: one each)
        given = Document(id="same", source="given", raw=b"<p>A document given as it is.</p>")
        return [str(SAMPLES), str(crawl), str(tmp_path / "records.jsonl"), given, str(tmp_path / "rows.parquet"),
                str(DATA / "warc-peer")]

    for options in ({}, {"dedup": False, "site_learning": False}):
        local = records(clean(inputs(), Options(workers=1, **options)))
        monkeypatch.setattr(readers, "PART_BYTES", 2000)
        with monkeypatch.context() as here:
            for module, name in ((warc, "documents"), (readers, "part_documents")):
                here.setattr(module, name, _not_here)
            run = clean(inputs(), Options(engine="ray", **options))
            on_ray = records(run)
        assert on_ray == local
        assert run.stats.accounted and run.stats.read == len(on_ray)  # every input accounted for
    ids = [r["id"] for r in local]
    # (a given Document keeps the id it has, taken or not)
    assert len(set(ids)) == len(ids) - 1 and ids.count("same") == 2 and "same-30" in ids and "same-2-2" in ids
    assert sum(1 for r in local if r.get("status") != "ok") > 5  # the peer crawls' skipped and failed records


def _not_here(*args, **kwargs):
    raise AssertionError("the driver did what the tasks should")


SHARED = Path(os.environ.get("CLEANER_SHARED", ROOT.parent / "shared"))


@pytest.mark.parametrize("corpus", ["seeds", "sites-dev", "vinews-10k"])
def test_ray_gives_the_local_records_on_the_shared_corpora(ray_instance, corpus: str) -> None:
    """The seeds, sites-dev (pages and text dumps) and vinews-10k (../shared;
    skipped without it): every record the same on Ray (2 CPUs, and batches
    of 7) as on one local worker, duplicate fields included."""
    paths = {"seeds": SHARED / "seeds", "sites-dev": SHARED / "eval" / "sites-dev",
             "vinews-10k": SHARED / "corpora" / "vinews-10k"}[corpus]
    if not paths.is_dir():
        pytest.skip(f"no {corpus} under {SHARED}")
    if corpus == "sites-dev":  # the pages and their text dumps, not the answer files
        inputs = sorted(str(p) for p in paths.iterdir() if p.name.count(".") == 1)
    else:
        inputs = [str(paths)]
    local = records(clean(inputs, Options(workers=1)))
    assert records(clean(inputs, Options(engine="ray"))) == local
    if corpus != "vinews-10k":
        assert records(clean(inputs, Options(engine="ray", batch_size=7))) == local
    assert corpus == "seeds" or sum(1 for r in local if r.get("duplicate_of")) > 10
