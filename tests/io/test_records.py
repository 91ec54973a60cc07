"""Records of other tools in: JSON Lines and Parquet files whose records hold
a page in one field; the record's own fields come back under `metadata`, and
the texts are the same whatever the format round trip."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from click.testing import CliRunner

from cleaner import Options, clean
from cleaner.cli import main
from cleaner.io import records

from ..conftest import SAMPLES


def run_on(*inputs: Path, **options):
    run = clean([str(i) for i in inputs], Options(workers=1, **options))
    return list(run), run.stats


def sample_records() -> list[dict]:
    return [{"id": f"doc{n}", "url": f"https://news{n % 2}.example/{n}", "html": path.read_bytes().decode("utf-8", "replace"),
             "lang_hint": "vi", "rank": n} for n, path in enumerate(sorted(SAMPLES.glob("*.html")))]


def test_json_lines_records_are_documents_and_keep_their_other_fields(tmp_path: Path) -> None:
    rows = sample_records()
    path = tmp_path / "pages.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    docs, stats = run_on(path, dedup=False)
    assert [d.id for d in docs] == [r["id"] for r in rows] and stats.written == len(rows)
    assert docs[0].url == rows[0]["url"] and docs[0].site == "news0.example" and docs[0].format == "html"
    assert docs[1].metadata == {"lang_hint": "vi", "rank": 1}
    assert docs[0].source == f"{path}@1"


def test_parquet_records_read_a_row_group_at_a_time_and_give_the_same_texts(tmp_path: Path) -> None:
    rows = sample_records()
    as_jsonl = tmp_path / "pages.jsonl"
    as_jsonl.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    as_parquet = tmp_path / "pages.parquet"
    pq.write_table(pa.Table.from_pylist(rows), as_parquet, row_group_size=1)
    from_jsonl, _ = run_on(as_jsonl, dedup=False)
    from_parquet, stats = run_on(as_parquet, dedup=False)
    assert [d.text for d in from_parquet] == [d.text for d in from_jsonl]
    assert [d.metadata for d in from_parquet] == [d.metadata for d in from_jsonl]
    assert from_parquet[0].source == f"{as_parquet}@0" and stats.accounted


def test_a_cleaned_corpus_goes_round_trip_through_parquet(tmp_path: Path) -> None:
    """JSON Lines out, then Parquet out, then cleaned again from Parquet with
    --text-field text: the same texts."""
    first = tmp_path / "first.parquet"
    assert CliRunner().invoke(main, ["clean", str(SAMPLES), "-o", str(first), "-q", "--no-dedup"]).exit_code == 0
    again = tmp_path / "again.jsonl"
    result = CliRunner().invoke(main, ["clean", str(first), "--text-field", "text", "-o", str(again), "-q",
                                       "--no-dedup", "--no-site-learning"])
    assert result.exit_code == 0, result.output
    before = pq.read_table(first).to_pylist()
    after = [json.loads(line) for line in again.read_text().splitlines()]
    assert [r["id"] for r in after] == [r["id"] for r in before]
    assert [r["text"] for r in after] == [r["text"] for r in before]
    assert after[0]["metadata"]["encoding"] == before[0]["encoding"]  # the first run's fields, kept


def test_records_without_the_page_field_fail_alone_and_say_which_fields_they_have(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl.gz"
    lines = [json.dumps({"id": "a", "text": "A quiet morning by the river, where the market opens early."}),
             "{not json", json.dumps([1, 2]), json.dumps({"id": "c", "body": "words"}), ""]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    docs, stats = run_on(path, dedup=False)
    assert [d.status for d in docs] == ["ok", "failed", "failed", "failed"]
    assert "not JSON" in docs[1].message and "not an object" in docs[2].message
    assert docs[3].reason == "no_page" and "body" in docs[3].message and "--text-field" in docs[3].message
    assert stats.accounted


def test_the_format_is_sniffed_and_can_be_forced() -> None:
    assert records.sniff(b"PAR1\x15\x04") == "parquet"
    assert records.sniff(b'{"id": 1, "text": "x"}\n{"id": 2') == "jsonl"
    assert records.sniff(b"{ a text that starts with a brace\nand goes on") is None
    assert records.sniff(b"<html>") is None


def test_forced_format_and_named_fields(tmp_path: Path) -> None:
    path = tmp_path / "export.txt"  # named as a page: read as records only when asked
    path.write_text(json.dumps({"doc_id": "x1", "link": "http://a.example/p", "body": "One two three four."}) + "\n")
    docs, _ = run_on(path, dedup=False)
    assert len(docs) == 1 and docs[0].id == "export"  # a page
    docs, _ = run_on(path, dedup=False, input_format="jsonl", text_field="body", id_field="doc_id",
                     url_field="link")
    assert (docs[0].id, docs[0].url, docs[0].text, docs[0].metadata) == ("x1", "http://a.example/p",
                                                                          "One two three four.", None)


def test_metadata_goes_into_parquet_as_json_text(tmp_path: Path) -> None:
    rows = sample_records()
    path = tmp_path / "pages.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / "out.parquet"
    result = CliRunner().invoke(main, ["clean", str(path), "-o", str(out), "-q", "--workers", "1"])
    assert result.exit_code == 0, result.output
    read = pq.read_table(out).to_pylist()
    assert [json.loads(r["metadata"]) for r in read] == [{"lang_hint": "vi", "rank": n} for n in range(len(rows))]
