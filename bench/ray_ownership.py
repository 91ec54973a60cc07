#!/usr/bin/env python3
"""What a Ray map task costs the driver's memory while a run lasts: the
driver owns every object its tasks return (Ray keeps their lineage to make
them again), and a map task of a run with shuffles returns one part per
partition of each shuffle, up to 66 objects.

Each case runs in a process of its own on a fresh local Ray instance
(RayEngine, 2 CPUs): `tasks` map tasks returning `partitions` tiny parts
each (engine.map_partitioned, the handles kept as a run keeps them), or one
result each (engine.map_ordered). Printed: the growth of the driver's
private memory (RssAnon) per task and per object. docs/scaling.md uses it
for what limits first at 50 million pages.

    python bench/ray_ownership.py [--tasks 1600] [--partitions 64]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from paired import ROOT, report  # noqa: E402


def private_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("RssAnon:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _parts(payload: int, partitions: int) -> tuple[int, list[bytes]]:
    return payload, [b"x" * 10 for _ in range(partitions)]


def one(tasks: int, partitions: int) -> None:
    sys.path.insert(0, ROOT)
    from cleaner.engines import RayEngine

    engine = RayEngine(None, num_cpus=2)
    gc.collect()
    before = private_mb()
    kept = []
    if partitions:
        for _, _, handles in engine.map_partitioned(_parts, ((n, n) for n in range(tasks)), partitions):
            kept.append(handles)
    else:
        for _ in engine.map_ordered(len, ((n, "ab") for n in range(tasks))):
            pass
    time.sleep(2)
    gc.collect()
    print(json.dumps({"growth_mb": private_mb() - before, "objects": sum(map(len, kept))}))
    engine.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=1600)
    parser.add_argument("--partitions", type=int, default=64)
    parser.add_argument("--one", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        return one(*args.one)
    try:
        import ray  # noqa: F401
    except ImportError:
        return report(bench="ray ownership", skipped="Ray is not installed (pip install 'cleaner[ray]')")
    found = {}
    for partitions in (0, args.partitions):
        done = subprocess.run([sys.executable, __file__, "--one", str(args.tasks), str(partitions)], cwd=ROOT,
                              capture_output=True, text=True, check=True)
        found[partitions] = json.loads(done.stdout.strip().splitlines()[-1])
    plain, parted = found[0], found[args.partitions]
    report(bench="ray ownership", tasks=args.tasks, partitions=args.partitions,
           driver_kb_per_task_without_parts=round(plain["growth_mb"] * 1024 / args.tasks, 1),
           driver_kb_per_task_with_parts=round(parted["growth_mb"] * 1024 / args.tasks, 1),
           driver_kb_per_object=round(parted["growth_mb"] * 1024 / max(1, parted["objects"]), 2))


if __name__ == "__main__":
    main()
