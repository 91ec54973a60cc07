"""Shared fixtures: paths to the real sample inputs shipped with the project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
DATA = Path(__file__).resolve().parent / "data"
GOLDEN = Path(__file__).resolve().parent / "golden"


def pytest_configure(config: pytest.Config) -> None:
    """Keep the language model's cache out of the user's home: one directory
    for the session, inherited by the CLI subprocesses tests start."""
    if "CLEANER_CACHE_DIR" not in os.environ:
        import tempfile
        os.environ["CLEANER_CACHE_DIR"] = tempfile.mkdtemp(prefix="cleaner-test-cache-")


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
