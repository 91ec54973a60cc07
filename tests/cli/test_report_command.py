"""`cleaner report` and `--report-html`: the page drawn from a report, its
texts from the corpus, and what it says when something is missing. The
page itself is checked in a browser in tests/views/test_report_browser.py."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import main

from ..conftest import SAMPLES


@pytest.fixture(scope="module")
def samples_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """samples/ cleaned, with both reports."""
    place = tmp_path_factory.mktemp("samples-run")
    result = CliRunner().invoke(main, ["clean", str(SAMPLES), "-o", str(place / "corpus.jsonl"), "--report",
                                       str(place / "report.json"), "--report-html", str(place / "report.html"), "-q"])
    assert result.exit_code == 0, result.output
    return place


def figures_shown(page: str) -> dict[str, int]:
    return {name: int(value.replace(",", "")) for name, value in
            re.findall(r'data-figure="(\w+)">([\d,]+)<', page)}


def cluster_data(page: str) -> list[dict]:
    return json.loads(re.search(r'<script type="application/json" id="cluster-data">(.*?)</script>', page,
                                re.S).group(1))


def test_clean_writes_both_reports_and_they_agree(samples_run: Path) -> None:
    figures = json.loads((samples_run / "report.json").read_text(encoding="utf-8"))
    assert figures["inputs"] == [str(SAMPLES)] and figures["inputs_count"] == 1 and figures["started"]
    page = (samples_run / "report.html").read_text(encoding="utf-8")
    shown = figures_shown(page)
    assert shown["documents_read"] == figures["documents_read"] == 8
    assert shown["written"] == figures["written"] and shown["clusters"] == len(figures["clusters"]) == 1
    assert shown["lines_removed"] == figures["chrome"]["lines_removed"]
    clusters = cluster_data(page)
    assert [c["c"] for c in clusters] == [c["cluster"] for c in figures["clusters"]]
    assert clusters[0]["m"][0]["r"], "the member's text aligned with the kept one's"


def test_the_page_loads_nothing_and_runs_only_its_own_script(samples_run: Path) -> None:
    page = (samples_run / "report.html").read_text(encoding="utf-8")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy.split("script-src")[1]
    script = re.search(r"<script>(.*?)</script>", page, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    assert f"'sha256-{digest}'" in policy
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page), "nothing is fetched"


def test_report_command_to_stdout_and_to_a_file(samples_run: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["report", str(samples_run / "report.json")])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("<!DOCTYPE html>") and cluster_data(result.stdout)[0]["m"][0]["r"]
    out = tmp_path / "r.html"
    assert runner.invoke(main, ["report", str(samples_run / "report.json"), "-o", str(out)]).exit_code == 0
    assert figures_shown(out.read_text(encoding="utf-8")) == figures_shown(result.stdout)


def test_a_moved_corpus_is_said_and_can_be_given(samples_run: Path, tmp_path: Path) -> None:
    figures = json.loads((samples_run / "report.json").read_text(encoding="utf-8"))
    figures["output"] = str(tmp_path / "gone.jsonl")
    report = tmp_path / "report.json"
    report.write_text(json.dumps(figures), encoding="utf-8")
    result = CliRunner().invoke(main, ["report", str(report), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0 and "no texts of the clusters" in result.stderr and "--corpus" in result.stderr
    assert cluster_data((tmp_path / "r.html").read_text(encoding="utf-8"))[0]["m"][0]["w"] == \
        "(text not in the corpus)"
    moved = tmp_path / "moved.jsonl"
    shutil.copy(samples_run / "corpus.jsonl", moved)
    result = CliRunner().invoke(main, ["report", str(report), "--corpus", str(moved), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0 and result.stderr == ""
    assert cluster_data((tmp_path / "r.html").read_text(encoding="utf-8"))[0]["m"][0]["r"]


def test_what_is_not_a_report_is_refused_in_one_line(samples_run: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", str(samples_run / "corpus.jsonl")])
    assert result.exit_code == 2 and "is not a report" in result.stderr and "Traceback" not in result.output
    result = CliRunner().invoke(main, ["report", str(tmp_path / "none.json")])
    assert result.exit_code == 2 and "cannot read the report" in result.stderr
    result = CliRunner().invoke(main, ["report", str(samples_run / "report.json"), "-o", str(tmp_path)])
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_without_the_libraries_the_user_is_told_what_to_install(samples_run: Path, tmp_path: Path,
                                                                monkeypatch) -> None:
    import builtins

    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    for args in (["report", str(samples_run / "report.json")],
                 ["clean", str(SAMPLES), "-o", str(tmp_path / "c.jsonl"), "--report-html", str(tmp_path / "r.html")]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2 and "pip install 'cleaner[report]'" in result.stderr
    assert not (tmp_path / "c.jsonl").exists(), "refused before any work"


def test_dedup_writes_the_html_report_of_its_clusters(tmp_path: Path) -> None:
    story = "Mưa lớn kéo dài khiến nhiều tuyến phố ở trung tâm thành phố ngập sâu, giao thông ùn tắc. " * 5
    records = [{"doc": f"a{n}", "body": story + (f" Nguồn {n}." if n else "")} for n in range(3)]
    records.append({"doc": "b", "body": "Một bản tin hoàn toàn khác về giá lúa gạo xuất khẩu tháng này. " * 5})
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in records), encoding="utf-8")
    result = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "out.jsonl"), "--id-field", "doc",
                                       "--text-field", "body", "--report-html", str(tmp_path / "d.html"), "-q"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "d.html").read_text(encoding="utf-8")
    shown = figures_shown(page)
    assert shown["documents_read"] == 4 and shown["clusters"] == 1 and shown["flagged_duplicates"] == 2
    [cluster] = cluster_data(page)
    assert cluster["k"] == "a0" and all(m["r"] for m in cluster["m"])
    assert "This report has no chrome figures" in page


def test_texts_are_read_from_parquet_shards(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["clean", str(SAMPLES), "-o", str(tmp_path / "part-{shard:02d}.parquet"),
                                  "--shard-size", "3", "--report", str(tmp_path / "report.json"), "-q"])
    assert result.exit_code == 0, result.output
    figures = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert len(figures["output"]) == 3 and all(path.endswith(".parquet") for path in figures["output"])
    result = runner.invoke(main, ["report", str(tmp_path / "report.json"), "-o", str(tmp_path / "r.html")])
    assert result.exit_code == 0 and result.stderr == ""
    [cluster] = cluster_data((tmp_path / "r.html").read_text(encoding="utf-8"))
    assert cluster["t"] and cluster["m"][0]["r"]
