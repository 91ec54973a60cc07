"""What the speed benches share: paired rounds (one run of each side back to
back, the side that goes first alternating), their ratios, and one JSON line
per result with the machine's load."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CLEANER = [sys.executable, "-m", "cleaner.cli"]


def report(**fields) -> None:
    """One JSON line; with the machine's load average (1 minute) as the bench ends,
    since other processes on a busy machine slow the two-process side most."""
    print(json.dumps({**fields, "load_1m": round(os.getloadavg()[0], 2)}), flush=True)


def seconds(command: list[str]) -> float:
    """Wall seconds of a command run from the project's root, its output dropped."""
    started = time.perf_counter()
    subprocess.run(command, check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def paired(first: Callable[[], float], second: Callable[[], float], rounds: int) -> tuple[list[float], list[float]]:
    """Seconds of each side over `rounds` rounds, a round being one run of
    each side back to back, so that a change in the machine's speed during
    the bench hits both sides of a round; which side goes first alternates,
    so that a steady drift favours neither."""
    a, b = [], []
    for n in range(rounds):
        if n % 2 == 0:
            a.append(first())
            b.append(second())
        else:
            b.append(second())
            a.append(first())
    return a, b


def ratios(first_times: list[float], second_times: list[float], digits: int = 2) -> dict:
    """Each round's ratio (the first side's seconds over the second's), their
    median, and the ratio of the two sides' median seconds."""
    each = [a / b for a, b in zip(first_times, second_times)]
    return {"ratio": round(statistics.median(each), digits), "ratios": [round(r, digits) for r in each],
            "ratio_of_medians": round(statistics.median(first_times) / statistics.median(second_times), digits)}


def arguments(description: str) -> argparse.ArgumentParser:
    """A bench's command line: its docstring as help, and --shared (the
    evaluation sets; CLEANER_SHARED, else ../shared beside the project)."""
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shared", default=os.environ.get("CLEANER_SHARED", os.path.join(ROOT, "..", "shared")))
    return parser
