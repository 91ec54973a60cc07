"""A real crawler's WARC: wget (`--warc-file`) crawls pages served here on
127.0.0.1, some with their charset only in the HTTP header, one gzip-encoded,
one chunked, a 404 and an image; cleaning the crawl gives, for every page,
the text of cleaning the page alone with its header charset."""

from __future__ import annotations

import gzip
import shutil
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cleaner import Document, Options, clean

from ..encoding.conftest import cp1258_bytes

pytestmark = pytest.mark.skipif(shutil.which("wget") is None, reason="wget is not installed (.ci/run installs it)")

VI = ("Hà Nội công bố kế hoạch xây dựng tuyến xe buýt điện mới nối trung tâm thành phố với sân bay "
      "quốc tế Nội Bài. Hành khách sẽ trả giá vé cố định cho mỗi chuyến đi. ")
EN = ("The city council approved a new electric bus line on Tuesday that will connect the central "
      "station with the international airport starting in April. ")


def page(title: str, body: str) -> str:
    return (f"<html><head><title>{title}</title></head><body><nav><a href='/'>Home</a> | "
            f"<a href='/news'>News</a></nav><article><h1>{title}</h1>"
            + "".join(f"<p>{body * 2}</p>" for _ in range(3)) + "</article><footer>Contact</footer></body></html>")


# path -> (status, headers, body, how it is sent)
PAGES = {
    "/vi.html": ("200 OK", {"Content-Type": "text/html; charset=windows-1258"},
                 cp1258_bytes(page("Tin tức", VI)), "plain"),
    "/en.html": ("200 OK", {"Content-Type": "text/html; charset=iso-8859-1"},
                 page("Bus line", EN + "Café prices déjà vu. ").encode("latin-1"), "plain"),
    "/gz.html": ("200 OK", {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
                 page("Xe buýt", VI).encode(), "gzip"),
    "/chunked.html": ("200 OK", {"Content-Type": "text/html; charset=utf-8"},
                      page("Airport", EN).encode(), "chunked"),
    "/missing.html": ("404 Not Found", {"Content-Type": "text/html"}, b"<html><body>Not found</body></html>",
                      "plain"),
    "/logo.png": ("200 OK", {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + bytes(200), "plain"),
}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (the http.server name)
        status, headers, body, how = PAGES[self.path]
        self.send_response(int(status.split()[0]), status.split(" ", 1)[1])
        for name, value in headers.items():
            self.send_header(name, value)
        if how == "gzip":
            body = gzip.compress(body)
        if how == "chunked":
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i in range(0, len(body), 100):
                part = body[i:i + 100]
                self.wfile.write(b"%x\r\n%s\r\n" % (len(part), part))
            self.wfile.write(b"0\r\n\r\n")
            return
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crawl")
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        urls = folder / "urls.txt"
        urls.write_text("".join(f"{base}{path}\n" for path in PAGES))
        subprocess.run(["wget", "--quiet", "--tries=1", "--timeout=10", "--no-verbose", f"--input-file={urls}",
                        f"--warc-file={folder / 'crawl'}", f"--directory-prefix={folder / 'files'}"],
                       cwd=folder, timeout=120)  # exits 8 for the 404: expected
    finally:
        server.shutdown()
    warc_file = folder / "crawl.warc.gz"
    assert warc_file.exists()
    return warc_file


def alone(path: str) -> Document:
    status, headers, body, _ = PAGES[path]
    run = clean([Document(id=path, source=path, raw=body, content_type=headers["Content-Type"])],
                Options(workers=1, dedup=False, site_learning=False))
    return next(iter(run))


def test_every_page_of_a_wget_crawl_is_cleaned_as_the_page_alone(crawl: Path) -> None:
    run = clean([str(crawl)], Options(workers=1, dedup=False, site_learning=False))
    docs = list(run)
    written = {d.url.rsplit("/", 1)[1]: d for d in docs if d.ok}
    assert sorted(written) == ["chunked.html", "en.html", "gz.html", "vi.html"]
    for name, doc in written.items():
        expected = alone(f"/{name}")
        assert doc.text == expected.text and doc.title == expected.title, name
        assert doc.encoding == expected.encoding and doc.site == "127.0.0.1" and doc.crawl_date
    assert written["vi.html"].encoding == "cp1258" and written["vi.html"].encoding_method == "declared"
    assert "Café" in written["en.html"].text


def test_the_404_the_image_and_wgets_own_records_are_skipped_with_reasons(crawl: Path) -> None:
    run = clean([str(crawl)], Options(workers=1, dedup=False, site_learning=False))
    skipped = {d.url.rsplit("/", 1)[-1]: (d.reason, d.message) for d in run if d.status == "skipped"
               and d.reason in ("http_status", "content_type")}
    assert skipped["missing.html"] == ("http_status", "HTTP 404 Not Found")
    assert skipped["logo.png"][0] == "content_type"
    stats = run.stats
    assert stats.skipped["request_record"] == len(PAGES)
    assert stats.skipped["warcinfo_record"] == 1 and stats.accounted and not stats.failed
