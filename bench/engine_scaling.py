#!/usr/bin/env python3
"""--engine ray against --engine local, on real pages, in paired rounds.

Each configuration runs in a process of its own: `local` with 1 and 2
workers, `ray` on a local Ray instance of 1 and 2 CPUs (Ray's start-up is
timed apart: the run is timed once Ray is up). Per corpus it prints the
seconds of each and the ratios the issue sets targets for:
  * ray 2 CPUs vs ray 1 CPU: >= 1.5x;
  * ray 2 CPUs vs local 2 workers: within 25% (ratio >= 0.8);
  * the driver's peak memory (ru_maxrss of the run's process), and with
    --only memory its growth from vinews-10k to 10 edited copies (100,000
    documents): at most 100 MB; given also for its private memory alone
    (RssAnon: ru_maxrss counts the object store's shared pages too).
Corpora (--only, comma-separated; default time,memory):
  * time: vinews-10k (text dumps, a file each; --scale N: N edited copies)
    and every fourth page of wcxb-dev (HTML, a file each);
  * crawl: the same wcxb-dev pages as ONE WARC gzipped record by record, as
    crawlers write it (a whole-file gzip would be one part: one task);
  * records: vinews-10k as ONE plain JSON Lines file ({"id", "text"} a line);
  * shards: vinews-10k written as JSON Lines shards of 1,000 records (with
    ray, the cluster keeps the records and its tasks write the shards; with
    local, the main process writes them), and the driver memory growth again
    with shards (the issue's own command).
With one crawl or record file, ray's tasks read its parts themselves while
local's main process reads every record and ships its bytes to the workers:
these two say whether reading in parts scales. Their lines also give the
parts the file is cut into for 1 and 2 CPUs (readers.parts, two per CPU
at least, none under MIN_PART_BYTES): few parts cap what 2 CPUs can gain.
Skips cleanly without ../shared.

    python bench/engine_scaling.py [--shared PATH] [--rounds 3] [--scale 1]
                                   [--only time,memory,crawl,records,shards]
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paired import ROOT, arguments, report  # noqa: E402

CONFIGS = ("local-1", "local-2", "ray-1", "ray-2")
KINDS = {"time", "memory", "crawl", "records", "shards"}
SHARD_RECORDS = 1000


class PrivatePeak:
    """The peak of this process's private memory (RssAnon), sampled every
    20 ms. Its peak RSS (ru_maxrss) also counts the pages of Ray's object
    store that it maps, shared with every process of the node (Ray's memory
    docs: subtract SHR), which hold the cluster's data (the shuffles' parts),
    not the driver's."""

    def __init__(self) -> None:
        self.peak, self._done = 0.0, threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._done.wait(0.02):
            with open("/proc/self/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("RssAnon:"):
                        self.peak = max(self.peak, int(line.split()[1]) / 1024)

    def stop(self) -> float:
        self._done.set()
        self._thread.join()
        return self.peak


def one(config: str, listing: str, shards: str | None = None) -> None:
    """Run one configuration over the paths listed in `listing` (writing
    shards in the directory `shards` when given); print its figures."""
    sys.path.insert(0, ROOT)
    from cleaner import Options, clean
    from cleaner.io.shards import ShardOutput

    with open(listing, encoding="utf-8") as handle:
        inputs = handle.read().splitlines()
    engine, cpus = config.split("-")
    startup, engine_object = 0.0, None
    if engine == "ray":  # started as a run starts it (RayEngine), timed apart
        from cleaner.engines import RayEngine

        started = time.perf_counter()
        engine_object = RayEngine(None, num_cpus=int(cpus))
        startup = time.perf_counter() - started
    started = time.perf_counter()
    private = PrivatePeak()
    run = clean(inputs, Options(engine=engine, workers=int(cpus)), engine=engine_object)
    if shards:
        for _ in run.write_shards(ShardOutput(os.path.join(shards, "part-{shard:05d}.jsonl"), SHARD_RECORDS)):
            pass
        documents = run.stats.read
        shutil.rmtree(shards)
    else:
        documents = sum(1 for _ in run)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "startup": startup, "documents": documents, "driver_peak_mb": peak,
                      "driver_private_peak_mb": private.stop()}))
    if engine_object is not None:
        engine_object.close()  # (Ray's processes, sockets and logs)


def measure(config: str, listing: str, shards: str | None = None) -> dict:
    if shards:
        os.makedirs(shards, exist_ok=True)
    done = subprocess.run([sys.executable, __file__, "--one", config, "--listing", listing,
                           *(["--shards", shards] if shards else [])], cwd=ROOT,
                          capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(label: str, paths: list[str], tmp: str, rounds: int, shards: bool = False, **extra) -> None:
    listing = os.path.join(tmp, f"{label}.txt")
    with open(listing, "w", encoding="utf-8") as handle:
        handle.write("\n".join(paths) + "\n")
    runs: dict[str, list[dict]] = {config: [] for config in CONFIGS}
    for n in range(rounds):
        for config in (CONFIGS if n % 2 == 0 else CONFIGS[::-1]):
            runs[config].append(measure(config, listing, os.path.join(tmp, "shards") if shards else None))

    def median(config: str, key: str = "seconds") -> float:
        return statistics.median(run[key] for run in runs[config])

    report(bench="engine scaling", corpus=label, documents=runs["local-1"][0]["documents"],
           seconds={config: round(median(config), 2) for config in CONFIGS},
           ray_startup_s=round(median("ray-2", "startup"), 2),
           ray_2_vs_1=round(median("ray-1") / median("ray-2"), 2), target_ray_2_vs_1=">= 1.5",
           ray_vs_local_2=round(median("local-2") / median("ray-2"), 2), target_ray_vs_local=">= 0.8",
           local_2_vs_1=round(median("local-1") / median("local-2"), 2),
           driver_peak_mb={config: round(max(r["driver_peak_mb"] for r in runs[config])) for config in CONFIGS},
           **extra)


def scaled(corpus: str, tmp: str, scale: int) -> list[str]:
    names = sorted(glob.glob(os.path.join(corpus, "*.txt")))
    if scale <= 1:
        return names
    out = os.path.join(tmp, f"scaled-{scale}")
    os.makedirs(out, exist_ok=True)
    paths = []
    for copy in range(scale):
        for name in names:
            with open(name, encoding="utf-8") as handle:
                text = handle.read()
            path = os.path.join(out, f"{copy}-{os.path.basename(name)}")
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text.replace(" ", f" {copy} ", 1) if copy else text)
            paths.append(path)
    return paths


def crawl(pages: list[str], tmp: str) -> str:
    """The pages as one WARC, a gzip member per record (checked: cleaner
    cuts only such a file into parts)."""
    from warc_speed import pack

    path = os.path.join(tmp, "crawl.warc.gz")
    pack(pages, path, compress=True)
    members = gzip_members(path)
    if members != len(pages):
        raise SystemExit(f"{path}: {members} gzip members for {len(pages)} records, not one per record")
    return path


def gzip_members(path: str) -> int:
    """How many gzip members a file holds, one after another."""
    with open(path, "rb") as handle:
        data, members = handle.read(), 0
    while data:
        decoder = zlib.decompressobj(wbits=31)
        decoder.decompress(data)
        members, data = members + 1, decoder.unused_data
    return members


def jsonl(texts: list[str], tmp: str) -> str:
    """The text files as one plain JSON Lines file: {"id": stem, "text": content} a line."""
    path = os.path.join(tmp, "records.jsonl")
    with open(path, "w", encoding="utf-8") as out:
        for name in texts:
            with open(name, encoding="utf-8") as handle:
                record = {"id": os.path.basename(name).split(".")[0], "text": handle.read()}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


def planned(path: str) -> dict:
    """The file's size and how many parts ray's tasks read it in, for 1 and 2
    CPUs (the pipeline asks readers.parts for four per CPU at least)."""
    sys.path.insert(0, ROOT)
    from cleaner.io import readers

    return {"file_mb": round(os.path.getsize(path) / 2**20, 1),
            "parts": {f"ray-{cpus}": sum(1 for _ in readers.parts([path], min_parts=4 * cpus)) for cpus in (1, 2)}}


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--only", default="time,memory",
                        help="time, memory, crawl, records, shards (comma-separated)")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--listing", help=argparse.SUPPRESS)
    parser.add_argument("--shards", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one(args.one, args.listing, args.shards)
    only = set(args.only.split(","))
    if only - KINDS:
        parser.error(f"--only: unknown {', '.join(sorted(only - KINDS))} (known: {', '.join(sorted(KINDS))})")
    corpus = os.path.join(args.shared, "corpora", "vinews-10k")
    pages = sorted(glob.glob(os.path.join(args.shared, "eval", "wcxb-dev", "*.html.gz")))[::4]
    if not os.path.isdir(corpus):
        return report(bench="engine scaling", skipped=f"no vinews-10k under {args.shared}")
    with tempfile.TemporaryDirectory() as tmp:
        if "time" in only:
            bench(f"vinews-10k x{args.scale}", scaled(corpus, tmp, args.scale), tmp, args.rounds)
            if pages:
                bench("wcxb-dev (every 4th page)", pages, tmp, args.rounds)
        if "crawl" in only and pages:
            path = crawl(pages, tmp)
            bench("crawl: wcxb-dev (every 4th page) as one WARC.gz", [path], tmp, args.rounds, **planned(path))
        if "records" in only:
            path = jsonl(scaled(corpus, tmp, 1), tmp)
            bench("records: vinews-10k as one JSON Lines", [path], tmp, args.rounds, **planned(path))
        if "memory" in only:
            driver_memory(corpus, tmp)
        if "shards" in only:
            bench(f"shards: vinews-10k x{args.scale}", scaled(corpus, tmp, args.scale), tmp, args.rounds, shards=True)
            driver_memory(corpus, tmp, shards=True)


def driver_memory(corpus: str, tmp: str, scale: int = 10, shards: bool = False) -> None:
    """The driver's peak with --engine ray (2 CPUs) for vinews-10k and for
    10 edited copies of it (100,000 documents), records iterated on the
    driver or (`shards`) written to shards by the tasks. Target: at most
    100 MB more."""
    peaks = {}
    for label, paths in (("x1", scaled(corpus, tmp, 1)), (f"x{scale}", scaled(corpus, tmp, scale))):
        listing = os.path.join(tmp, f"memory-{label}.txt")
        with open(listing, "w", encoding="utf-8") as handle:
            handle.write("\n".join(paths) + "\n")
        peaks[label] = measure("ray-2", listing, os.path.join(tmp, "shards") if shards else None)
    small, large = peaks["x1"], peaks[f"x{scale}"]
    report(bench="driver memory", output="shards written by the tasks" if shards else "records to the driver",
           documents=small["documents"], documents_scaled=large["documents"],
           driver_peak_mb=round(small["driver_peak_mb"]), driver_peak_scaled_mb=round(large["driver_peak_mb"]),
           growth_mb=round(large["driver_peak_mb"] - small["driver_peak_mb"]),
           private_peak_mb=round(small["driver_private_peak_mb"]),
           private_peak_scaled_mb=round(large["driver_private_peak_mb"]),
           private_growth_mb=round(large["driver_private_peak_mb"] - small["driver_private_peak_mb"]), target="<= 100",
           seconds_scaled=round(large["seconds"], 1))


if __name__ == "__main__":
    main()
