#!/usr/bin/env python3
"""How long the HTML report takes to open and be usable in headless
Chromium, large against small, in paired rounds.

The issue's target: a report of 10,000 clusters opens and is usable within
3 seconds on this machine, and is at most a few MB. Two reports are made
once: a small one (samples/, as `cleaner clean --report-html` makes it) and
one of 10,000 clusters (the browser test's run: 10,000 stories of random
Vietnamese words, each republished once or twice, 22,476 records). Each round opens both, in turn, in
a fresh tab of one headless Chromium, and measures from navigation to:
  * ready: the page's script has drawn the first page of clusters and
    failures (body[data-ready] set), so the page can be used;
  * search: typing a cluster id into the search box has redrawn the list;
  * open: a click on that cluster has drawn its texts side by side.
It prints each report's size, the time the library took to make it, and
the medians and worst of the rounds. Needs Debian's chromium and
chromedriver, and the test extra (selenium).

    python bench/report_open.py [--rounds 5]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def browser(scratch: str):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,900"):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver"), env={**os.environ, "TMPDIR": scratch}),
                            options=options)


def timed_open(driver, path: Path, cluster: str) -> dict[str, float]:
    """Seconds from navigation to ready, to a search redrawn, to a cluster opened."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.switch_to.new_window("tab")
    started = time.perf_counter()
    driver.get(path.as_uri())
    WebDriverWait(driver, 60, poll_frequency=0.005).until(
        lambda d: d.find_element("tag name", "body").get_attribute("data-ready"))
    ready = time.perf_counter() - started
    box = driver.find_element("id", "cluster-search")
    box.send_keys(cluster)
    WebDriverWait(driver, 60, poll_frequency=0.005).until(
        lambda d: len(d.find_elements("css selector", "#cluster-table tbody tr.cluster")) == 1)
    searched = time.perf_counter() - started
    driver.find_element("css selector", "#cluster-table tbody tr.cluster").click()
    WebDriverWait(driver, 60, poll_frequency=0.005).until(
        lambda d: d.find_elements("css selector", "#cluster-table tr.detail .pair"))
    opened = time.perf_counter() - started
    driver.close()
    driver.switch_to.window(driver.window_handles[0])
    return {"ready": ready, "search": searched, "open": opened}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        print("skipped: no chromium or chromedriver (apt-get install chromium chromium-driver)")
        return
    from tests.views.test_report_browser import ten_thousand_clusters

    with tempfile.TemporaryDirectory(prefix="report-open-") as place:
        place = Path(place)
        small = place / "small.html"
        subprocess.run([sys.executable, "-m", "cleaner.cli", "clean", str(ROOT / "samples"), "-o",
                        str(place / "small.jsonl"), "--report", str(place / "small.json"), "--report-html",
                        str(small), "-q"], check=True)
        small_cluster = json.loads((place / "small.json").read_text(encoding="utf-8"))["clusters"][0]["cluster"]
        (place / "large").mkdir()
        started = time.perf_counter()
        _, large = ten_thousand_clusters(place / "large")
        made = time.perf_counter() - started
        print(f"small (samples/): {small.stat().st_size / 1e3:,.0f} KB; large (10,000 clusters): "
              f"{large.stat().st_size / 1e6:,.2f} MB, the run and its reports in {made:.2f} s")
        scratch = tempfile.mkdtemp(dir=place)
        driver = browser(scratch)
        try:
            rounds = {"small": [], "large": []}
            for n in range(args.rounds):
                order = [("small", small, small_cluster), ("large", large, "c09999-0")]
                for name, path, cluster in order if n % 2 == 0 else order[::-1]:  # paired, order alternating
                    rounds[name].append(timed_open(driver, path, cluster))
        finally:
            driver.quit()
        for name, measured in rounds.items():
            line = ", ".join(f"{step} {statistics.median(r[step] for r in measured):.2f} s "
                             f"(worst {max(r[step] for r in measured):.2f})" for step in ("ready", "search", "open"))
            print(f"{name}: {line}")
        extra = statistics.median(r["ready"] - s["ready"] for r, s in zip(rounds["large"], rounds["small"]))
        worst = max(r["open"] for r in rounds["large"])
        print(f"large vs small, ready: +{extra:.2f} s (median of paired rounds); "
              f"target: usable within 3 s: {'met' if worst < 3 else 'NOT met'} (worst open {worst:.2f} s)")


if __name__ == "__main__":
    main()
