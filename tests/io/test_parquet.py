"""Corpora out as the next tools read them: Parquet (read back by pyarrow and
by DuckDB), and JSON Lines gzip- or zstd-compressed by the output's name;
the same records, in the same order, whatever the format."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from click.testing import CliRunner

from cleaner.cli import main
from cleaner.io.parquet import ParquetWriter, schema

from ..conftest import SAMPLES


def cleaned(tmp_path: Path, name: str, *extra: str) -> Path:
    out = tmp_path / name
    result = CliRunner().invoke(main, ["clean", str(SAMPLES), "-o", str(out), "-q", "--workers", "1", *extra])
    assert result.exit_code == 0, result.output
    return out


def test_parquet_holds_the_json_lines_records_one_for_one(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in cleaned(tmp_path, "c.jsonl").read_text().splitlines()]
    table = pq.read_table(cleaned(tmp_path, "c.parquet"))
    assert table.to_pylist() == lines
    assert any(r["duplicate_of"] for r in lines)  # the duplicate flags came through too


def test_parquet_has_the_documented_types_and_duckdb_reads_it(tmp_path: Path) -> None:
    path = cleaned(tmp_path, "c.parquet")
    read = pq.read_schema(path)
    assert read.field("text").type == pa.string() and not read.field("text").nullable
    assert read.field("repairs").type == pa.list_(pa.string())
    assert read.field("confidence").type == pa.float64() and read.field("chars_out").type == pa.int64()
    assert pq.ParquetFile(path).metadata.row_group(0).column(0).compression == "ZSTD"
    ((count, kept),) = duckdb.sql(f"select count(*), count(*) filter (where duplicate_of is null) "
                                  f"from read_parquet('{path}')").fetchall()
    assert count == 8 and kept == 7


@pytest.mark.parametrize("name, decompress", [
    ("c.jsonl.gz", gzip.decompress),
    ("c.jsonl.zst", lambda data: zstandard.ZstdDecompressor().stream_reader(data).read()),
])
def test_json_lines_are_compressed_by_the_outputs_name(tmp_path: Path, name: str, decompress) -> None:
    plain = cleaned(tmp_path, "c.jsonl").read_bytes()
    assert decompress(cleaned(tmp_path, name).read_bytes()) == plain


def test_explain_goes_into_parquet_as_json(tmp_path: Path) -> None:
    table = pq.read_table(cleaned(tmp_path, "e.parquet", "--explain", "--no-dedup"))
    lines = json.loads(table.column("explain")[0].as_py())
    assert lines and {"keep", "rule"} <= set(lines[0])


def test_parquet_needs_a_regular_file(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["clean", str(SAMPLES), "--format", "parquet"])
    assert result.exit_code == 2 and "regular output file" in result.output


def test_row_groups_are_written_as_records_come_and_a_failed_run_leaves_nothing(tmp_path: Path) -> None:
    lines = [json.loads(line) for line in cleaned(tmp_path, "c.jsonl").read_text().splitlines()]
    out = tmp_path / "groups.parquet"
    writer = ParquetWriter(str(out), row_group=3)
    for record in lines:
        writer.write(record)
    assert not out.exists()  # atomic: only its temporary file so far
    writer.close()
    assert pq.ParquetFile(out).metadata.num_row_groups == 3 and pq.read_table(out).to_pylist() == lines
    failed = ParquetWriter(str(tmp_path / "failed.parquet"), row_group=3)
    for record in lines:
        failed.write(record)
    failed.close(ok=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["c.jsonl", "groups.parquet"])


def test_an_empty_corpus_is_still_a_parquet_file(tmp_path: Path) -> None:
    out = tmp_path / "empty.parquet"
    ParquetWriter(str(out)).close()
    assert pq.read_table(out).num_rows == 0 and pq.read_schema(out).names == schema().names
