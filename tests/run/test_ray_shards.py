"""Shards written by the cluster's tasks (run/cluster/records.py): the
records stay in the cluster, tasks write the shards, and the files are those
the local engine writes, byte for byte; only the figures and the documents
not written come back to the driver."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from cleaner import Document, Options, clean
from cleaner.io.shards import ShardOutput

from ..conftest import COMMAND, ROOT, SAMPLES
from .test_index import story_corpus
from .test_ray_engine import FURNITURE, furnished_site

ray = pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")


def _not_here(*args, **kwargs):
    raise AssertionError("the driver did what the tasks should")


def corpus(tmp_path: Path) -> Callable[[], list]:
    """Pages, near-copies, a site's furniture, records wanting one id, a
    given Document, and an input that cannot be read (a new list for each
    run: a run takes a given Document's bytes)."""
    records = tmp_path / "records.jsonl"
    records.write_text("\n".join(json.dumps({"id": "same", "text": f"Tin số {n}. " + "Nội dung bản tin. " * (n + 3)},
                                            ensure_ascii=False) for n in range(9)), encoding="utf-8")
    gone = tmp_path / "gone.txt"
    gone.symlink_to(tmp_path / "nowhere.txt")
    paths = [str(SAMPLES), *map(str, story_corpus(tmp_path / "stories", stories=30)),
             *map(str, furnished_site(tmp_path / "tin.example.vn")), str(records)]
    return lambda: [*paths, Document(id="same", source="given", raw=b"<p>A document given as it is, kept.</p>"),
                    str(gone)]


def written(inputs: list, options: Options, output: ShardOutput) -> tuple[list[bytes], list[tuple], dict]:
    """The shards' bytes, the documents not written, the run's figures."""
    run = clean(inputs(), options)
    missing = [(doc.id, doc.source, doc.status, doc.reason, doc.message) for doc in run.write_shards(output)]
    figures = {k: v for k, v in run.stats.as_dict().items() if k not in ("seconds", "peak_memory_mb")}
    figures["clusters"] = list(figures["clusters"])
    assert run.stats.accounted
    return [Path(path).read_bytes() for path in run.shard_paths], missing, figures


@pytest.mark.parametrize("options", [{}, {"drop_duplicates": True}, {"dedup": False, "site_learning": False},
                                     {"batch_size": 4, "keep": "longest"}])
def test_the_tasks_write_the_shards_of_the_local_engine(ray_instance, tmp_path: Path, monkeypatch,
                                                        options: dict) -> None:
    """Every shard file equals the local engine's, the documents not written
    and the figures too; the driver never reads a record (its last pass and
    its journal's lines are made to fail)."""
    from cleaner.run import journal, pipeline

    inputs = corpus(tmp_path)
    local = written(inputs, Options(workers=1, **options), ShardOutput(str(tmp_path / "local-{shard:02d}.jsonl"), 10))
    assert len(local[0]) > 5 and any(status == "failed" for _, _, status, _, _ in local[1])
    records = [json.loads(line) for shard in local[0] for line in shard.splitlines()]
    assert options.get("dedup") is False or any(r["cluster"] for r in records)
    assert options.get("site_learning") is False or not any(FURNITURE in r["text"] for r in records)
    monkeypatch.setattr(pipeline, "finish_line", _not_here)
    monkeypatch.setattr(journal.Journal, "lines", _not_here)
    output = ShardOutput(str(tmp_path / "ray-{shard:02d}.jsonl"), 10)
    assert written(inputs, Options(engine="ray", **options), output) == local


def test_when_the_cluster_keeps_the_records_its_tasks_read_larger_parts(ray_instance, tmp_path: Path,
                                                                         monkeypatch) -> None:
    """A part's records come back to the driver only when it writes them: with
    shards written by the tasks, parts are planned up to KEPT_PART_BYTES
    (fewer tasks, each costing the driver bookkeeping), else PART_BYTES."""
    from cleaner.run import pipeline

    asked = []

    def part_jobs(*args, largest=None, **kwargs):
        asked.append(largest)
        return planned(*args, largest=largest, **kwargs)

    planned = pipeline.part_jobs
    monkeypatch.setattr(pipeline, "part_jobs", part_jobs)
    inputs = corpus(tmp_path)
    written(inputs, Options(engine="ray"), ShardOutput(str(tmp_path / "p-{shard}.jsonl"), 10))
    list(clean(inputs(), Options(engine="ray")))
    from cleaner.io import readers

    assert asked == [readers.KEPT_PART_BYTES, None]


def test_parquet_shards_and_shards_by_size(ray_instance, tmp_path: Path) -> None:
    """Parquet shards hold the local engine's rows; shards cut by bytes
    hold its records in its order (cut where their sizes before the
    duplicate fields say), none of them empty."""
    pq = pytest.importorskip("pyarrow.parquet")
    inputs = corpus(tmp_path)
    local = written(inputs, Options(workers=1), ShardOutput(str(tmp_path / "l-{shard}.parquet"), 12, format="parquet"))
    run = clean(inputs(), Options(engine="ray"))
    list(run.write_shards(ShardOutput(str(tmp_path / "r-{shard}.parquet"), 12, format="parquet")))
    assert [pq.read_table(p).to_pylist() for p in run.shard_paths] == \
        [pq.read_table(tmp_path / f"l-{n}.parquet").to_pylist() for n in range(len(local[0]))]
    by_size = ShardOutput(str(tmp_path / "s-{shard}.jsonl"), size=20_000)
    here = written(inputs, Options(workers=1), ShardOutput(str(tmp_path / "one-{shard}.jsonl"), 10**6))
    shards, missing, figures = written(inputs, Options(engine="ray"), by_size)
    assert b"".join(shards) == here[0][0] and (missing, figures["written"]) == (here[1], here[2]["written"])
    assert len(shards) > 3 and all(shards)


def test_shards_written_by_the_tasks_against_a_persistent_index(ray_instance, tmp_path: Path) -> None:
    """With --index, the second run's shards (written by the tasks) flag the
    documents of the first run as locally, duplicate_run included."""
    paths = [str(p) for p in story_corpus(tmp_path / "stories", stories=20)]
    shards = {}
    for engine in ("local", "ray"):
        index = str(tmp_path / f"{engine}.idx")
        options = Options(engine=engine, workers=1 if engine == "local" else 2, index=index)
        written(lambda: paths[:30], options, ShardOutput(str(tmp_path / f"{engine}-a{{shard}}.jsonl"), 7))
        shards[engine] = written(lambda: paths[30:], options,
                                 ShardOutput(str(tmp_path / f"{engine}-b{{shard}}.jsonl"), 7))
    assert shards["ray"][0] == shards["local"][0]
    assert any(json.loads(line)["duplicate_run"] == 1 for shard in shards["ray"][0] for line in shard.splitlines())


def test_a_corpus_with_nothing_written_is_one_empty_shard(ray_instance, tmp_path: Path) -> None:
    gone = tmp_path / "gone.txt"
    gone.symlink_to(tmp_path / "nowhere.txt")
    shards, missing, figures = written(lambda: [str(gone)], Options(engine="ray"), ShardOutput(str(tmp_path / "p{shard}.jsonl"),
                                                                                      5))
    assert shards == [b""] and [m[2:4] for m in missing] == [("failed", "not_found")]
    assert figures["failed"] == {"not_found": 1} and figures["written"] == 0


def test_the_command_line_writes_shards_in_the_tasks(tmp_path: Path) -> None:
    """`cleaner clean ... --engine ray -o 'out/part-{shard}.jsonl' --shard-size N`
    writes the local engine's shards, errors and report figures; with
    --resume it says why it cannot (no journal is kept)."""
    inputs = [str(SAMPLES), *map(str, story_corpus(tmp_path / "stories", stories=20)), str(tmp_path / "nowhere.txt")]
    results = {}
    for engine in ("local", "ray"):
        out = tmp_path / engine
        out.mkdir()
        done = subprocess.run([*COMMAND, "clean", *inputs, "-o", str(out / "part-{shard:03d}.jsonl"), "--shard-size",
                               "8", "--engine", engine, "--errors", str(out / "errors.jsonl"), "--report",
                               str(out / "report.json"), "-q"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 1, done.stderr  # (one input failed)
        report = json.loads((out / "report.json").read_text(encoding="utf-8"))
        assert report["output"] == [str(out / f"part-{n:03d}.jsonl") for n in range(len(report["output"]))]
        results[engine] = ([Path(p).read_bytes() for p in report["output"]],
                           (out / "errors.jsonl").read_text(encoding="utf-8"),
                           {k: v for k, v in report.items() if k not in ("seconds", "peak_memory_mb", "output", "started")},
                           done.stderr)
    assert results["ray"] == results["local"] and len(results["ray"][0]) > 3
    resumed = subprocess.run([*COMMAND, "clean", str(SAMPLES), "-o", str(tmp_path / "p-{shard}.jsonl"), "--shard-size",
                              "8", "--engine", "ray", "--resume"], cwd=ROOT, capture_output=True, text=True,
                             timeout=60)
    assert resumed.returncode == 2 and "--resume" in resumed.stderr and "journal" in resumed.stderr
