"""The `cleaner` command, through click's CliRunner and as a real process in
shell pipelines."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import main

from ..conftest import DATA, ROOT, SAMPLES

N_SAMPLES = len(list(SAMPLES.iterdir()))


def invoke(*args: str, input: bytes | str | None = None, env: dict | None = None):
    runner = CliRunner()
    return runner.invoke(main, list(args), input=input, env=env, catch_exceptions=False)


def records(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


# --- help and usage ---

def test_help_explains_every_option_with_examples_and_exit_codes() -> None:
    result = invoke("clean", "--help")
    assert result.exit_code == 0
    for option in ("--output", "--format", "--out-dir", "--files-from", "--errors", "--report",
                   "--threshold", "--num-perm", "--ngram", "--drop-duplicates", "--no-dedup",
                   "--favor-precision", "--favor-recall", "--max-bytes", "--quiet", "--progress"):
        assert option in result.output
    assert "Examples:" in result.output and "Exit status:" in result.output
    assert "find crawl/ -name '*.html' | cleaner clean --files-from -" in result.output
    top = invoke("--help")
    assert top.exit_code == 0 and "clean" in top.output
    assert invoke("--version").output.startswith("cleaner, version")


@pytest.mark.parametrize("args,message", [
    (["clean"], "give at least one INPUT"),
    (["clean", "samples", "--threshold", "1.5"], "must be in (0, 1]"),
    (["clean", "samples", "--num-perm", "3"], "--num-perm"),
    (["clean", "samples", "--format", "txt"], "--format txt needs --out-dir"),
    (["clean", "samples", "--format", "xml"], "xml"),
    (["clean", "samples", "--favor-precision", "--favor-recall"], "exclude each other"),
    (["clean", "-", "--files-from", "-"], "standard input can be used only once"),
    (["clean", "samples", "-o", "/no/such/dir/out.jsonl"], "does not exist"),
    (["nonsense"], "No such command"),
])
def test_usage_errors_exit_2_without_traceback(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


# --- runs through CliRunner ---

def test_clean_samples_to_a_file_with_report_and_summary(tmp_path: Path) -> None:
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    result = invoke("clean", str(SAMPLES), "-o", str(out), "--report", str(report))
    assert result.exit_code == 0
    assert result.stdout == ""  # data goes to the file; people's output to stderr
    assert "documents read" in result.stderr and "accounted" in result.stderr
    rows = records(out.read_text(encoding="utf-8"))
    assert len(rows) == N_SAMPLES
    assert [r["id"] for r in rows] == sorted(p.stem for p in SAMPLES.iterdir())
    figures = json.loads(report.read_text(encoding="utf-8"))
    assert figures["documents_read"] == N_SAMPLES and figures["accounted"] is True
    assert figures["flagged_duplicates"] == 1
    assert figures["clusters"][0]["kept"] == "bridge-1-valley-courier"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp files left


def test_stdout_is_data_only_and_quiet_silences_stderr() -> None:
    result = invoke("clean", str(SAMPLES), "--quiet")
    assert result.exit_code == 0 and result.stderr == ""
    assert len(records(result.stdout)) == N_SAMPLES


def test_stdin_document(tmp_path: Path) -> None:
    page = (SAMPLES / "bridge-1-valley-courier.html").read_bytes()
    result = invoke("clean", "-", "-q", input=page)
    (row,) = records(result.stdout)
    assert row["id"] == "stdin" and row["source"] == "<stdin>" and row["format"] == "html"


def test_files_from_stdin() -> None:
    listing = "\n".join(str(p) for p in sorted(SAMPLES.glob("*.html"))) + "\n\n"
    result = invoke("clean", "--files-from", "-", "-q", input=listing)
    assert [r["id"] for r in records(result.stdout)] == sorted(p.stem for p in SAMPLES.glob("*.html"))


def test_glob_and_txt_output(tmp_path: Path) -> None:
    out_dir = tmp_path / "clean"
    result = invoke("clean", str(SAMPLES / "*.html"), "--format", "txt", "--out-dir", str(out_dir), "-q")
    assert result.exit_code == 0 and result.stdout == ""
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == sorted(p.stem + ".txt" for p in SAMPLES.glob("*.html"))
    text = (out_dir / "vi-bus-windows-1258.txt").read_text(encoding="utf-8")
    assert text.startswith("Từ ngày 1/4, hành khách có thể đi xe buýt điện")


def test_failed_and_dropped_documents_go_to_errors_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    errors = tmp_path / "errors.jsonl"
    result = invoke("clean", str(SAMPLES / "bridge-1-valley-courier.html"), str(tmp_path / "empty.txt"),
                    str(tmp_path / "missing.html"), "--errors", str(errors), "-q")
    assert result.exit_code == 1
    assert [r["id"] for r in records(result.stdout)] == ["bridge-1-valley-courier"]
    assert [(r["id"], r["status"], r["reason"]) for r in records(errors.read_text())] == [
        ("empty", "dropped", "empty_input"), ("missing", "failed", "not_found")]


def test_drop_duplicates_and_options_from_the_environment(tmp_path: Path) -> None:
    errors = tmp_path / "errors.jsonl"
    result = invoke("clean", str(SAMPLES), "-q", "--errors", str(errors),
                    env={"CLEANER_DROP_DUPLICATES": "1"})
    ids = [r["id"] for r in records(result.stdout)]
    assert "bridge-2-county-times" not in ids and len(ids) == N_SAMPLES - 1
    assert records(errors.read_text())[0]["reason"] == "duplicate_dropped"
    strict = invoke("clean", str(SAMPLES), "-q", env={"CLEANER_THRESHOLD": "0.95", "CLEANER_CONTAINMENT": "1.0"})
    assert all(r["duplicate_of"] is None for r in records(strict.stdout))


# --- as a real process, in shell pipelines ---

def cleaner_command() -> list[str]:
    exe = shutil.which("cleaner")
    return [exe] if exe else [sys.executable, "-m", "cleaner.cli"]


def shell(pipeline: str, tmp_path: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, CLEANER=" ".join(cleaner_command()))
    return subprocess.run(["bash", "-o", "pipefail", "-c", pipeline], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_find_into_cleaner_into_a_json_consumer(tmp_path: Path) -> None:
    result = shell("find samples -name '*.html' | $CLEANER clean --files-from - -q | "
                   f"{sys.executable} -c 'import json,sys; print(sum(1 for l in sys.stdin if json.loads(l)[\"text\"]))'",
                   tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(len(list(SAMPLES.glob("*.html"))))


def test_head_closes_the_pipe_quietly(tmp_path: Path) -> None:
    result = shell("$CLEANER clean samples/ | head -n 1; echo \"status=${PIPESTATUS[0]}\"", tmp_path)
    lines = result.stdout.splitlines()
    assert json.loads(lines[0])["id"] == "000_b2d4cadf0807df7d"
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr
    assert lines[-1] in ("status=0", "status=141")


def test_real_process_exit_codes_and_streams(tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    ok = subprocess.run([*cleaner_command(), "clean", "samples", "-o", str(out)], cwd=ROOT,
                        capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0 and ok.stdout == "" and "documents read" in ok.stderr
    assert len(out.read_text(encoding="utf-8").splitlines()) == N_SAMPLES
    usage = subprocess.run([*cleaner_command(), "clean", "--threshold", "2", "samples"], cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "Traceback" not in usage.stderr
    missing = subprocess.run([*cleaner_command(), "clean", "nope.html", "-q"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode == 1 and missing.stdout == "" and "Traceback" not in missing.stderr


# --- explain ---

def test_explain_plain_when_piped() -> None:
    result = invoke("explain", str(SAMPLES / "000_b2d4cadf0807df7d.txt"))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].startswith("# ") and "text, utf-8 (utf8), ok" in lines[0]
    rows = [line.split("\t") for line in lines if not line.startswith("#")]
    verdicts = {(r[0], r[2].split(":")[0]) for r in rows}
    for expected in [("drop", "date_line"), ("drop", "truncated_repeat"), ("drop", "folded_copy"),
                     ("drop", "counter"), ("keep", "title_suffix"), ("keep", "")]:
        assert expected in verdicts
    assert "\x1b[" not in result.stdout  # no colour when not a terminal


def test_explain_json_and_site_corpus(tmp_path: Path) -> None:
    stories = ["Sở Giao thông vận tải Hà Nội mở thêm tuyến xe buýt điện nối sân bay Nội Bài từ tháng tư.",
               "Đội tuyển bóng đá nữ giành vé dự vòng chung kết châu Á sau chiến thắng ba bàn không gỡ.",
               "Giá vàng trong nước tăng mạnh phiên sáng nay, vượt mốc tám mươi triệu đồng mỗi lượng.",
               "Nông dân miền Tây bắt đầu thu hoạch lúa đông xuân với năng suất cao hơn năm ngoái."]
    for i, story in enumerate(stories):
        (tmp_path / f"p{i}.txt").write_text(f"{story}\n\nNeuer Kommentar schreiben\n\nA\n\nB\n\nC\n",
                                            encoding="utf-8")
    result = invoke("explain", str(tmp_path / "p0.txt"), str(tmp_path), "--json")
    info = json.loads(result.stdout)
    by_text = {line["text"]: line for line in info["lines"]}
    assert by_text["Neuer Kommentar schreiben"]["rule"] == "site_boilerplate"
    assert by_text["Neuer Kommentar schreiben"]["evidence"].startswith("site frequency 4/4")
    alone = json.loads(invoke("explain", str(tmp_path / "p0.txt"), "--json").stdout)
    assert all(line["keep"] for line in alone["lines"])


def test_explain_escapes_terminal_control_sequences(tmp_path: Path) -> None:
    # in the page: removed when decoding; in the file name: shown escaped
    page = tmp_path / "evil\x1b]0;pwned\x07\x1b[31m.txt"
    page.write_text("Một tiêu đề bình thường\n\nNội dung \x1b[31mđỏ\x1b[0m và \x07 chuông, đủ dài để giữ.\n",
                    encoding="utf-8")
    for args in ([], ["--color"], ["--json"]):
        result = invoke("explain", str(page), *args)
        assert "\x1b" not in result.stdout and "\x07" not in result.stdout
        assert "[31mđỏ[0m" in result.stdout


def test_explain_html_shows_the_blocks_the_model_left_out_in_their_places() -> None:
    page = ROOT / "tests" / "data" / "pages" / "no_container.html"
    info = json.loads(invoke("explain", str(page), "--json").stdout)
    texts = [line["text"] for line in info["lines"]]
    kept = [line["text"] for line in info["lines"] if line["keep"]]
    notice = info["lines"][texts.index("Tu comentario está pendiente de moderación.")]
    assert notice["line"] is None and not notice["keep"] and notice["rule"] == "block_model"
    assert notice["evidence"].startswith("p=0.") and "the page keeps p ≥ 0." in notice["evidence"]
    # in document order: menu, story, comment form
    assert texts.index("Inicio") < texts.index(kept[0]) < texts.index(notice["text"])
    assert all(line["line"] is not None for line in info["lines"] if line["keep"])
    numbers = [line["line"] for line in info["lines"] if line["line"] is not None]
    assert numbers == sorted(numbers)
    plain = invoke("explain", str(page)).stdout.splitlines()
    assert "drop\t-\tblock_model: p=" in "\n".join(plain)


def test_explain_usage_errors() -> None:
    assert CliRunner().invoke(main, ["explain", "no/such/file.html"]).exit_code == 2
    assert CliRunner().invoke(main, ["explain", "-"]).exit_code == 2


def test_clean_explain_field(tmp_path: Path) -> None:
    result = invoke("clean", str(SAMPLES / "000_b2d4cadf0807df7d.txt"), "-q", "--explain")
    (row,) = records(result.stdout)
    assert any(e["rule"] == "counter" and not e["keep"] for e in row["explain"])
    plain = records(invoke("clean", str(SAMPLES / "000_b2d4cadf0807df7d.txt"), "-q").stdout)[0]
    assert "explain" not in plain


# --- detect ---

def test_detect_jsonl_when_piped() -> None:
    data = DATA / "encodings"
    result = invoke("detect", str(data / "viscii.txt"), str(data / "cp1258-meta.html"), str(data / "mojibake.txt"))
    assert result.exit_code == 0
    rows = {Path(r["file"]).name: r for r in records(result.stdout)}
    assert (rows["viscii.txt"]["encoding"], rows["viscii.txt"]["method"]) == ("viscii", "detected")
    assert rows["cp1258-meta.html"]["declared"] == "windows-1258"
    assert rows["cp1258-meta.html"]["method"] == "declared"
    assert "mojibake" in rows["mojibake.txt"]["repairs"]
    assert all(r["evidence"] for r in rows.values())


def test_detect_table_and_missing_file(tmp_path: Path) -> None:
    result = invoke("detect", str(SAMPLES / "vi-bus-windows-1258.html"), str(tmp_path / "nope.txt"), "--table")
    assert result.exit_code == 1
    assert "cp1258" in result.stdout and "error" in result.stdout


def test_help_does_not_load_the_pipeline() -> None:
    """`cleaner --help` must start fast: numpy, lxml and trafilatura load on first use."""
    code = ("import sys, cleaner.cli; "
            "print(sorted(m for m in ('numpy', 'lxml', 'trafilatura', 'chardet', 'cleaner.run.pipeline') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_output_lines_copied_from_the_journal_equal_the_records_of_the_library(tmp_path: Path) -> None:
    """The CLI writes documents the corpus passes leave alone straight from the
    journal; its output and figures must be those of the library's Documents."""
    from cleaner import Options, clean
    from cleaner.io.writers import dumps

    stories = ["Sở Giao thông vận tải Hà Nội mở thêm tuyến xe buýt điện nối sân bay Nội Bài từ tháng tư năm nay.",
               "Đội tuyển bóng đá nữ giành vé dự vòng chung kết châu Á sau chiến thắng ba bàn không gỡ hôm qua.",
               "Giá vàng trong nước tăng mạnh phiên sáng nay, vượt mốc tám mươi triệu đồng mỗi lượng vàng miếng.",
               "Nông dân miền Tây bắt đầu thu hoạch lúa đông xuân với năng suất cao hơn hẳn so với năm ngoái."]
    corpus = tmp_path / "corpus"
    (corpus / "site").mkdir(parents=True)
    for i, story in enumerate(stories):  # a site whose pages share a line: boilerplate, edited
        (corpus / "site" / f"p{i}.txt").write_text(f"{story}\n\nNeuer Kommentar schreiben\n", encoding="utf-8")
    wire = " ".join(f"Câu thứ {n} của bản tin thông tấn về thời tiết miền Bắc tuần này." for n in range(12))
    for i in range(3):  # one story on three sites: a group
        (corpus / f"copy{i}.txt").write_text(f"Bản tin số {i}\n\n{wire}\n", encoding="utf-8")
    short = " ".join(f"Câu thứ {n} của bản tin thông tấn về thời tiết miền Bắc tuần này." for n in range(7))
    (corpus / "short.txt").write_text(f"Tin vắn\n\n{short}\n", encoding="utf-8")  # contained in the others
    alone = ["Hội chợ sách mùa thu khai mạc tại công viên với hàng trăm gian hàng của các nhà xuất bản.",
             "Bệnh viện tỉnh đưa vào sử dụng máy chụp cộng hưởng từ mới, giảm thời gian chờ của người bệnh.",
             "Trường đại học công bố điểm chuẩn năm nay, ngành công nghệ thông tin dẫn đầu với số điểm cao."]
    for i, text in enumerate(alone):  # left alone
        (corpus / f"alone{i}.txt").write_text(text + "\n", encoding="utf-8")
    (corpus / "empty.txt").write_bytes(b"")  # not written: to --errors
    (corpus / "tab\tname.txt").write_text("Tên tệp có dấu tab và \u2028 ký tự lạ.\n", encoding="utf-8")
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    result = invoke("clean", str(corpus), "-o", str(out), "--report", str(report), "--workers", "2", "-q")
    assert result.exit_code in (0, 1)

    options = Options(workers=2)
    run = clean([str(corpus)], options)
    docs = list(run)
    assert out.read_bytes() == b"".join(dumps(d.record()) for d in docs if d.ok)
    figures = json.loads(report.read_text())
    expected = run.stats.as_dict()
    for name in ("documents_read", "written", "flagged_duplicates", "dropped", "failed", "bytes_out",
                 "chars_out", "accounted"):
        assert figures[name] == expected[name], name
    assert any(d.duplicate_of for d in docs) and any(d.contained_in for d in docs) and any(not d.ok for d in docs)
    lines = list(clean([str(corpus)], options).output_lines())
    grouped = {d.id for d in docs if d.cluster}
    assert len(grouped) >= 4 and {json.loads(item)["id"] for item in lines if type(item) is bytes} >= grouped
    assert sum(type(item) is bytes for item in lines) >= 8  # the fast path was taken, groups included
    assert any(type(item) is not bytes and item.ok for item in lines)  # and the other one
