"""Failures are named, not only counted: every command says which
input failed and why, on stderr, and what to do about it."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cleaner.cli import main

from ..conftest import DATA, ROOT, SAMPLES


def invoke(*args: str, input: bytes | str | None = None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def corrupt_gz(path: Path) -> Path:
    path.write_bytes(gzip.compress(b"<p>hello world</p>" * 50)[:30])
    return path


# --- clean ---

def test_clean_names_each_failed_input_with_its_reason(tmp_path: Path) -> None:
    bad = corrupt_gz(tmp_path / "bad.gz")
    missing_dir, pattern = str(tmp_path / "nosuch") + "/", str(tmp_path / "x" / "*.html")
    result = invoke("clean", missing_dir, pattern, str(bad), str(SAMPLES / "bridge-1-valley-courier.html"),
                    "-o", str(tmp_path / "out.jsonl"))
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert f"cleaner: {missing_dir}: not_found (no such directory)" in lines
    assert f"cleaner: {pattern}: not_found (no file matches this pattern)" in lines
    assert f"cleaner: {bad}: corrupt (truncated gzip data)" in lines
    assert "failed: not_found" in result.stderr  # the summary is still there
    assert lines[-1] == "cleaner: --errors FILE lists every document not written, as JSON Lines"
    assert "bridge-1" not in result.stderr  # only failures are named


def test_clean_names_failures_with_quiet_but_gives_no_advice(tmp_path: Path) -> None:
    result = invoke("clean", str(tmp_path / "nosuch.html"), "-q")
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == f"cleaner: {tmp_path / 'nosuch.html'}: not_found (no such file or directory)\n"


def test_clean_names_the_first_20_and_points_to_the_rest(tmp_path: Path) -> None:
    missing = [str(tmp_path / f"gone{i:02}.html") for i in range(25)]
    errors = tmp_path / "errors.jsonl"
    result = invoke("clean", *missing, "-q", "--errors", str(errors))
    named = [line for line in result.stderr.splitlines() if "not_found" in line]
    assert named == [f"cleaner: {path}: not_found (no such file or directory)" for path in missing[:20]]
    assert result.stderr.splitlines()[-1] == f"cleaner: and 5 more; see {errors}"
    assert len(errors.read_text().splitlines()) == 25
    without = invoke("clean", *missing, "-q")
    assert without.stderr.splitlines()[-1] == "cleaner: and 5 more; run with --errors FILE to list them all"


def test_clean_escapes_control_characters_in_failed_names(tmp_path: Path) -> None:
    result = invoke("clean", str(tmp_path / "evil\x1b[2J.html"), "-q")
    assert "\x1b" not in result.stderr and "evil\\x1b[2J.html: not_found" in result.stderr


def test_clean_names_failures_as_a_real_process(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "cleaner.cli", "clean", "nosuch/", "-o", "x.jsonl"],
                            cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and result.stdout == ""
    assert "cleaner: nosuch/: not_found (no such directory)" in result.stderr.splitlines()
    assert "Traceback" not in result.stderr


# --- dedup ---

ROWS = [{"url": f"u{i}", "content": f"xe buýt điện số {i} nối sân bay Nội Bài chạy từ tháng tới", "lang": "vi"}
        for i in range(7)]


def jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                            for r in rows), encoding="utf-8")
    return path


def test_dedup_without_any_text_field_says_which_fields_there_are_and_exits_2(tmp_path: Path) -> None:
    source, out = jsonl(tmp_path / "other.jsonl", ROWS), tmp_path / "out.jsonl"
    result = invoke("dedup", str(source), "-o", str(out))
    assert result.exit_code == 2 and result.stdout == "" and not out.exists()
    assert f'no record of {source} has a string "text" field' in result.stderr
    assert "7 records have no \"text\" field (lines 1, 2, 3, 4, 5 and 2 more)" in result.stderr
    assert "their fields: url (7), content (7), lang (7)" in result.stderr
    assert "--text-field content" in result.stderr and "Traceback" not in result.stderr
    assert invoke("dedup", str(source), "--text-field", "content", "-q").exit_code == 0


def test_dedup_names_the_lines_it_passes_through(tmp_path: Path) -> None:
    rows = [*ROWS[:2], {"id": "x", "text": "a text at last"}, "not json", [1, 2], {"id": "y", "text": 5}]
    source = jsonl(tmp_path / "mixed.jsonl", rows)
    for quiet in ([], ["-q"]):  # passed-through lines are named with -q too
        result = invoke("dedup", str(source), *quiet)
        assert result.exit_code == 0 and len(result.stdout.splitlines()) == 6
        warnings = [line for line in result.stderr.splitlines() if line.startswith("cleaner dedup: ")]
        assert warnings == [
            "cleaner dedup: 5 lines passed through unchanged:",
            'cleaner dedup:   2 records have no "text" field (lines 1, 2); their fields: url (2), '
            "content (2), lang (2); give the field holding the text with --text-field (e.g. --text-field content)",
            'cleaner dedup:   1 record has a "text" that is not a string (line 6)',
            "cleaner dedup:   1 line is JSON but not an object (line 5)",
            "cleaner dedup:   1 line is not JSON (line 4)"]


def test_dedup_says_an_html_page_is_not_json_lines(tmp_path: Path) -> None:
    page = SAMPLES / "bridge-1-valley-courier.html"
    result = invoke("dedup", str(page))
    assert result.exit_code == 2 and result.stdout == ""
    assert f"{page} is not JSON Lines" in result.stderr and "looks like HTML" in result.stderr
    piped = invoke("dedup", "-", input=page.read_bytes())
    assert piped.exit_code == 2 and "standard input is not JSON Lines" in piped.stderr
    process = subprocess.run([sys.executable, "-m", "cleaner.cli", "dedup", str(page)], cwd=ROOT,
                             capture_output=True, text=True, timeout=120)
    assert process.returncode == 2 and process.stdout == "" and "Traceback" not in process.stderr
    assert process.stderr.startswith("Error: ") and "is not JSON Lines" in process.stderr


def test_dedup_empty_input_is_not_an_error(tmp_path: Path) -> None:
    result = invoke("dedup", str(jsonl(tmp_path / "empty.jsonl", [])), "-q")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "", "")


# --- dups ---

def dedup_report(tmp_path: Path) -> tuple[Path, Path]:
    """A report written by `dedup` on records keyed url/content (not id/text)."""
    from ..dedup.test_dedup import ARTICLE, NEAR_COPY, UNRELATED

    source = jsonl(tmp_path / "in.jsonl", [{"url": "a", "content": ARTICLE}, {"url": "b", "content": UNRELATED},
                                           {"url": "c", "content": NEAR_COPY}])
    out, report = tmp_path / "out.jsonl", tmp_path / "report.json"
    result = invoke("dedup", str(source), "--id-field", "url", "--text-field", "content",
                    "-o", str(out), "--report", str(report), "-q")
    assert result.exit_code == 0
    return out, report


def test_dups_reads_the_fields_a_dedup_report_names(tmp_path: Path) -> None:
    out, report = dedup_report(tmp_path)
    figures = json.loads(report.read_text())
    assert (figures["id_field"], figures["text_field"]) == ("url", "content")
    result = invoke("dups", str(report))
    assert result.exit_code == 0 and "(text not in the corpus)" not in result.stdout
    assert "### c vs a: similarity" in result.stdout and "+ The city council approved" in result.stdout
    wrong = invoke("dups", str(report), "--text-field", "text")  # given on the command line: it wins
    assert "(text not in the corpus)" in wrong.stdout
    assert "no text of these clusters in" in wrong.stderr and "give --id-field and --text-field" in wrong.stderr


def test_dups_on_a_file_that_is_not_a_report_is_a_one_line_error(tmp_path: Path) -> None:
    out, report = dedup_report(tmp_path)
    for path, what in ((out, "it is JSON Lines (a corpus?)"),
                       (SAMPLES / "bridge-1-valley-courier.html", "it is not JSON"),
                       (jsonl(tmp_path / "other.json", [{"clusters": 3}]), "it has no list of clusters")):
        result = invoke("dups", str(path))
        assert result.exit_code == 2 and result.stdout == ""
        assert result.stderr == (f"Error: {path} is not a report of `cleaner clean --report` or "
                                 f"`cleaner dedup --report`: {what}\n")
    missing = invoke("dups", str(tmp_path / "nope.json"))
    assert missing.exit_code == 2 and missing.stderr.endswith("nope.json: No such file or directory\n")


def test_dups_unknown_cluster_is_an_error(tmp_path: Path) -> None:
    _, report = dedup_report(tmp_path)
    result = invoke("dups", str(report), "--cluster", "a", "--cluster", "zz")
    assert result.exit_code == 2 and result.stdout == ""
    assert result.stderr == "Error: no cluster zz in the report; its clusters: a\n"
    process = subprocess.run([sys.executable, "-m", "cleaner.cli", "dups", str(report), "--cluster", "zz"],
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == 2 and "no cluster zz" in process.stderr and "Traceback" not in process.stderr


def test_dups_corpus_lines_that_are_not_objects_are_skipped() -> None:
    import io

    from cleaner.views.dups import load_texts

    corpus = io.StringIO('[1, 2]\n"text"\n{"id": "a", "text": "kept"}\n')
    assert load_texts(corpus, {"a"}) == {"a": "kept"}


# --- explain ---

def test_explain_a_directory_says_it_takes_files(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["explain", str(SAMPLES)])
    assert result.exit_code == 2 and "no such file" not in result.stderr
    assert f"{SAMPLES} is a directory: explain takes a FILE" in result.stderr
    assert "no such file: " in CliRunner().invoke(main, ["explain", str(tmp_path / "nope.html")]).stderr
    process = subprocess.run([sys.executable, "-m", "cleaner.cli", "explain", "samples"], cwd=ROOT,
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == 2 and "samples is a directory: explain takes a FILE" in process.stderr
    assert "Traceback" not in process.stderr


# --- detect ---

VIETNAMESE_PAGE = ("<html><head><meta charset=\"utf-8\"><title>Xe buýt điện</title></head><body><p>Từ ngày 1/4, "
                   "hành khách có thể đi xe buýt điện nối sân bay Nội Bài với trung tâm thành phố.</p>"
                   "</body></html>").encode("utf-8")


def test_detect_reads_compressed_pages_as_clean_does(tmp_path: Path) -> None:
    import bz2
    import lzma

    gz_page = tmp_path / "page.html"  # a gzip body saved under the page's name, as crawlers do
    gz_page.write_bytes(gzip.compress(VIETNAMESE_PAGE))
    (tmp_path / "page.html.xz").write_bytes(lzma.compress(VIETNAMESE_PAGE))
    (tmp_path / "page.html.bz2").write_bytes(bz2.compress(VIETNAMESE_PAGE))
    bad = corrupt_gz(tmp_path / "bad.gz")
    result = invoke("detect", str(tmp_path), "--json")
    assert result.exit_code == 1  # the corrupt one
    rows = {Path(r["file"]).name: r for r in (json.loads(line) for line in result.stdout.splitlines())}
    for name, compression in (("page.html", "gzip"), ("page.html.xz", "xz"), ("page.html.bz2", "bzip2")):
        assert (rows[name]["encoding"], rows[name]["method"], rows[name]["compression"]) == (
            "utf-8", "utf8", compression), rows[name]
        assert rows[name]["bytes"] == len(VIETNAMESE_PAGE)
    assert rows["bad.gz"] == {"file": str(bad), "reason": "corrupt", "error": "truncated gzip data"}
    cleaned = json.loads(invoke("clean", str(gz_page), "-q", "--no-dedup").stdout)
    assert cleaned["encoding"] == rows["page.html"]["encoding"]
    piped = invoke("detect", "-", "--json", input=gzip.compress(VIETNAMESE_PAGE))
    assert json.loads(piped.stdout)["file"] == "<stdin>" and json.loads(piped.stdout)["encoding"] == "utf-8"
    process = subprocess.run([sys.executable, "-m", "cleaner.cli", "detect", str(gz_page)],
                             capture_output=True, text=True, timeout=60)
    assert process.returncode == 0 and json.loads(process.stdout)["encoding"] == "utf-8"


def detect_table(paths: list[Path], width: int) -> str:
    import io

    from rich.console import Console

    from cleaner.views.detect import detect_rows, write_table

    out = io.StringIO()
    write_table(list(detect_rows([str(p) for p in paths], 1 << 20)), Console(file=out, width=width))
    return out.getvalue()


def long_path_page(tmp_path: Path) -> Path:
    directory = tmp_path / "crawl" / "some-news-site.example" / "2024" / "03" / "17"
    directory.mkdir(parents=True)
    page = directory / "article-xe-buyt-dien-noi-san-bay.html"
    page.write_bytes((DATA / "encodings" / "cp1258-stale-latin1-meta.html").read_bytes())
    return page


EVIDENCE = "declared iso-8859-1, but reads as Vietnamese: 96% of accented words are Vietnamese syllables in cp1258"


def test_detect_table_at_80_columns_shows_path_ends_and_wraps_the_evidence(tmp_path: Path) -> None:
    page = long_path_page(tmp_path)
    text = detect_table([page, SAMPLES / "vi-bus-windows-1258.html"], 80)
    lines = text.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert lines[0].split() == ["file", "encoding", "method", "conf", "repairs", "declared"]
    shown = lines[1].split()[0]  # the path's end, as much as the width leaves (no longer 24 characters)
    assert shown.startswith("…") and str(page).endswith(shown[1:]) and len(shown) >= 30
    assert lines[1].split()[1:] == ["cp1258", "detected", "0.96", "nfc", "iso-8859-1"]
    assert EVIDENCE in " ".join(text.split())  # all of it, wrapped under the file
    assert "vi-bus-windows-1258.html" in text


def test_detect_table_on_a_wide_terminal_has_an_evidence_column(tmp_path: Path) -> None:
    page = long_path_page(tmp_path)
    lines = detect_table([page], 160).splitlines()
    assert lines[0].split()[-1] == "evidence" and all(len(line) <= 160 for line in lines)
    assert lines[1].split()[1:6] == ["cp1258", "detected", "0.96", "nfc", "iso-8859-1"]
    column = lines[0].index("evidence")
    assert " ".join(line[column:].strip() for line in lines[1:]) == EVIDENCE


def test_detect_table_on_a_narrow_terminal_moves_columns_to_the_evidence_line(tmp_path: Path) -> None:
    lines = detect_table([long_path_page(tmp_path)], 50).splitlines()
    assert all(len(line) <= 50 for line in lines)
    assert lines[0].split() == ["file", "encoding", "method", "conf"]
    assert "repairs nfc; declared iso-8859-1; " + EVIDENCE == " ".join(" ".join(lines[2:]).split())


def test_detect_table_through_the_command_at_the_terminal_width(tmp_path: Path) -> None:
    page = long_path_page(tmp_path)
    result = CliRunner().invoke(main, ["detect", "--table", str(page), str(tmp_path / "nope.html")],
                                env={"COLUMNS": "80"})
    assert result.exit_code == 1
    assert all(len(line) <= 80 for line in result.stdout.splitlines())
    assert "-xe-buyt-dien-noi-san-bay.html  cp1258" in result.stdout
    assert EVIDENCE in " ".join(result.stdout.split())
    assert "not_found: no such file or directory" in result.stdout
