"""Crawl and record files read in parts, as tasks on a cluster read them
(readers.parts, readers.part_documents): the parts of a file give exactly
the documents a whole read gives, each once, in order, whatever the part
size, also with damage between records and where a part boundary falls
inside a record or a line."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest
from warcio.warcwriter import WARCWriter

from cleaner.io import readers
from cleaner.io.records import RecordFields

from ..conftest import DATA
from .test_warc import GARBAGE, http_record, three_records

PEER = DATA / "warc-peer"


def whole(path: Path) -> list[tuple]:
    """The documents a whole read gives (ids as wanted)."""
    return [summary(d) for d in readers.documents([str(path)], ids=readers._AsWanted())]  # type: ignore[arg-type]


def in_parts(path: Path, part_bytes: int) -> tuple[list[tuple], int]:
    planned = list(readers.parts([str(path)], part_bytes=part_bytes))
    docs = [summary(d) for part in planned for d in readers.part_documents(part, 64 << 20, RecordFields())]
    return docs, len(planned)


def summary(doc) -> tuple:
    return doc.id, doc.source, doc.status, doc.reason, doc.message, doc.url, doc.raw


def many_records(path: Path, count: int, gzipped: bool = True) -> Path:
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=gzipped)
        for n in range(count):
            body = f"<html><body><p>Tin số {n}: " + "chữ " * (n % 17 * 20) + "</p></body></html>"
            http_record(writer, f"http://tin.example.vn/{n}", body.encode(), [("Content-Type", "text/html")])
    return path


@pytest.mark.parametrize("part_bytes", [1, 700, 2_000, 10_000, 1 << 30])
def test_a_warc_gzipped_record_by_record_reads_the_same_in_parts(tmp_path: Path, part_bytes: int) -> None:
    path = many_records(tmp_path / "crawl.warc.gz", 40)
    expected = whole(path)
    got, parts = in_parts(path, part_bytes)
    assert got == expected and len(expected) == 40
    assert parts > 1 or part_bytes > path.stat().st_size


@pytest.mark.parametrize("part_bytes", [1, 97, 300, 1_000, 1_500, 1 << 30])
def test_damage_between_records_is_one_failure_whichever_part_it_falls_in(tmp_path: Path, part_bytes: int) -> None:
    first, second, third = three_records(gzipped=True)
    path = tmp_path / "garbage.warc.gz"
    path.write_bytes(first + GARBAGE + second + GARBAGE[:300] + third + GARBAGE[:50])
    expected = whole(path)
    assert [d[2] for d in expected] == ["ok", "failed", "ok", "failed", "ok", "failed"]
    assert in_parts(path, part_bytes)[0] == expected


@pytest.mark.parametrize("name", sorted(p.name for p in PEER.glob("*.*arc*")))
def test_the_peer_crawls_read_the_same_in_parts(name: str) -> None:
    path = PEER / name
    assert in_parts(path, 200)[0] == whole(path)


@pytest.mark.parametrize("part_bytes", [1, 50, 333, 1 << 30])
def test_json_lines_read_the_same_in_parts_with_their_line_numbers(tmp_path: Path, part_bytes: int) -> None:
    lines = [json.dumps({"text": f"Bản tin {n}\n" + "chữ " * (n % 7)}, ensure_ascii=False) for n in range(30)]
    lines[4], lines[9] = "not json", ""
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8")  # (no line end after the last)
    expected = whole(path)
    got, parts = in_parts(path, part_bytes)
    assert got == expected and parts > 1 or part_bytes > path.stat().st_size
    assert any(d[2] == "failed" for d in got) and got[-1][1].endswith("@30")


def test_gzipped_json_lines_are_one_part(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl.gz"
    path.write_bytes(gzip.compress(b"".join(b'{"text": "t %d"}\n' % n for n in range(50))))
    got, parts = in_parts(path, 10)
    assert parts == 1 and got == whole(path)


@pytest.mark.parametrize("part_bytes", [1, 400, 1 << 30])
def test_parquet_reads_the_same_by_row_groups(tmp_path: Path, part_bytes: int) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    import pyarrow as pa

    path = tmp_path / "records.parquet"
    table = pa.table({"id": [f"r{n}" for n in range(25)], "text": [f"Bản tin {n} " * (n + 1) for n in range(25)]})
    pq.write_table(table, path, row_group_size=4)
    expected = whole(path)
    got, parts = in_parts(path, part_bytes)
    assert got == expected and len(got) == 25
    assert parts == (7 if part_bytes == 1 else 1 if part_bytes > 10_000 else parts) and parts >= 1


def test_a_part_its_task_cannot_read_fails_by_name(tmp_path: Path) -> None:
    path = many_records(tmp_path / "crawl.warc.gz", 10)
    planned = list(readers.parts([str(path)], part_bytes=500))
    path.unlink()  # (as on a node where the shared filesystem is not mounted)
    docs = [d for part in planned for d in readers.part_documents(part, 64 << 20, RecordFields())]
    assert docs and all(d.status == "failed" and d.reason == "not_found" for d in docs)
    assert all(d.message == "no such file or directory" for d in docs)


def test_pages_are_documents_and_stdin_is_read_where_the_parts_are_planned(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("<p>x</p>")
    planned = list(readers.parts([str(tmp_path / "a.html"), "-"], stdin=io.BytesIO(b"hello")))
    assert [type(p).__name__ for p in planned] == ["Document", "Document"]
    assert planned[0].raw is None and planned[1].raw == b"hello"


def test_a_small_file_is_cut_for_every_cpu_and_no_part_is_tiny(tmp_path: Path) -> None:
    path = tmp_path / "records.jsonl"
    line = json.dumps({"text": "chữ " * 250}, ensure_ascii=False) + "\n"
    path.write_text(line * (3 * (1 << 20) // len(line.encode())), encoding="utf-8")  # ~3 MB
    assert len(list(readers.parts([str(path)], min_parts=4))) == 3  # (1 MB at least each)
    assert len(list(readers.parts([str(path)], min_parts=1))) == 1  # (16 MB at most each)
    assert len(list(readers.parts([str(path)], min_parts=2))) == 2


def test_parts_are_at_most_their_largest_size(tmp_path: Path, monkeypatch) -> None:
    """PART_BYTES bounds a part whose records come back to the planner;
    `largest` (KEPT_PART_BYTES, when a cluster keeps the records) another."""
    path = tmp_path / "records.jsonl"
    line = json.dumps({"text": "chữ " * 250}, ensure_ascii=False) + "\n"
    path.write_text(line * (3 * (1 << 20) // len(line.encode())), encoding="utf-8")  # ~3 MB
    monkeypatch.setattr(readers, "PART_BYTES", 1 << 20)
    assert len(list(readers.parts([str(path)]))) == 3
    assert len(list(readers.parts([str(path)], largest=2 << 20))) == 2
    assert readers.KEPT_PART_BYTES > readers.PART_BYTES
