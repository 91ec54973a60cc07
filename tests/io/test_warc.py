"""WARC and ARC crawls in: every record accounted for (a document, skipped
with its reason, or failed), the HTTP envelope undone, and the WARC headers
kept. On real files: warcio's test data (tests/data/warc-peer) and a crawl
made here by wget."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
from collections import Counter
from pathlib import Path

import brotli
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from cleaner import Document, Options, clean
from cleaner.io import compressed, warc

from ..conftest import COMMAND, DATA, ROOT
from ..encoding.conftest import cp1258_bytes

PEER = DATA / "warc-peer"
EXAMPLE_TEXT = "This domain is established to be used for illustrative examples in documents."
# Per file: the documents written (url, start of text) and the records skipped, by reason.
PEER_EXPECTED = {
    "example.warc": ([("http://example.com/", EXAMPLE_TEXT)],
                     {"warcinfo_record": 2, "request_record": 2, "revisit_record": 1}),
    "example.warc.gz": ([("http://example.com/", EXAMPLE_TEXT)],
                        {"warcinfo_record": 2, "request_record": 2, "revisit_record": 1}),
    # one gzip member for the whole file
    "example-bad-non-chunked.warc.gz": ([("http://example.com/", EXAMPLE_TEXT)],
                                        {"warcinfo_record": 2, "request_record": 2, "revisit_record": 1}),
    # gzip members cut in the middle of a record
    "example-wrong-chunks.warc.gz": ([("http://example.com/", EXAMPLE_TEXT)], {"request_record": 1}),
    "example-iana.org-chunked.warc": ([("http://www.iana.org/", "Domain Names")],
                                      {"warcinfo_record": 1, "request_record": 1}),
    # the response's Content-Length runs past its end, into the next record: it fails
    "example-trunc.warc": ([], {"warcinfo_record": 2, "request_record": 1}),
    "example-digest.warc": ([], {"request_record": 4}),
    "example-resource.warc.gz": ([("http://example.com/", EXAMPLE_TEXT)], {"warcinfo_record": 2}),
    "example-space-in-target-uri.warc.gz": ([], {"warcinfo_record": 1, "content_type": 1}),
    "example-wget-bad-target-uri.warc.gz": ([("http://example.com/", EXAMPLE_TEXT)],
                                            {"warcinfo_record": 1, "request_record": 1, "metadata_record": 1,
                                             "crawler_metadata": 2}),
    "post-test.warc.gz": ([], {"request_record": 3, "content_type": 3}),  # JSON answers to POSTs
    "example.arc.gz": ([("http://example.com/", EXAMPLE_TEXT)], {"warcinfo_record": 1}),
}


def run_on(*inputs, **options):
    run = clean([str(i) if isinstance(i, Path) else i for i in inputs], Options(workers=1, **options))
    docs = list(run)
    return docs, run.stats


@pytest.mark.parametrize("name", sorted(PEER_EXPECTED))
def test_every_peer_file_is_read_record_by_record(name: str) -> None:
    docs, stats = run_on(PEER / name, dedup=False)
    written, skipped = PEER_EXPECTED[name]
    assert [(d.url, d.text[:len(text)]) for d, (_, text) in zip([d for d in docs if d.ok], written)] == written
    assert len([d for d in docs if d.ok]) == len(written)
    assert dict(stats.skipped) == skipped
    assert dict(stats.failed) == ({"corrupt": 1} if name == "example-trunc.warc" else {})
    assert not stats.dropped and stats.accounted
    for doc in docs:
        assert doc.source.startswith(f"{PEER / name}@")
        assert doc.crawl_date is None or doc.crawl_date[:2] in ("19", "20")


def test_the_record_is_found_again_by_its_source_offset() -> None:
    docs, _ = run_on(PEER / "example.warc.gz", dedup=False)
    (doc,) = [d for d in docs if d.ok]
    assert doc.id == "a9c51e3e-0221-11e7-bf66-0242ac120005"  # the WARC-Record-ID
    assert (doc.site, doc.crawl_date) == ("example.com", "2017-03-06T04:02:06Z")
    offset = int(doc.source.rpartition("@")[2])
    member = gzip.decompress((PEER / "example.warc.gz").read_bytes()[offset:])
    assert member.startswith(b"WARC/1.0") and b"urn:uuid:a9c51e3e-0221-11e7-bf66-0242ac120005" in member[:400]


def test_every_record_of_a_file_to_the_end_and_a_broken_rest_fails_with_a_reason(tmp_path: Path) -> None:
    data = (PEER / "example.warc").read_bytes()
    cut = tmp_path / "cut.warc"
    cut.write_bytes(data[:1197 + 800])  # into the response record's body
    docs, stats = run_on(cut, dedup=False)
    assert stats.skipped["warcinfo_record"] == 2 and stats.accounted
    broken = [d for d in docs if not d.ok and d.status != "skipped"]
    assert broken and all(d.message for d in broken)


def three_records(gzipped: bool) -> list[bytes]:
    """Three response records, each as written alone (a gzip member each when `gzipped`)."""
    records = []
    for n in range(3):
        out = io.BytesIO()
        http_record(WARCWriter(out, gzip=gzipped), f"http://tin.example.vn/{n}",
                    f"<html><body><p>{VI} ({n})</p></body></html>".encode(), [("Content-Type", "text/html")])
        records.append(out.getvalue())
    return records


GARBAGE = bytes(range(256)) * 3 + b"GARBAGE left by a broken copy"


@pytest.mark.parametrize("layout", ["plain", "gzip per record", "gzip whole"])
def test_garbage_between_records_fails_as_one_span_and_the_records_after_it_are_read(
        tmp_path: Path, layout: str) -> None:
    first, second, third = three_records(gzipped=layout == "gzip per record")
    data = first + GARBAGE + second + third
    path = tmp_path / "garbage.warc.gz"
    path.write_bytes(gzip.compress(data) if layout == "gzip whole" else data)
    docs, stats = run_on(path, dedup=False)
    assert [d.url for d in docs if d.ok] == [f"http://tin.example.vn/{n}" for n in range(3)]
    (failed,) = [d for d in docs if not d.ok]
    # (an uncompressed record's length leaves out the two line ends after it)
    start = int(failed.source.rpartition("@")[2])
    assert len(first) - 4 <= start <= len(first) and stats.accounted
    assert failed.status == "failed" and f"{len(first) + len(GARBAGE) - start} bytes passed over" in failed.message
    for doc in docs[2:]:  # found again by their offsets, in the file or in its decompressed stream
        offset = int(doc.source.rpartition("@")[2])
        at = gzip.decompress(path.read_bytes()) if layout == "gzip whole" else path.read_bytes()
        at = at[offset:] if layout != "gzip per record" else gzip.decompress(at[offset:])
        assert at.startswith(b"WARC/1.") and doc.url.encode() in at[:600]


def test_a_record_whose_content_length_lies_fails_and_the_next_record_is_read(tmp_path: Path) -> None:
    first, second, third = three_records(gzipped=False)
    length = int(second.split(b"Content-Length: ")[1].split(b"\r\n")[0])
    lying = second.replace(b"Content-Length: %d" % length, b"Content-Length: %d" % (length - 40), 1)
    path = tmp_path / "lying.warc"
    path.write_bytes(first + lying + third)
    docs, stats = run_on(path, dedup=False)
    assert [d.url for d in docs if d.ok][0] == "http://tin.example.vn/0"
    assert [d.url for d in docs if d.ok][-1] == "http://tin.example.vn/2"
    assert [d.status for d in docs if not d.ok] == ["failed"] and stats.accounted


def test_garbage_on_standard_input_ends_the_crawl_with_one_failure(tmp_path: Path) -> None:
    first, second, _ = three_records(gzipped=False)
    done = subprocess.run([*COMMAND, "clean", "-", "-o", "-", "--no-dedup", "-q"], input=first + GARBAGE + second,
                          capture_output=True, cwd=ROOT)
    assert done.returncode == 1 and len(done.stdout.splitlines()) == 1
    assert b"corrupt" in done.stderr and b"Traceback" not in done.stderr


def http_record(writer: WARCWriter, url: str, body: bytes, headers: list[tuple[str, str]],
                status: str = "200 OK") -> None:
    http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
    writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http))


VI = "Hà Nội công bố kế hoạch xây dựng tuyến xe buýt điện mới nối trung tâm với sân bay quốc tế. " * 3


def chunked(body: bytes, size: int = 50) -> bytes:
    parts = [body[i:i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


@pytest.fixture
def made_warc(tmp_path: Path) -> Path:
    """A WARC written by warcio, per-record gzip, with what crawls hold."""
    page = f"<html><head><title>Tin</title></head><body><article><h1>Tin</h1><p>{VI}</p></article></body></html>"
    path = tmp_path / "made.warc.gz"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record("made.warc.gz", {"software": "test"}))
        http_record(writer, "http://tin.example.vn/a", cp1258_bytes(page),
                    [("Content-Type", "text/html; charset=windows-1258")])
        http_record(writer, "http://tin.example.vn/b", gzip.compress(page.encode()),
                    [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
        http_record(writer, "http://tin.example.vn/c", chunked(page.encode()),
                    [("Content-Type", "text/html; charset=utf-8"), ("Transfer-Encoding", "chunked")])
        http_record(writer, "http://tin.example.vn/d", page.encode(),
                    [("Content-Type", "text/html"), ("Transfer-Encoding", "chunked")])  # claims, is not
        http_record(writer, "http://tin.example.vn/e", brotli.compress(page.encode()),
                    [("Content-Type", "text/html"), ("Content-Encoding", "br")])
        http_record(writer, "http://tin.example.vn/missing", b"<html>Not found</html>",
                    [("Content-Type", "text/html")], status="404 Not Found")
        http_record(writer, "http://tin.example.vn/logo.png", b"\x89PNG\r\n\x1a\n" + bytes(100),
                    [("Content-Type", "image/png")])
        http_record(writer, "http://tin.example.vn/app.js", b"var a = 1;", [("Content-Type", "text/javascript")])
        writer.write_record(writer.create_warc_record("http://tin.example.vn/notes.txt", "resource",
                                                      payload=io.BytesIO(VI.encode()),
                                                      warc_content_type="text/plain"))
    return path


def test_the_http_envelope_is_undone_and_its_charset_declares_the_encoding(made_warc: Path) -> None:
    docs, stats = run_on(made_warc, dedup=False)
    written = {d.url.rsplit("/", 1)[1]: d for d in docs if d.ok}
    assert sorted(written) == ["a", "b", "c", "d", "e", "notes.txt"]
    for name in "abcde":
        assert written[name].text.startswith("Hà Nội công bố"), name
        assert written[name].site == "tin.example.vn"
    assert (written["a"].encoding, written["a"].encoding_method) == ("cp1258", "declared")
    assert written["notes.txt"].format == "text"
    assert dict(stats.skipped) == {"warcinfo_record": 1, "http_status": 1, "content_type": 2}
    assert stats.accounted and not stats.failed


def test_a_page_in_a_crawl_is_cleaned_as_the_same_page_given_alone(made_warc: Path) -> None:
    docs, _ = run_on(made_warc, dedup=False, site_learning=False)
    page = next(d for d in docs if d.ok and d.url.endswith("/a"))
    alone, _ = run_on(Document(id="a", source="a.html", content_type="text/html; charset=windows-1258",
                               raw=_body_of(made_warc, "http://tin.example.vn/a")),
                      dedup=False, site_learning=False)
    assert alone[0].text == page.text and alone[0].encoding == page.encoding


def _body_of(path: Path, url: str) -> bytes:
    from warcio.archiveiterator import ArchiveIterator

    with open(path, "rb") as handle:
        for record in ArchiveIterator(handle):
            if record.rec_headers.get_header("WARC-Target-URI") == url:
                return record.content_stream().read()
    raise KeyError(url)


def test_a_crawl_on_standard_input_is_read_as_a_crawl(made_warc: Path) -> None:
    result = subprocess.run([*COMMAND, "clean", "-", "--no-dedup", "--report", "/dev/stdout", "-o", "/dev/null"],
                            cwd=ROOT, input=made_warc.read_bytes(), capture_output=True)
    report = json.loads(result.stdout)
    assert result.returncode == 0, result.stderr
    assert report["written"] == 6 and report["skipped"] == {"content_type": 2, "http_status": 1,
                                                            "warcinfo_record": 1}


def test_a_record_over_max_bytes_is_dropped_and_the_next_is_read(made_warc: Path) -> None:
    docs, stats = run_on(made_warc, dedup=False, max_bytes=400)  # pages of 461 bytes, notes of 366
    assert stats.dropped["too_large"] == 5 and stats.accounted  # gzip and br ones once decoded
    assert [d.url for d in docs if d.ok] == ["http://tin.example.vn/notes.txt"]


def test_sniffing_tells_crawls_from_pages() -> None:
    assert warc.sniff((PEER / "example.warc").read_bytes()[:4096])
    assert warc.sniff((PEER / "example.warc.gz").read_bytes()[:4096])
    assert warc.sniff((PEER / "example.arc.gz").read_bytes()[:4096])
    assert not warc.sniff(b"<html><body>WARC/1.0</body></html>")
    assert not warc.sniff(gzip.compress(b"<html></html>"))


@pytest.mark.parametrize("body, expected", [
    (b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", b"hello world"),
    (b"5;ext=1\r\nhello\r\n0\r\n\r\n", b"hello"),
    (b"<html>not chunked</html>", b"<html>not chunked</html>"),
    (b"ff\r\nshort", b"ff\r\nshort"),
])
def test_dechunk_is_lenient_as_browsers_are(body: bytes, expected: bytes) -> None:
    assert compressed.dechunk(body) == expected


def test_the_counts_add_up_across_files() -> None:
    docs, stats = run_on(*(PEER / name for name in sorted(PEER_EXPECTED)), dedup=False)
    assert stats.read == len(docs) == sum(Counter(d.status for d in docs).values())
    assert stats.written == sum(len(w) for w, _ in PEER_EXPECTED.values())
    assert len({d.id for d in docs}) == len(docs)  # ids unique across files


def test_detect_shows_a_crawls_documents_as_clean_decodes_them(made_warc: Path) -> None:
    from cleaner.views.detect import detect_rows

    rows = list(detect_rows([str(made_warc)], 10**8))
    assert len(rows) == 6 and all("error" not in row for row in rows)  # the skipped records left out
    first = rows[0]
    assert first["file"].startswith(f"{made_warc}@") and (first["encoding"], first["method"]) == ("cp1258", "declared")


def test_explain_takes_a_crawl_or_one_of_its_records(made_warc: Path) -> None:
    from click.testing import CliRunner

    from cleaner.cli import main

    first = CliRunner().invoke(main, ["explain", str(made_warc), "--json"])
    assert first.exit_code == 0, first.output
    doc = json.loads(first.stdout)
    assert doc["source"].startswith(f"{made_warc}@") and "holds 6 documents" in first.stderr
    notes = next(d for d in run_on(made_warc, dedup=False)[0] if d.ok and d.url.endswith("notes.txt"))
    picked = CliRunner().invoke(main, ["explain", notes.source, "--json"])
    assert picked.exit_code == 0 and json.loads(picked.stdout)["source"] == notes.source
    none = CliRunner().invoke(main, ["explain", str(PEER / "post-test.warc.gz")])
    assert none.exit_code == 2 and "no document to explain" in none.output


@pytest.mark.parametrize("url", ["http://Example.com/", "https://a.b.c:8080/x?y#z", "http://user:pw@h.com/",
                                 "http://[::1]:80/", "metadata://gnu.org/software/wget", "file:///x%20y.png",
                                 "http://h.com?x", "http://h.com#x", "dns:example.com", "http://127.0.0.1:4000/a"])
def test_host_of_agrees_with_urlsplit(url: str) -> None:
    from urllib.parse import urlsplit

    assert warc.host_of(url) == urlsplit(url).hostname


def test_a_crawl_is_found_by_its_content_whatever_its_name_unless_named_as_a_page(tmp_path: Path) -> None:
    data = (PEER / "example.warc.gz").read_bytes()
    (tmp_path / "crawl-00001").write_bytes(data)  # no extension: sniffed
    (tmp_path / "crawl.gz").write_bytes(data)
    docs, stats = run_on(tmp_path / "crawl-00001", tmp_path / "crawl.gz", dedup=False)
    assert stats.written == 2 and stats.skipped["request_record"] == 4
    (tmp_path / "page.html").write_bytes(data)  # named as a page: read as one
    docs, stats = run_on(tmp_path / "page.html", dedup=False)
    assert stats.read == 1 and not stats.skipped


def test_common_crawl_wet_conversion_records_take_the_text_path(tmp_path: Path) -> None:
    """WET files (Common Crawl's extracted text) hold `conversion` records of
    text/plain: text dumps, cleaned by the line rules."""
    path = tmp_path / "crawl.warc.wet.gz"
    dump = "Trang chủ | Thời sự | Thế giới\n" + VI + "\nChia sẻ Facebook\n"
    with open(path, "wb") as out:
        writer = WARCWriter(out, gzip=True)
        writer.write_record(writer.create_warcinfo_record("crawl.warc.wet.gz", {"software": "test"}))
        writer.write_record(writer.create_warc_record("http://tin.example.vn/a", "conversion",
                                                      payload=io.BytesIO(dump.encode()),
                                                      warc_content_type="text/plain"))
    docs, stats = run_on(path, dedup=False)
    (doc,) = [d for d in docs if d.ok]
    assert doc.format == "text" and doc.text.startswith("Hà Nội") and "Chia sẻ" not in doc.text
    assert doc.url == "http://tin.example.vn/a" and stats.skipped == {"warcinfo_record": 1}
