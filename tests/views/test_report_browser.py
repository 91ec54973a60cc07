"""The HTML report in a real browser: headless Chromium (Debian's chromium
and chromedriver, which .ci/run installs), driven by Selenium. Each report
opens with no console error (its Content Security Policy would log any
blocked script or load), shows the JSON report's figures, opens a
cluster to both texts, filters, and is not blank."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from ..conftest import COMMAND, ROOT, SAMPLES

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SHARED = Path(os.environ.get("CLEANER_SHARED", ROOT.parent / "shared"))


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("headless Chromium is not installed: .ci/run installs Debian's chromium and chromium-driver")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1200,900", "--lang=en-US"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # (Chromium's own temporary files go where pytest's do, not in the session's TMPDIR, which must end empty)
    scratch = tmp_path_factory.mktemp("chromium")
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER, env={**os.environ, "TMPDIR": str(scratch)}),
                              options=options)
    try:
        yield driver
    finally:
        driver.quit()


def opened(browser, path: Path) -> list[dict]:
    """Open a report, wait for its script to have drawn the lists; the
    console's errors and warnings since."""
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get_log("browser")  # (what earlier pages logged)
    browser.get(path.resolve().as_uri())
    WebDriverWait(browser, 30).until(lambda b: b.find_element("tag name", "body").get_attribute("data-ready"))
    return [entry for entry in browser.get_log("browser") if entry["level"] in ("SEVERE", "WARNING")]


def figure(browser, name: str) -> int:
    return int(browser.find_element("css selector", f'[data-figure="{name}"]').text.replace(",", ""))


def rows(browser, table: str) -> list:
    return browser.find_elements("css selector", f"#{table} tbody tr:not(.detail)")


def search(browser, box: str, words: str) -> None:
    field = browser.find_element("id", box)
    field.clear()
    if words:
        field.send_keys(words)


def not_blank(png: bytes) -> bool:
    """A screenshot with text and charts in it, not a white page."""
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("L")
    histogram = image.histogram()
    return image.getextrema()[0] < 100 and sum(1 for n in histogram if n) > 20 and \
        max(histogram) < 0.97 * image.width * image.height


def made_report(tmp_path: Path, inputs: list[str], *options: str) -> tuple[dict, Path]:
    """`cleaner clean` run as people run it, writing both reports."""
    html = tmp_path / "report.html"
    done = subprocess.run([*COMMAND, "clean", *inputs, "-o", str(tmp_path / "corpus.jsonl"), "--report",
                           str(tmp_path / "report.json"), "--report-html", str(html), "-q", *options],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return json.loads((tmp_path / "report.json").read_text(encoding="utf-8")), html


def headline_matches(browser, figures: dict) -> None:
    assert figure(browser, "documents_read") == figures["documents_read"]
    assert figure(browser, "written") == figures["written"]
    assert figure(browser, "flagged_duplicates") == figures["flagged_duplicates"]
    assert figure(browser, "dropped") == sum(figures["dropped"].values())
    assert figure(browser, "failed") == sum(figures["failed"].values())
    assert figure(browser, "skipped") == sum(figures["skipped"].values())
    assert figure(browser, "clusters") == len(figures["clusters"])
    assert figure(browser, "bytes_in") == figures["bytes_in"]
    assert figure(browser, "bytes_out") == figures["bytes_out"]
    assert figure(browser, "lines_removed") == figures["chrome"]["lines_removed"]
    assert figure(browser, "repaired") == figures["repaired"]["documents"]
    assert figure(browser, "not_written") == figures["not_written"]["documents"]


def open_cluster(browser, cluster: str) -> str:
    """Click a cluster's row (on the page shown); the text of what opens under it."""
    row = next(r for r in rows(browser, "cluster-table") if r.get_attribute("data-cluster") == cluster)
    row.click()
    return row.find_element("xpath", "following-sibling::tr[1]").text


def test_the_samples_report(browser, tmp_path: Path) -> None:
    figures, html = made_report(tmp_path, [str(SAMPLES)])
    assert opened(browser, html) == []
    headline_matches(browser, figures)
    cluster = figures["clusters"][0]
    texts = {json.loads(line)["id"]: json.loads(line)["text"]
             for line in (tmp_path / "corpus.jsonl").read_text(encoding="utf-8").splitlines()}
    shown = open_cluster(browser, cluster["cluster"])
    member = next(m["id"] for m in cluster["members"] if m["id"] != cluster["kept"])
    assert f"{cluster['kept']} (kept)" in shown and member in shown
    for doc_id in (cluster["kept"], member):  # a passage of each text
        assert texts[doc_id].split("\n")[0][:60] in shown
    assert browser.find_elements("css selector", "td.differs"), "no passage highlighted"
    search(browser, "cluster-search", member.upper())
    assert len(rows(browser, "cluster-table")) == 1
    search(browser, "cluster-search", "no such cluster anywhere")
    assert rows(browser, "cluster-table") == [] and browser.find_element("id", "cluster-count").text == "none"
    browser.execute_script("window.scrollTo(0, 0)")
    png = browser.get_screenshot_as_png()
    assert not_blank(png)
    if os.environ.get("SAVE_REPORT_SCREENSHOT"):  # the README's picture: made here, by this browser
        from PIL import Image

        Image.open(io.BytesIO(png)).convert("RGB").quantize(64).save(os.environ["SAVE_REPORT_SCREENSHOT"],
                                                                      optimize=True)


def test_a_run_with_failures_lists_and_filters_them(browser, tmp_path: Path) -> None:
    bad = tmp_path / "in"
    shutil.copytree(SAMPLES, bad)
    (bad / "empty.txt").write_bytes(b"")
    (bad / "image.bin").write_bytes(bytes(range(256)) * 16)
    (bad / "cut.html.gz").write_bytes(b"\x1f\x8b\x08\x00broken")
    figures, html = made_report(tmp_path, [str(bad), str(tmp_path / "missing.html")])
    assert opened(browser, html) == []
    headline_matches(browser, figures)
    listed = figures["not_written"]["listed"]
    assert {"not_found", "empty_input", "not_text", "corrupt"} <= {f["reason"] for f in listed}
    assert len(rows(browser, "failure-table")) == len(listed)
    from selenium.webdriver.support.ui import Select

    Select(browser.find_element("id", "failure-reason")).select_by_value("not_found")
    shown = rows(browser, "failure-table")
    assert len(shown) == 1 and "missing.html" in shown[0].text
    Select(browser.find_element("id", "failure-reason")).select_by_value("")
    search(browser, "failure-search", "image.bin")
    assert [r.text.split()[0] for r in rows(browser, "failure-table")] == ["image"]


HOSTILE = '<img src=x onerror="window.__pwned=1">'


def test_page_text_never_runs(browser, tmp_path: Path) -> None:
    """Titles, ids, sources and texts holding markup are shown as text: no
    script of theirs runs (window.__pwned stays unset) and nothing is blocked
    either (the policy would log it)."""
    pages = tmp_path / HOSTILE
    pages.mkdir()
    story = ("Mưa lớn kéo dài khiến nhiều tuyến phố ở trung tâm thành phố ngập sâu, giao thông ùn tắc "
             "nhiều giờ trong buổi chiều, người dân phải dắt xe qua những đoạn nước sâu. ") * 4
    title = "&lt;script&gt;window.__pwned=2&lt;/script&gt; &lt;img src=x onerror=window.__pwned=3&gt;"
    for n in range(2):
        (pages / f"{HOSTILE}{n}.html").write_text(
            f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
            f"<p>{story}</p><p>&lt;script&gt;window.__pwned=4&lt;/script&gt; Bản tin số {n}.</p>"
            "</article></body></html>", encoding="utf-8")
    (pages / f"{HOSTILE}.txt").write_bytes(b"")
    figures, html = made_report(tmp_path, [str(pages)])
    assert figures["clusters"], "the two pages are one story"
    page = html.read_text(encoding="utf-8")
    assert page.count("<script") == 3 and "<img src=x" not in page and "<script>window" not in page
    assert opened(browser, html) == []
    assert browser.execute_script("return window.__pwned") is None
    cluster = figures["clusters"][0]
    shown = open_cluster(browser, cluster["cluster"])
    assert "<script>window.__pwned=4</script>" in shown
    assert "<script>window.__pwned=2</script>" in rows(browser, "cluster-table")[0].text
    assert HOSTILE in browser.find_element("id", "failure-table").text
    assert browser.execute_script("return window.__pwned") is None


def test_sites_dev_report(browser, tmp_path: Path) -> None:
    """The generated Vietnamese sites (../shared; skipped without it): many
    clusters, site boilerplate learned."""
    pages = sorted(str(p) for p in (SHARED / "eval" / "sites-dev").glob("d*.html"))
    if not pages:
        pytest.skip(f"no sites-dev under {SHARED}")
    figures, html = made_report(tmp_path, pages)
    assert len(figures["clusters"]) > 20
    assert opened(browser, html) == []
    headline_matches(browser, figures)
    assert len(rows(browser, "cluster-table")) == min(50, len(figures["clusters"]))
    biggest = max(figures["clusters"], key=lambda c: (c["size"], -figures["clusters"].index(c)))
    assert rows(browser, "cluster-table")[0].get_attribute("data-cluster") == biggest["cluster"]
    shown = open_cluster(browser, biggest["cluster"])
    assert all(m["id"] in shown for m in biggest["members"])
    assert "(text not" not in shown


def ten_thousand_clusters(tmp_path: Path) -> tuple[dict, Path]:
    """A real run whose report has 10,000 clusters: 10,000 stories of random
    Vietnamese words, each republished once or twice with a sentence added
    (22,476 records of one JSON Lines file); its JSON and HTML reports."""
    rng = random.Random(7)
    syllables = ("anh bà cá đà em già hà ích khá lá mà nà ô phà quá rà sá tà ú và xá ý bảo cáo dân giao hành "
                 "khoa lâm minh nguyễn phong quang sơn thanh trung viên xuân").split()
    words = sorted({a + b for a in syllables for b in syllables})
    with (tmp_path / "stories.jsonl").open("w", encoding="utf-8") as out:
        for c in range(10_000):
            story = ". ".join(" ".join(rng.choices(words, k=12)).capitalize() for _ in range(6)) + "."
            for m in range(rng.choice((2, 2, 2, 3))):
                text = story if m == 0 else story.replace(". ", f". Nguồn tin {m} bổ sung. ", 1)
                out.write(json.dumps({"id": f"c{c:05d}-{m}", "text": text}, ensure_ascii=False) + "\n")
    figures, html = made_report(tmp_path, [str(tmp_path / "stories.jsonl")], "--workers", "2")
    assert len(figures["clusters"]) == 10_000
    return figures, html


def test_a_report_of_ten_thousand_clusters_stays_small_and_usable(browser, tmp_path: Path) -> None:
    figures, html = ten_thousand_clusters(tmp_path)
    assert html.stat().st_size < 5_000_000
    assert opened(browser, html) == []
    headline_matches(browser, figures)
    assert len(rows(browser, "cluster-table")) == 50
    assert browser.find_element("id", "cluster-count").text == "1–50 of 10,000"
    browser.find_element("id", "cluster-next").click()
    assert browser.find_element("id", "cluster-count").text == "51–100 of 10,000"
    search(browser, "cluster-search", "c09999-0")
    assert [r.get_attribute("data-cluster") for r in rows(browser, "cluster-table")] == ["c09999-0"]
    shown = open_cluster(browser, "c09999-0")
    assert "c09999-1" in shown and "Nguồn tin 1 bổ sung." in shown
