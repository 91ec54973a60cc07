"""Crashes, signals and pipelines, through real processes: a killed run leaves
no output under its final name and --resume finishes it with the same output
as an uninterrupted run; SIGTERM and Ctrl-C stop cleanly with exit 130; an
endless stdin streams records out as paths come in. Plus the security
promises that need no process: no network, no pickle or eval."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cleaner import Options, clean
from cleaner.engines.pool import FIRST_BATCH

from ..conftest import ROOT, SAMPLES

TEXTS = sorted(p.read_text(encoding="utf-8") for p in SAMPLES.glob("*.txt"))
COMMAND = [sys.executable, "-m", "cleaner.cli", "clean"]


def corpus(directory: Path, count: int = 130) -> Path:
    """`count` text dumps: the samples with an edit each (near-duplicates
    among them, so that grouping is part of what must come out the same)."""
    directory.mkdir()
    for i in range(count):
        text = TEXTS[i % len(TEXTS)] + f"\nBài số {i}: phần riêng của bản này, số {i * 7919 % 1000}.\n"
        (directory / f"doc{i:04d}.txt").write_text(text, encoding="utf-8")
    return directory


def journaled(journal: Path) -> int:
    try:
        return max(0, journal.read_bytes().count(b"\n") - 1)
    except FileNotFoundError:
        return 0


def wait_for(condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def journal_of(out: Path) -> Path:
    """The run's journal, beside its output (its first shard's name when sharded)."""
    return out.parent / f".{out.name.format(shard=0)}.cleaner-journal"


def start_blocked_run(tmp_path: Path, out: Path, *options: str) -> tuple[subprocess.Popen, Path, Path]:
    """A run over 130 documents and then a FIFO nobody writes to: it journals
    its first batches and blocks reading the one holding the FIFO, mid-run,
    every time (how many documents are journaled by then depends on how the
    batches were sized)."""
    docs = corpus(tmp_path / "docs")
    fifo = tmp_path / "zz-last.txt"
    os.mkfifo(fifo)
    temporary = tmp_path / "tmp"  # the run's own TMPDIR: what it leaves there can be seen
    temporary.mkdir()
    process = subprocess.Popen([*COMMAND, str(docs), str(fifo), "-o", str(out), "--workers", "1", *options],
                               cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "TMPDIR": str(temporary)})
    journal = journal_of(out)
    try:
        wait_for(lambda: journaled(journal) >= FIRST_BATCH or process.poll() is not None)
    except AssertionError:
        process.kill()  # blocked on the FIFO for ever otherwise
        raise
    assert process.poll() is None, process.communicate()
    return process, docs, fifo


SHARDED = "part-{shard:03d}.parquet"


def outputs(path: Path) -> list[Path]:
    """The output file, or a sharded output's shards in order."""
    if "{shard" in path.name:
        return sorted(path.parent.glob(path.name.split("{")[0] + "[0-9]*" + path.suffix))
    return [path] if path.exists() else []


def records_of(path: Path) -> list[dict]:
    if "{shard" in path.name:
        return [record for shard in outputs(path) for record in records_of(shard)]
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("name", ["corpus.jsonl", "corpus.parquet", SHARDED])
def test_a_killed_run_leaves_no_output_and_resume_finishes_it_identically(tmp_path: Path, name: str) -> None:
    out = tmp_path / name
    shards = ["--shard-size", "40"] if name == SHARDED else []
    process, docs, fifo = start_blocked_run(tmp_path, out, *shards)
    process.kill()
    process.communicate()
    assert outputs(out) == []
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []  # no stray temp file
    assert list((tmp_path / "tmp").iterdir()) == []  # the index's temporary files had no names
    journal = journal_of(out)
    done = journaled(journal)
    assert FIRST_BATCH <= done < 130

    with open(journal, "ab") as handle:  # the kill may cut a line: resume drops it
        handle.write(b'{"id": "half a rec')
    fifo.unlink()
    fifo.write_text(TEXTS[0] + "\nMột đoạn cuối cùng, khác với mọi bản khác ở đây.\n", encoding="utf-8")

    resumed = subprocess.run([*COMMAND, str(docs), str(fifo), "-o", str(out), "--workers", "1", "--resume", *shards],
                             cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed: {done} documents" in resumed.stderr
    assert not journal.exists()

    full = tmp_path / f"full-{out.name}"
    fresh = subprocess.run([*COMMAND, str(docs), str(fifo), "-o", str(full), "--workers", "2", *shards],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert fresh.returncode == 0, fresh.stderr
    records = records_of(out)
    assert records == records_of(full)
    if out.suffix == ".jsonl":
        assert out.read_bytes() == full.read_bytes()
    assert len(records) == 131 and any(r["duplicate_of"] for r in records)
    if shards:
        assert [p.name for p in outputs(out)] == [f"part-{n:03d}.parquet" for n in range(4)]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_stop_cleanly_with_exit_130(tmp_path: Path, signum: int) -> None:
    out = tmp_path / "corpus.jsonl"
    process, _, _ = start_blocked_run(tmp_path, out)
    process.send_signal(signum)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert stdout == ""
    assert "interrupted" in stderr and "--resume" in stderr and "Traceback" not in stderr
    assert not out.exists()
    assert FIRST_BATCH <= journaled(tmp_path / ".corpus.jsonl.cleaner-journal") < 130


def test_resume_refuses_other_options_or_other_inputs(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    process, docs, fifo = start_blocked_run(tmp_path, out)
    process.kill()
    process.communicate()
    fifo.unlink()
    other = subprocess.run([*COMMAND, str(docs), "-o", str(out), "--resume", "--threshold", "0.7"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert other.returncode == 2 and "other options (threshold)" in other.stderr
    (docs / "doc0000.txt").unlink()
    moved = subprocess.run([*COMMAND, str(docs), "-o", str(out), "--resume"],
                           cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert moved.returncode == 2 and "inputs differ" in moved.stderr
    assert not out.exists()


def test_resume_needs_an_output_file() -> None:
    result = subprocess.run([*COMMAND, str(SAMPLES), "--resume"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 2 and "--resume needs an output file" in result.stderr


def test_endless_stdin_streams_records_as_paths_arrive(tmp_path: Path) -> None:
    docs = corpus(tmp_path / "docs", count=3)
    process = subprocess.Popen([*COMMAND, "--files-from", "-", "--stream", "--workers", "1", "-q"],
                               cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    try:
        for i in range(3):
            process.stdin.write(os.fsencode(docs / f"doc{i:04d}.txt") + b"\n")
            process.stdin.flush()
            # stdin is still open: the record must come out now, not at EOF
            ready, _, _ = select.select([process.stdout], [], [], 60)
            assert ready, f"no record for path {i} while stdin stays open"
            record = json.loads(process.stdout.readline())
            assert record["id"] == f"doc{i:04d}"
        process.stdin.close()
        assert process.wait(timeout=60) == 0
        assert process.stdout.read() == b""
    finally:
        process.kill()


def test_no_network_access_at_any_point(monkeypatch) -> None:
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    run = clean([SAMPLES], Options(workers=1))
    docs = list(run)
    assert attempts == []
    assert len(docs) == len(list(SAMPLES.iterdir())) and all(d.ok for d in docs)
    assert any(d.format == "html" for d in docs) and any(d.format == "text" for d in docs)


def test_no_pickle_eval_or_exec_of_anything_read() -> None:
    # (a method `.eval(` is Redis' EVAL of our own Lua scripts, not Python's eval)
    unsafe = re.compile(r"\b(?:pickle|cPickle|marshal|shelve|dill)\b|(?<!\.)\beval\(|(?<!\.)\bexec\("
                        r"|allow_pickle\s*=\s*True|yaml\.load\(")
    found = []
    for path in sorted((ROOT / "cleaner").rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            code = line.split("#", 1)[0]
            if unsafe.search(code) and "(no pickle)" not in line:
                found.append(f"{path.name}:{number}: {line.strip()}")
    # The one exec: fastxpath's predicates, generated from trafilatura's own
    # constant expressions; every value taken from them enters the source as
    # a repr() literal or as a constant object, never as code.
    generated = [line for line in found if line.startswith("fastxpath.py:") and "exec(source, namespace)" in line]
    assert len(generated) == 1 and found == generated


@pytest.mark.parametrize("mode", [{}, {"stream": True, "site_learning": False}, {"dedup": False, "site_learning": False}])
def test_resume_in_process_gives_the_uninterrupted_records_in_every_mode(tmp_path: Path, mode: dict) -> None:
    docs = corpus(tmp_path / "docs", count=40)
    options = Options(workers=1, batch_size=8, **mode)
    expected = [d.record() for d in clean([docs], options)]
    journal = tmp_path / "run.journal"
    first = clean([docs], options, journal=str(journal))
    for n, _ in enumerate(first):  # stop mid-run, as an interrupted run does
        if n == 16:
            break
    del first
    resumed = clean([docs], options, journal=str(journal), resume=True)
    assert [d.record() for d in resumed] == expected
    assert resumed.resumed >= 16 and resumed.stats.accounted and resumed.stats.read == 40


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc, unwritable even for root")
def test_an_unwritable_output_place_is_a_clear_error_not_a_traceback() -> None:
    result = subprocess.run([*COMMAND, str(SAMPLES), "-o", "/proc/corpus.jsonl"], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "Error: cannot write /proc/" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux /proc, unwritable even for root")
@pytest.mark.parametrize("args", [["dedup", "-", "-o", "/proc/out.jsonl"],
                                  ["clean", str(SAMPLES), "-q", "--report", "/proc/report.json"]])
def test_unwritable_outputs_of_any_command_are_clear_errors(args: list[str]) -> None:
    from click.testing import CliRunner

    from cleaner.cli import main

    result = CliRunner().invoke(main, args, input='{"id": "a", "text": "x y z"}\n')
    assert result.exit_code == 2
    assert f"cannot write {args[args.index('-o') + 1] if '-o' in args else '/proc/report.json'}" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
