"""Sharded outputs: -o with {shard} and --shard-size by records or by size;
each shard complete when it appears, the records in the output's order
across the shards, whatever the format."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from cleaner.cli import main
from cleaner.io.shards import ShardedWriter, ShardOutput, parse_shard_size

from ..conftest import SAMPLES


def run(*args: str):
    return CliRunner().invoke(main, ["clean", str(SAMPLES), "-q", "--workers", "1", *args])


def test_shards_by_records_hold_the_single_files_records_in_order(tmp_path: Path) -> None:
    single = tmp_path / "all.jsonl"
    assert run("-o", str(single)).exit_code == 0
    expected = [json.loads(line) for line in single.read_text().splitlines()]
    result = run("-o", str(tmp_path / "out" / "part-{shard:05d}.parquet"), "--shard-size", "3",
                 "--report", str(tmp_path / "r.json"))
    (tmp_path / "out").mkdir(exist_ok=True)
    assert result.exit_code == 2  # the folder must exist, as for any output
    result = run("-o", str(tmp_path / "out" / "part-{shard:05d}.parquet"), "--shard-size", "3",
                 "--report", str(tmp_path / "r.json"))
    assert result.exit_code == 0, result.output
    shards = sorted((tmp_path / "out").iterdir())
    assert [p.name for p in shards] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    rows = [row for shard in shards for row in pq.read_table(shard).to_pylist()]
    assert rows == expected
    assert json.loads((tmp_path / "r.json").read_text())["output"] == [str(p) for p in shards]


def test_shards_by_size_and_compressed(tmp_path: Path) -> None:
    assert run("-o", str(tmp_path / "p-{shard}.jsonl.gz"), "--shard-size", "20KB").exit_code == 0
    shards = sorted(tmp_path.glob("p-*.jsonl.gz"), key=lambda p: int(p.name[2:-9]))
    assert len(shards) >= 2
    lines = [line for shard in shards for line in gzip.decompress(shard.read_bytes()).splitlines()]
    assert len(lines) == 8


@pytest.mark.parametrize("args, message", [
    (["-o", "x-{shard}.jsonl"], "give --shard-size too"),
    (["-o", "x.jsonl", "--shard-size", "3"], "naming its shards with {shard}"),
    (["-o", "x-{shard}.jsonl", "--shard-size", "lots"], "neither a number of records"),
])
def test_shard_options_that_do_not_go_together_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    args = [a.replace("x", str(tmp_path / "x"), 1) if a.startswith("x") else a for a in args]
    result = run(*args)
    assert result.exit_code == 2 and message in result.output


def test_a_shard_appears_only_when_complete(tmp_path: Path) -> None:
    from cleaner.io.writers import JsonlWriter, dumps

    writer = ShardedWriter(ShardOutput(str(tmp_path / "s-{shard}.jsonl"), 2), lambda p: JsonlWriter(p))
    for n in range(3):
        writer.write_line(dumps({"n": n}))
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == ["s-0.jsonl"]
    writer.close()
    assert (tmp_path / "s-1.jsonl").read_text() == '{"n": 2}\n'


@pytest.mark.parametrize("text, expected", [("100000", (100000, None)), ("512MB", (None, 512_000_000)),
                                            ("1GiB", (None, 1 << 30)), ("20kb", (None, 20_000))])
def test_shard_sizes(text: str, expected) -> None:
    assert parse_shard_size(text) == expected
