#!/usr/bin/env python3
"""WARC input speed, against the same pages as files and against the reader
library alone, measured side by side in one run (paired rounds, the side that
goes first alternating; compare the ratios, not the seconds). Skips cleanly
without ../shared.

  1. clean   every other page of ../shared/eval/wcxb-dev (679 real pages, as
             html-real in throughput.py) as files vs the same pages packed
             into one WARC.gz (a response record each, gzipped per record as
             crawlers write them): `cleaner clean INPUT -o OUT -q`, default
             workers. Target: the WARC at >= 95% of the files' pages/s
             (ratio = files' seconds / WARC's seconds >= 0.95).
  2. read    records to Documents alone (cleaner.io.readers.documents, no
             cleaning) vs iterating the same file with warcio directly
             (ArchiveIterator, each record's decoded body read), uncompressed
             and gzip. Target: within 20% (ratio = warcio's seconds /
             cleaner's >= 0.83).

    python bench/warc_speed.py [--shared PATH] [--rounds 5] [--read-rounds 9]
"""

from __future__ import annotations

import glob
import gzip
import io
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paired import CLEANER, ROOT, arguments, paired, ratios, report, seconds  # noqa: E402

sys.path.insert(0, ROOT)


def pack(pages: list[str], path: str, compress: bool) -> None:
    """The pages as response records of one WARC."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=compress)
        for n, page in enumerate(pages):
            with open(page, "rb") as handle:
                body = handle.read()
            if body[:2] == b"\x1f\x8b":
                body = gzip.decompress(body)
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")], protocol="HTTP/1.1")
            url = f"https://site{n % 50}.example/{os.path.basename(page).split('.')[0]}"
            writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body),
                                                          http_headers=http))


def bench_clean(pages: list[str], warc_path: str, tmp: str, rounds: int) -> None:
    out = os.path.join(tmp, "out.jsonl")
    files, warc = paired(lambda: seconds([*CLEANER, "clean", *pages, "-o", out, "-q"]),
                         lambda: seconds([*CLEANER, "clean", warc_path, "-o", out, "-q"]), rounds)
    report(bench="clean", pages=len(pages), files_pages_s=round(len(pages) / statistics.median(files), 1),
           warc_pages_s=round(len(pages) / statistics.median(warc), 1), **ratios(files, warc, 3), target=0.95)


def bench_read(warc_path: str, label: str, rounds: int) -> None:
    from warcio.archiveiterator import ArchiveIterator

    from cleaner.io import readers

    def library() -> float:
        started = time.perf_counter()
        with open(warc_path, "rb") as handle:
            for record in ArchiveIterator(handle):
                record.content_stream().read()
        return time.perf_counter() - started

    def ours() -> float:
        started = time.perf_counter()
        for doc in readers.documents([warc_path]):
            pass
        return time.perf_counter() - started

    lib, own = paired(library, ours, rounds)
    report(bench=f"read {label}", mb=round(os.path.getsize(warc_path) / 1e6, 1),
           warcio_s=round(statistics.median(lib), 3), cleaner_s=round(statistics.median(own), 3),
           **ratios(lib, own, 3), target=0.83)


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--read-rounds", type=int, default=9)
    parser.add_argument("--only", default="clean,read")
    args = parser.parse_args()
    pages = sorted(glob.glob(os.path.join(args.shared, "eval", "wcxb-dev", "*.html.gz")))[::2]
    if not pages:
        print(json.dumps({"skipped": f"no wcxb-dev pages under {args.shared}"}))
        return
    with tempfile.TemporaryDirectory() as tmp:
        warc_gz, warc_plain = os.path.join(tmp, "pages.warc.gz"), os.path.join(tmp, "pages.warc")
        pack(pages, warc_gz, compress=True)
        pack(pages, warc_plain, compress=False)
        if "read" in args.only:
            bench_read(warc_plain, "uncompressed", args.read_rounds)
            bench_read(warc_gz, "gzip", args.read_rounds)
        if "clean" in args.only:
            bench_clean(pages, warc_gz, tmp, args.rounds)


if __name__ == "__main__":
    main()
