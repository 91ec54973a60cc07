"""`cleaner dedup` on JSON Lines, streaming mode, the dups view, and the
helpers behind them (id table, ordered parallel map)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cleaner import Document, Options, clean
from cleaner.cli import main
from cleaner.engines.pool import ordered_map
from cleaner.run.jsonl_dedup import IdTable, _append_fields

from ..conftest import SAMPLES
from ..dedup.test_dedup import ARTICLE, NEAR_COPY, OTHER_COPY, UNRELATED


def corpus(tmp_path: Path) -> Path:
    rows = [{"url": "a", "content": ARTICLE, "lang": "en"},
            {"url": "b", "content": UNRELATED},
            {"url": "c", "content": NEAR_COPY, "date": "2024-01-02"},
            "not json at all",
            {"url": "d", "content": 42},
            {"url": "e", "content": OTHER_COPY}]
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows) + "\n",
                    encoding="utf-8")
    return path


def run(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def test_dedup_adds_fields_and_keeps_everything_else(tmp_path: Path) -> None:
    src = corpus(tmp_path)
    out = tmp_path / "out.jsonl"
    report = tmp_path / "report.json"
    result = run("dedup", str(src), "-o", str(out), "--id-field", "url", "--text-field", "content",
                 "--report", str(report), "--workers", "1")
    assert result.exit_code == 0 and result.stdout == ""
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 6 and lines[3] == "not json at all"
    records = [json.loads(line) for i, line in enumerate(lines) if i != 3]
    by_url = {r["url"]: r for r in records}
    assert by_url["a"]["lang"] == "en" and by_url["a"]["duplicate_of"] is None and by_url["a"]["cluster"] == "a"
    assert by_url["c"]["duplicate_of"] == "a" and by_url["e"]["duplicate_of"] == "a"
    assert by_url["b"]["cluster"] is None and by_url["d"]["content"] == 42
    assert list(by_url["c"])[:3] == ["url", "content", "date"]  # original fields first, in order
    figures = json.loads(report.read_text())
    assert (figures["records_read"], figures["written"], figures["invalid_records"]) == (6, 6, 2)
    assert figures["accounted"] and figures["output"] == str(out)
    assert figures["clusters"][0]["kept"] == "a" and figures["clusters"][0]["size"] == 3


def test_dedup_from_stdin_drop_and_keep_longest(tmp_path: Path) -> None:
    text = corpus(tmp_path).read_text(encoding="utf-8")
    result = run("dedup", "-", "--id-field", "url", "--text-field", "content", "--drop-duplicates",
                 "--keep", "longest", "-q", input=text)
    urls = [json.loads(line)["url"] for line in result.stdout.splitlines() if line.startswith("{")]
    assert "b" in urls and "d" in urls and len([u for u in urls if u in "ace"]) == 1
    kept = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")
            and json.loads(line)["url"] in "ace"][0]
    assert len(kept["content"]) == max(len(ARTICLE), len(NEAR_COPY), len(OTHER_COPY))


def test_dedup_output_is_the_same_for_any_number_of_workers(tmp_path: Path) -> None:
    src = corpus(tmp_path)
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}.jsonl"
        run("dedup", str(src), "-o", str(out), "--id-field", "url", "--text-field", "content",
            "--workers", workers, "-q")
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]


def test_dedup_usage_errors(tmp_path: Path) -> None:
    assert CliRunner().invoke(main, ["dedup", str(tmp_path / "missing.jsonl")]).exit_code == 2
    assert CliRunner().invoke(main, ["dedup", "-", "--threshold", "7"]).exit_code == 2


def test_append_fields() -> None:
    assert _append_fields(b'{"id": 1}\n', {"x": None}, False) == b'{"id": 1, "x": null}\n'
    assert _append_fields(b'{}', {"x": 1}, False) == b'{"x": 1}\n'
    assert _append_fields(b'{ }\r\n', {"x": 1}, False) == b'{"x": 1}\n'
    assert json.loads(_append_fields(b'{"id": 1, "cluster": 5}', {"cluster": "a"}, True)) == {"id": 1, "cluster": "a"}
    assert _append_fields('{"t": "Hà Nội"}'.encode(), {"c": "Đà"}, False).decode() == '{"t": "Hà Nội", "c": "Đà"}\n'
    assert json.loads(_append_fields(b'{"id": 1} ', None, False)) == {
        "id": 1, "duplicate_of": None, "cluster": None, "similarity": None, "contained_in": None,
        "containment": None}


def test_id_table() -> None:
    ids = IdTable()
    for doc_id in ["a", "Hà Nội", "", "x" * 300]:
        ids.append(doc_id)
    assert [ids[i] for i in range(4)] == ["a", "Hà Nội", "", "x" * 300] and len(ids) == 4


def _square(x: int) -> int:
    return x * x


def test_ordered_map_keeps_order_with_workers() -> None:
    items = [(i, i) for i in range(50)]
    assert list(ordered_map(_square, items, 2)) == [(i, i * i) for i in range(50)]
    assert list(ordered_map(_square, items, 1)) == [(i, i * i) for i in range(50)]


def test_stream_mode_emits_before_the_input_ends_and_flags_like_batch() -> None:
    texts = [ARTICLE, UNRELATED, NEAR_COPY, OTHER_COPY]
    consumed = []

    def documents():
        for i, text in enumerate(texts):
            consumed.append(i)
            yield Document(id=f"d{i}", source="memory", raw=text.encode("utf-8"))

    options = Options(stream=True, batch_size=1)
    run_ = clean(documents(), options)
    first = next(iter(run_))
    assert first.id == "d0" and len(consumed) <= 2  # out before the last input was read
    streamed = {d.id: d.duplicate_of for d in clean([Document(id=f"d{i}", source="m", raw=t.encode())
                                                     for i, t in enumerate(texts)], options)}
    batch = {d.id: d.duplicate_of for d in clean([Document(id=f"d{i}", source="m", raw=t.encode())
                                                  for i, t in enumerate(texts)], Options(site_learning=False))}
    assert streamed == batch == {"d0": None, "d1": None, "d2": "d0", "d3": "d0"}


def test_stream_flag_on_the_command_line() -> None:
    result = run("clean", str(SAMPLES), "--stream", "-q")
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows if r["duplicate_of"]] == ["bridge-2-county-times"]
    assert CliRunner().invoke(main, ["clean", str(SAMPLES), "--stream", "--keep", "longest"]).exit_code == 2


def test_dups_view(tmp_path: Path) -> None:
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    run("clean", str(SAMPLES), "-o", str(out), "--report", str(report), "-q")
    plain = run("dups", str(report))
    assert plain.exit_code == 0
    assert "## cluster bridge-1-valley-courier" in plain.stdout
    assert "- Local businesses said trade had fallen by a third" in plain.stdout
    assert "+ (Valley Courier)" in plain.stdout
    assert "  A temporary footbridge built in November" in plain.stdout
    coloured = run("dups", str(report), "--color", "--cluster", "bridge-1-valley-courier")
    assert "bridge-2-county-times" in coloured.stdout and "(kept)" in coloured.stdout
    assert run("dups", str(report), "--cluster", "nothing").exit_code == 2  # tests/test_named_failures.py
    assert CliRunner().invoke(main, ["dups", str(tmp_path / "nope.json")]).exit_code == 2


def test_dups_view_never_prints_control_sequences_from_a_foreign_corpus(tmp_path: Path) -> None:
    # `cleaner dedup` takes JSON Lines from any tool: its texts may hold raw escapes
    evil = "Tin nóng \x1b]0;pwned\x07 \x1b[2J xe buýt điện nối sân bay Nội Bài chạy từ tháng tới, giá vé 45.000 đồng."
    lines = [json.dumps({"id": f"r{i}\x1b[31m", "text": evil + f" Bản {i}."}) for i in range(2)]
    source, out, report = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "report.json"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run("dedup", str(source), "-o", str(out), "--report", str(report), "-q").exit_code == 0
    for args in ([], ["--color"]):
        view = run("dups", str(report), "--corpus", str(out), *args)
        assert view.exit_code == 0 and "r0" in view.stdout
        assert "\x1b]" not in view.stdout and "\x07" not in view.stdout and "\x1b[2J" not in view.stdout
        assert "\\x1b" in view.stdout


def test_dedup_survives_hostile_lines(tmp_path: Path) -> None:
    good = json.dumps({"id": "a", "text": "xe buýt điện nối sân bay Nội Bài chạy từ tháng tới"}, ensure_ascii=False)
    hostile = [b'{"id": "deep", "x": ' + b"[" * 100_000 + b"]" * 100_000 + b', "text": "t"}',
               b'{"id": "nul", "text": "a\x00b"}', b'{"id": "bad utf8", "text": "\xff\xfe"}',
               b'\x00\x01\x02', b'{"id": "lone", "text": "\\ud800 x"}', good.encode()]
    source, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(b"\n".join(hostile) + b"\n")
    result = run("dedup", str(source), "-o", str(out), "--report", str(tmp_path / "r.json"))
    assert result.exit_code == 0, result.output
    lines = out.read_bytes().splitlines()
    assert len(lines) == len(hostile)  # every line accounted for, in order
    assert lines[0] == hostile[0] and lines[3] == hostile[3]  # invalid ones passed through untouched
    figures = json.loads((tmp_path / "r.json").read_text())
    assert figures["invalid_records"] == 4 and figures["records_read"] == 6
