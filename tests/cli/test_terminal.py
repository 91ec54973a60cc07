"""The command as a person at a terminal meets it, through real processes:
Ctrl-C (SIGINT to the whole process group, workers included) at any moment,
standard input on a terminal, progress with a total, closed output pipes."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import random
import re
import signal
import struct
import subprocess
import termios
import threading
import time
from pathlib import Path

import pytest

from ..conftest import COMMAND, ROOT

WORDS = ("river stone market garden window letter morning evening city road harbour "
         "bridge lantern meadow orchard valley summit candle ribbon thunder").split()


def sentence(rng: random.Random, words: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 small pages, half HTML, half text dumps, and last a FIFO no one
    writes to: the run cannot end before the tests interrupt it, however fast
    the machine (a worker waits on the FIFO, as on a slow network share)."""
    directory = tmp_path_factory.mktemp("big") / "docs"
    directory.mkdir()
    rng = random.Random(21)
    for i in range(3000):
        paragraphs = [" ".join(sentence(rng) for _ in range(4)) + f" Number {i}." for _ in range(4)]
        if i % 2:
            body = "".join(f"<p>{p}</p>" for p in paragraphs)
            page = (f"<html><head><title>Page {i}</title></head><body><nav>Home | News | About</nav>"
                    f"<article><h1>Page {i}</h1>{body}</article><footer>Contact us</footer></body></html>")
            (directory / f"page{i:05d}.html").write_text(page, encoding="utf-8")
        else:
            (directory / f"dump{i:05d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    os.mkfifo(directory / "zz-never-written.txt")
    return directory


def as_in_the_foreground() -> None:
    """SIGINT as a terminal's foreground job has it, even when these tests run
    in a background job (where it is ignored, and children inherit that)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def as_in_the_background() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def interrupted(args: list[str], delay: float, stdin=subprocess.DEVNULL,
                signum: int = signal.SIGINT) -> tuple[int, str]:
    """Run the command in a session of its own, send SIGINT to its whole
    process group after `delay` seconds (as a terminal's Ctrl-C does), and
    return its exit code and stderr."""
    process = subprocess.Popen([*COMMAND, *args], cwd=ROOT, stdin=stdin, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=as_in_the_foreground)
    try:
        time.sleep(delay)
        assert process.poll() is None, "the run ended before it was interrupted"
        os.killpg(process.pid, signum)
        _, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    return process.returncode, stderr


def assert_interrupted_quietly(code: int, stderr: str) -> None:
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert code == 130, stderr
    assert stderr.count("interrupted") == 1, stderr


@pytest.mark.parametrize("delay", [0.3, 1.0, 2.0])
def test_ctrl_c_to_the_process_group_mid_run_is_one_quiet_summary(big_corpus: Path, delay: float) -> None:
    code, stderr = interrupted(["clean", str(big_corpus), "--workers", "2"], delay)
    assert_interrupted_quietly(code, stderr)


def test_sigterm_to_the_process_group_is_one_quiet_summary(big_corpus: Path) -> None:
    """As `timeout` and service managers stop a command: the workers get it too."""
    code, stderr = interrupted(["clean", str(big_corpus), "--workers", "2"], 1.5, signum=signal.SIGTERM)
    assert_interrupted_quietly(code, stderr)


@pytest.mark.parametrize("args", [["-"], ["--files-from", "-"]])
def test_ctrl_c_while_reading_stdin_is_one_quiet_summary(args: list[str]) -> None:
    read, write = os.pipe()  # stays open: the command waits on it, as on a terminal
    try:
        code, stderr = interrupted(["clean", *args, "--workers", "2"], 1.5, stdin=read)
    finally:
        os.close(read)
        os.close(write)
    assert_interrupted_quietly(code, stderr)


def test_ctrl_c_in_dedup_says_interrupted_once(tmp_path: Path) -> None:
    read, write = os.pipe()  # stays open: dedup waits on it, as on a terminal
    os.write(write, (json.dumps({"id": "a", "text": "A quiet morning by the river."}) + "\n").encode())
    try:
        code, stderr = interrupted(["dedup", "-", "-o", str(tmp_path / "out.jsonl")], 1.5, stdin=read)
    finally:
        os.close(read)
        os.close(write)
    assert_interrupted_quietly(code, stderr)
    assert not (tmp_path / "out.jsonl").exists()


def test_a_background_job_ignores_ctrl_c_in_its_workers_too(tmp_path: Path) -> None:
    """A shell starts a background job with SIGINT ignored: the main process
    ignores it, and so must the workers, or one of them stops the run. Here
    one worker waits on a FIFO when the process group gets SIGINT."""
    docs = tmp_path / "docs"
    docs.mkdir()
    rng = random.Random(7)
    for i in range(12):
        (docs / f"doc{i:02d}.txt").write_text(long_text(rng, 12) + f" Document {i}.\n", encoding="utf-8")
    fifo = docs / "zz-last.txt"
    os.mkfifo(fifo)
    process = subprocess.Popen([*COMMAND, "clean", str(docs), "--workers", "2", "--no-dedup",
                                "--no-site-learning"], cwd=ROOT, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               start_new_session=True, preexec_fn=as_in_the_background)
    try:
        writer = None
        deadline = time.monotonic() + 60
        while writer is None:  # until a worker opens the FIFO to read it
            assert process.poll() is None and time.monotonic() < deadline, process.communicate()
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # ENXIO: no reader yet
                time.sleep(0.05)
        os.killpg(process.pid, signal.SIGINT)
        time.sleep(0.3)
        try:
            os.write(writer, (long_text(rng, 12) + " The last one.\n").encode())
        except OSError:  # EPIPE: the worker that read it was stopped
            pass
        os.close(writer)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    assert process.returncode == 0, stderr
    assert len(stdout.splitlines()) == 13 and "interrupted" not in stderr


# --- closed output pipes ---

def closed_after_one_line(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run the command with stdout on a pipe whose reader takes one line and
    closes it, as `| head -1` does; its output is far larger than a pipe
    holds, so it writes into the closed pipe. Its exit code and stderr."""
    process = subprocess.Popen([*COMMAND, *args], cwd=ROOT, stdin=subprocess.DEVNULL, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert process.stdout.readline()
        process.stdout.close()
        stderr = process.stderr.read().decode("utf-8", "replace")
        return process.wait(timeout=120), stderr
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def long_text(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


@pytest.fixture(scope="module")
def pipe_inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """Arguments for each command, each writing several hundred kilobytes."""
    base = tmp_path_factory.mktemp("pipes")
    rng = random.Random(141)
    docs = base / "docs"
    docs.mkdir()
    for i in range(400):
        paragraphs = [long_text(rng, 6) + f" Document {i}." for _ in range(8)]
        (docs / f"d{i:04d}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    records = base / "records.jsonl"
    with open(records, "w", encoding="utf-8") as out:
        for i in range(2000):
            out.write(json.dumps({"id": f"r{i}", "text": long_text(rng, 4)}) + "\n")
    long_document = base / "long.txt"
    long_document.write_text("\n".join(long_text(rng, 1) for _ in range(4000)) + "\n", encoding="utf-8")
    corpus, clusters = base / "corpus.jsonl", []
    with open(corpus, "w", encoding="utf-8") as out:
        for c in range(20):
            text = long_text(rng, 150)
            for member in ("a", "b"):
                out.write(json.dumps({"id": f"{member}{c}", "text": text + f" Copy {member}."}) + "\n")
            clusters.append({"cluster": f"d{c:03d}", "size": 2, "kept": f"a{c}", "members": [
                {"id": f"a{c}", "similarity": 1.0}, {"id": f"b{c}", "similarity": 0.95}]})
    report = base / "report.json"
    report.write_text(json.dumps({"output": str(corpus), "clusters": clusters}), encoding="utf-8")
    return {"clean": ["clean", str(docs), "--no-dedup", "--no-site-learning"],
            "dedup": ["dedup", str(records)],
            "detect": ["detect", str(docs), "--json"],
            "explain": ["explain", str(long_document)],
            "dups": ["dups", str(report), "--no-color"],
            "dups --color": ["dups", str(report), "--color"],
            "detect --table": ["detect", str(docs), "--table"]}


@pytest.mark.parametrize("unbuffered", [False, True])
@pytest.mark.parametrize("command", ["clean", "dedup", "detect", "explain", "dups", "dups --color",
                                     "detect --table"])
def test_a_closed_output_pipe_ends_every_command_quietly_with_141(pipe_inputs: dict, command: str,
                                                                   unbuffered: bool) -> None:
    """Buffered or not (PYTHONUNBUFFERED: a write the pipe takes in part
    before its reader leaves raised nothing, and rich's one large write did
    so), the command stops at the closed pipe and exits 141 without a word."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    if unbuffered:
        env["PYTHONUNBUFFERED"] = "1"
    code, stderr = closed_after_one_line(pipe_inputs[command], env)
    assert (code, stderr) == (141, "")


# --- standard input on a terminal ---

def on_a_terminal(args: list[str], typed: bytes) -> tuple[int, str, str]:
    """Run the command with a terminal as stdin, type `typed` into it, and
    return its exit code, stdout and stderr."""
    controller, terminal = pty.openpty()
    try:
        process = subprocess.Popen([*COMMAND, *args], cwd=ROOT, stdin=terminal, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)
        os.close(terminal)
        os.write(controller, typed)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        os.close(controller)
    return process.returncode, stdout, stderr


@pytest.mark.parametrize("args", [["-"], ["--files-from", "-"]])
def test_reading_stdin_from_a_terminal_says_so_and_how_to_end_it(args: list[str], tmp_path: Path) -> None:
    page = tmp_path / "page.txt"
    text = "A quiet morning by the river, where the market opens before the city wakes up.\n"
    page.write_text(text * 3, encoding="utf-8")
    typed = (text if args == ["-"] else f"{page}\n").encode() + b"\x04"  # Ctrl-D
    code, stdout, stderr = on_a_terminal(["clean", *args, "--workers", "1"], typed)
    assert code == 0, stderr
    assert json.loads(stdout)["text"].startswith("A quiet morning")
    hint = stderr.splitlines()[0]
    assert "standard input" in hint and "Ctrl-D" in hint
    assert ("paths" in hint) == (args != ["-"])


@pytest.mark.parametrize("command", ["dedup", "detect"])
def test_dedup_and_detect_reading_a_terminal_say_so_too(command: str) -> None:
    line = (json.dumps({"id": "a", "text": "A quiet morning by the river."}) if command == "dedup"
            else "A quiet morning by the river, where the market opens early.")
    code, stdout, stderr = on_a_terminal([command, "-"], line.encode() + b"\n\x04")
    assert code == 0, stderr
    assert stdout.strip()
    hint = stderr.splitlines()[0]
    assert "standard input" in hint and "Ctrl-D" in hint


def test_stdin_from_a_pipe_needs_no_hint() -> None:
    result = subprocess.run([*COMMAND, "clean", "-", "--workers", "1"], cwd=ROOT, capture_output=True,
                            text=True, input="A quiet morning by the river, where the market opens early.\n")
    assert result.returncode == 0 and "Ctrl-D" not in result.stderr


# --- progress ---

def stderr_on_a_terminal(args: list[str], stdin_text: str | None = None) -> tuple[int, str]:
    """Run the command with stderr on a terminal 120 columns wide (stdin a
    pipe holding `stdin_text`, or nothing) and return its exit code and all
    it drew there."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    env = dict(os.environ, TERM="xterm")
    process = subprocess.Popen([*COMMAND, *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                               stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                               stderr=terminal)
    os.close(terminal)
    if stdin_text is not None:
        process.stdin.write(stdin_text.encode())
        process.stdin.close()
    drawn = []
    try:
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # EIO: every process holding the terminal has ended
                break
            if not chunk:
                break
            drawn.append(chunk)
    finally:
        os.close(controller)
    return process.wait(timeout=120), b"".join(drawn).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def progress_corpus(big_corpus: Path) -> tuple[Path, Path]:
    """The 1,500 text dumps in a directory of their own, and a list of their paths: a run over
    them takes several batches, so progress is drawn with its total more than once."""
    directory = big_corpus.parent / "progress"
    directory.mkdir()
    for page in sorted(big_corpus.glob("dump*.txt")):
        (directory / page.name).write_bytes(page.read_bytes())
    listing = big_corpus.parent / "progress.list"
    listing.write_text("".join(f"{p}\n" for p in sorted(directory.iterdir())), encoding="utf-8")
    return directory, listing


@pytest.mark.parametrize("how", ["directory", "files-from a file"])
def test_progress_shows_a_total_a_percentage_and_the_time_left_for_inputs_known_up_front(
        progress_corpus: tuple[Path, Path], how: str, tmp_path: Path) -> None:
    directory, listing = progress_corpus
    inputs = [str(directory)] if how == "directory" else ["--files-from", str(listing)]
    code, drawn = stderr_on_a_terminal(["clean", *inputs, "--workers", "1", "-o", str(tmp_path / "out.jsonl")])
    assert code == 0, drawn
    assert re.search(r"[\d,]+/1,500 documents +\d+%", drawn), drawn
    assert "ETA" in drawn


def test_progress_for_a_stream_of_paths_is_a_spinner_without_a_total(progress_corpus: tuple[Path, Path],
                                                                      tmp_path: Path) -> None:
    _, listing = progress_corpus
    code, drawn = stderr_on_a_terminal(["clean", "--files-from", "-", "--workers", "1", "-o",
                                        str(tmp_path / "out.jsonl")], stdin_text=listing.read_text())
    assert code == 0, drawn
    assert re.search(r"[1-9][\d,]* documents", drawn), drawn
    assert "/1,500" not in drawn and "ETA" not in drawn and "%" not in drawn


def test_no_progress_when_stderr_is_not_a_terminal(progress_corpus: tuple[Path, Path], tmp_path: Path) -> None:
    directory, _ = progress_corpus
    result = subprocess.run([*COMMAND, "clean", str(directory), "--workers", "1", "-o", str(tmp_path / "out.jsonl")],
                            cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "/1,500" not in result.stderr and "ETA" not in result.stderr and "\x1b" not in result.stderr
    assert result.stderr.startswith("cleaner")  # the summary alone


def test_counting_the_inputs_lists_directories_and_reads_no_file(tmp_path: Path) -> None:
    """A FIFO blocks whoever opens it: counting past one proves nothing is opened."""
    from cleaner.io.paths import count

    (tmp_path / "sub").mkdir()
    for name in ("a.txt", "sub/b.html", "sub/c.txt"):
        (tmp_path / name).write_text("x")
    os.mkfifo(tmp_path / "sub" / "fifo.txt")
    counted: list = []
    thread = threading.Thread(target=lambda: counted.append(count([str(tmp_path), str(tmp_path / "*.txt")])),
                              daemon=True)
    thread.start()
    thread.join(10)
    assert counted == [5]
    assert count([str(tmp_path)] * 2000, stop=lambda: True) is None  # stops when asked
