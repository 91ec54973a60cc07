"""Shared fixtures: paths to the real sample inputs shipped with the project."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from .redis_server import redis_password_port, redis_server, redis_socket, redis_url  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"
# The installed command, as people run it (under `python -m`, CPython ends a
# run whose Ctrl-C landed in code made by exec(), as dataclasses are, by
# SIGINT rather than with the exit code: a shell shows both as 130).
SCRIPT = Path(sys.executable).parent / "cleaner"
COMMAND = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "cleaner.cli"]


def kept(text: str, **kwargs) -> list[str]:
    """The lines the chrome rules keep (as output)."""
    from cleaner.chrome.filter import clean_text

    return [d.output for d in clean_text(text, **kwargs).decisions if d.keep]


def removed(text: str, **kwargs) -> dict[str, str]:
    """Removed lines (stripped) → rule."""
    from cleaner.chrome.filter import clean_text

    return {d.text.strip(): d.rule for d in clean_text(text, **kwargs).decisions
            if not d.keep and d.text.strip()}


_SESSION_CACHE: list[str] = []  # the cache directory this session made, removed at its end


def pytest_configure(config: pytest.Config) -> None:
    """Keep the language model's cache out of the user's home: one directory
    for the session, inherited by the CLI subprocesses tests start."""
    if "CLEANER_CACHE_DIR" not in os.environ:
        os.environ["CLEANER_CACHE_DIR"] = tempfile.mkdtemp(prefix="cleaner-test-cache-")
        _SESSION_CACHE.append(os.environ["CLEANER_CACHE_DIR"])


def pytest_unconfigure(config: pytest.Config) -> None:
    """The session's cache directory goes with the session."""
    for directory in _SESSION_CACHE:
        shutil.rmtree(directory, ignore_errors=True)
        if os.environ.get("CLEANER_CACHE_DIR") == directory:
            del os.environ["CLEANER_CACHE_DIR"]
    _SESSION_CACHE.clear()


@pytest.fixture(scope="session", autouse=True)
def _no_temporary_files_left(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Every temporary file of the session goes to a directory of its own
    (TMPDIR, inherited by the CLI processes tests start), so that what is
    left there at the end can be seen: anything is a leak, and fails the
    session. Other runs sharing the real TMPDIR cannot disturb the check."""
    tmp_path_factory.getbasetemp()  # pytest's own directory stays where pytest keeps it
    private = tempfile.mkdtemp(prefix="cleaner-test-tmp-")
    patch = pytest.MonkeyPatch()
    patch.setenv("TMPDIR", private)
    patch.setattr(tempfile, "tempdir", private)
    try:
        yield Path(private)
    finally:
        patch.undo()
        left = sorted(os.listdir(private))
        shutil.rmtree(private, ignore_errors=True)
    assert not left, f"the tests left temporary files behind: {left}"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--update-golden", action="store_true",
                     help="rewrite tests/golden/ from the current output instead of comparing")


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def seed_files() -> list[Path]:
    return sorted(SAMPLES.glob("0*.txt"))


@pytest.fixture(autouse=True)
def _no_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    """Plain output from rich in every test, whatever the terminal."""
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    for name in list(os.environ):
        if name.startswith("CLEANER_"):
            monkeypatch.delenv(name)
