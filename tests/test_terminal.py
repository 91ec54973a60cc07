"""The command as a person at a terminal meets it, through real processes:
Ctrl-C (SIGINT to the whole process group, workers included) at any moment,
standard input on a terminal, progress with a total, closed output pipes."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import ROOT

COMMAND = [sys.executable, "-m", "cleaner.cli"]
WORDS = ("river stone market garden window letter morning evening city road harbour "
         "bridge lantern meadow orchard valley summit candle ribbon thunder").split()


def sentence(rng: random.Random, words: int = 14) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words)).capitalize() + "."


@pytest.fixture(scope="module")
def big_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3,000 small pages, half HTML, half text dumps: a run over them lasts
    well beyond the few seconds the tests interrupt it at."""
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
    return directory


def interrupted(args: list[str], delay: float, stdin=subprocess.DEVNULL,
                signum: int = signal.SIGINT) -> tuple[int, str]:
    """Run the command in a session of its own, send SIGINT to its whole
    process group after `delay` seconds (as a terminal's Ctrl-C does), and
    return its exit code and stderr."""
    process = subprocess.Popen([*COMMAND, *args], cwd=ROOT, stdin=stdin, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
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
