#!/usr/bin/env python3
"""Fuzz the decode -> extract -> clean path for a set time.

Two engines:
  hypothesis (default)  structured random inputs (below), fresh seeds each run;
  atheris               coverage-guided (libFuzzer over cleaner's instrumented
                        bytecode), mutating a seed corpus of the samples and the
                        encoding fixtures: `pip install atheris` first.

Inputs mix raw bytes, HTML fragments and nesting, Vietnamese and English words,
dates, numbers and chrome labels, in several encodings. A finding is an input
that raises out of a stage (the pipeline turns it into `internal_error`) or
that takes longer than --per-input seconds (catastrophic backtracking, runaway
recursion). Findings are written to tests/data/fuzz/ so they can become
regression tests.

    python bench/fuzz.py --minutes 30 [--per-input 10]
    python bench/fuzz.py --engine atheris --minutes 30

When the time is up, hypothesis prints a "@seed(...)" line for the stop itself:
only the "finding" lines are findings.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import signal
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st

from cleaner import Document, Options  # noqa: E402
from cleaner.run.stages import process_batch  # noqa: E402

WORDS = ("Hà Nội tin liên quan lượt xem bình luận đọc nhiều in trang chia sẻ cập nhật thứ hai "
         "the bridge reopened share print comments related most read copyright © 2024 "
         "12/10/2021 10:08 | 3976 • » > / - : ( ) ... hinh anh 1 Theo TTXVN").split()
TAGS = ["<p>", "</p>", "<div>", "</div>", "<table><tr><td>", "</td></tr></table>", "<br>", "<b>", "</b>",
        "<h1>", "</h1>", "<li>", "<script>x</script>", "<!--", "-->", "<meta charset='windows-1258'>",
        "&amp;", "&#x1F600;", "<figure><figcaption>Ảnh: TTXVN</figcaption></figure>"]

pieces = st.one_of(st.sampled_from(WORDS), st.sampled_from(TAGS), st.text(max_size=20),
                   st.sampled_from(["\n", "\n\n", " ", "\t", "\r\n"]))
documents = st.one_of(
    st.binary(max_size=4000),
    st.lists(pieces, max_size=400).map("".join).flatmap(
        lambda text: st.sampled_from(["utf-8", "utf-16", "cp1258", "cp1252", "latin-1"]).map(
            lambda codec: text.encode(codec, "replace"))),
    st.integers(1, 3000).map(lambda depth: ("<html><body>" + "<div>" * depth + "x" + "</div>" * depth).encode()),
)


class Slow(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--per-input", type=float, default=10)
    parser.add_argument("--out", default=os.path.join(ROOT, "tests", "data", "fuzz"))
    parser.add_argument("--engine", choices=["hypothesis", "atheris"], default="hypothesis")
    args = parser.parse_args()
    if args.engine == "atheris":
        return run_atheris(args)
    deadline = time.monotonic() + 60 * args.minutes
    findings: list[str] = []
    tried = 0

    def on_alarm(signum, frame):
        raise Slow()

    signal.signal(signal.SIGALRM, on_alarm)
    options = Options(dedup=False, site_learning=False)

    def save(data: bytes, why: str) -> None:
        os.makedirs(args.out, exist_ok=True)
        name = hashlib.sha1(data).hexdigest()[:12]
        with open(os.path.join(args.out, f"{name}.bin"), "wb") as handle:
            handle.write(data)
        findings.append(f"{name}: {why}")
        print(f"finding {name}: {why}", flush=True)

    @settings(max_examples=10**9, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(documents)
    def target(data: bytes) -> None:
        nonlocal tried
        if time.monotonic() > deadline:
            raise KeyboardInterrupt
        tried += 1
        signal.setitimer(signal.ITIMER_REAL, args.per_input)
        try:
            (doc,) = process_batch([Document(id="fuzz", source="fuzz", raw=data)], options)
            if doc.reason == "internal_error":
                save(data, doc.message or "internal error")
        except Slow:
            save(data, f"slower than {args.per_input} s")
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)

    try:
        target()
    except KeyboardInterrupt:
        pass
    print(f"fuzzed {tried} inputs for {args.minutes} min: {len(findings)} findings")
    for finding in findings:
        print(" ", finding)
    return 0


def run_atheris(args) -> int:
    """Coverage-guided: libFuzzer mutates the seed corpus toward new branches
    of cleaner's code. A finding (an input a stage raised on) is saved like the
    hypothesis engine's and fuzzing goes on; libFuzzer itself stops on an
    input slower than --per-input seconds and saves it as timeout-*."""
    import shutil
    import tempfile

    import atheris

    import cleaner.chrome

    # cleaner and what it calls are imported already: instrument all of it
    import cleaner.encoding  # noqa: E401,F401
    atheris.instrument_all()
    run_batch = process_batch
    options = Options(dedup=False, site_learning=False)
    def test_one_input(data: bytes) -> None:
        (doc,) = run_batch([Document(id="fuzz", source="fuzz", raw=data)], options)
        if doc.reason == "internal_error":
            os.makedirs(args.out, exist_ok=True)
            name = hashlib.sha1(data).hexdigest()[:12]
            with open(os.path.join(args.out, f"{name}.bin"), "wb") as handle:
                handle.write(data)
            print(f"finding {name}: {doc.message}", flush=True)

    corpus = tempfile.mkdtemp(prefix="cleaner-fuzz-")
    for folder in (os.path.join(ROOT, "samples"), os.path.join(ROOT, "tests", "data", "encodings")):
        for name in sorted(os.listdir(folder)):
            source = os.path.join(folder, name)
            if os.path.isfile(source) and os.path.getsize(source) < 200_000:
                shutil.copy(source, os.path.join(corpus, name))
    os.makedirs(args.out, exist_ok=True)
    atheris.Setup([sys.argv[0], f"-max_total_time={int(args.minutes * 60)}", f"-timeout={int(args.per_input)}",
                   "-rss_limit_mb=4096", "-max_len=65536", "-print_final_stats=1",
                   f"-artifact_prefix={args.out}/", corpus], test_one_input)
    print(f"atheris: seed corpus {len(os.listdir(corpus))} files in {corpus}", flush=True)
    # libFuzzer exits the process itself, printing its final stats
    # (stat::number_of_executed_units, new_units_added...); findings are the
    # "finding" lines above them and any timeout-* files in --out.
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main())
