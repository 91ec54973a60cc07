"""Failures are named, not only counted (issue 21): every command says which
input failed and why, on stderr, and what to do about it."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from cleaner.cli import main

from .conftest import ROOT, SAMPLES


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
