"""The library API end to end on the real samples, plus properties that must
hold for any mixture of inputs: never crash, every document accounted for,
same output every run."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import Document, Options, clean, process_document
from cleaner.document import RECORD_FIELDS

from ..conftest import GOLDEN, SAMPLES


def run_records(inputs, options: Options | None = None) -> tuple[list[Document], object]:
    run = clean(inputs, options)
    docs = list(run)
    return docs, run.stats


def test_samples_end_to_end() -> None:
    docs, stats = run_records([SAMPLES])
    by_id = {d.id: d for d in docs}
    assert len(docs) == len(list(SAMPLES.iterdir())) == stats.read
    assert stats.accounted and stats.written == len(docs)
    assert all(d.ok for d in docs)
    assert by_id["000_b2d4cadf0807df7d"].format == "text"
    assert by_id["bridge-1-valley-courier"].format == "html"
    vi = by_id["vi-bus-windows-1258"]
    assert (vi.encoding, vi.encoding_method) == ("cp1258", "detected")
    assert "nfc" in vi.repairs
    assert vi.title == "Hà Nội mở thêm tuyến xe buýt điện nối sân bay Nội Bài"
    assert "Tin liên quan" not in vi.text and "Lượt xem" not in vi.text
    assert vi.date == "2024-03-18"
    # The republished wire story is flagged against the first copy, nothing else is.
    repost = by_id["bridge-2-county-times"]
    assert repost.duplicate_of == "bridge-1-valley-courier"
    assert repost.cluster == "bridge-1-valley-courier" and 0.5 <= repost.similarity <= 1.0
    assert by_id["bridge-1-valley-courier"].duplicate_of is None
    assert by_id["bridge-1-valley-courier"].cluster == "bridge-1-valley-courier"
    assert [d.id for d in docs if d.duplicate_of] == ["bridge-2-county-times"]
    (cluster,) = stats.clusters
    assert (cluster["cluster"], cluster["kept"], cluster["size"]) == ("bridge-1-valley-courier",) * 2 + (2,)
    assert [m["id"] for m in cluster["members"]] == ["bridge-1-valley-courier", "bridge-2-county-times"]
    assert cluster["members"][1]["similarity"] == repost.similarity
    # The republication drops the last paragraph: it is contained in the original.
    assert repost.contained_in == "bridge-1-valley-courier" and repost.containment >= 0.9


def test_record_fields_and_sizes() -> None:
    docs, _ = run_records([SAMPLES / "bridge-1-valley-courier.html"])
    record = docs[0].record()
    assert tuple(record) == RECORD_FIELDS
    assert record["bytes_in"] == (SAMPLES / "bridge-1-valley-courier.html").stat().st_size
    assert record["chars_out"] == len(record["text"]) < record["chars_in"]
    assert record["title"] == "River town reopens bridge after flood repairs"
    assert record["text"].startswith("The only road bridge into Millbrook reopened on Monday")
    for chrome in ("Share", "Related articles", "Most read", "Finally!", "All rights reserved"):
        assert chrome not in record["text"]
    json.dumps(record)  # serialisable as is


def test_golden_output_of_the_html_samples(update_golden: bool) -> None:
    docs, _ = run_records(sorted(SAMPLES.glob("*.html")), Options(dedup=False))
    for doc in docs:
        golden = GOLDEN / f"{doc.id}.txt"
        if update_golden:
            golden.write_text(doc.text + "\n", encoding="utf-8")
        assert golden.read_text(encoding="utf-8") == doc.text + "\n", doc.id


def test_drop_duplicates_moves_the_copy_to_dropped() -> None:
    docs, stats = run_records([SAMPLES], Options(drop_duplicates=True))
    dropped = [d for d in docs if not d.ok]
    assert [(d.id, d.reason) for d in dropped] == [("bridge-2-county-times", "duplicate_dropped")]
    assert stats.dropped == {"duplicate_dropped": 1} and stats.accounted


def test_without_dedup_records_are_the_same_minus_duplicate_fields() -> None:
    with_dedup, _ = run_records([SAMPLES])
    without, _ = run_records([SAMPLES], Options(dedup=False))
    strip = lambda d: {k: v for k, v in d.record().items()
                       if k not in ("duplicate_of", "cluster", "similarity", "contained_in", "containment")}
    assert [strip(d) for d in with_dedup] == [strip(d) for d in without]
    assert all(d.duplicate_of is None and d.cluster is None for d in without)


def test_documents_can_be_given_as_objects() -> None:
    page = (SAMPLES / "bridge-1-valley-courier.html").read_bytes()
    copy = (SAMPLES / "bridge-2-county-times.html").read_bytes()
    docs, stats = run_records([Document(id="a", source="memory:a", raw=page),
                               Document(id="b", source="memory:b", raw=copy)])
    assert [d.id for d in docs] == ["a", "b"]
    assert docs[1].duplicate_of == "a" and stats.accounted


def test_bad_inputs_get_reasons_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "image.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    (tmp_path / "report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 4)
    (tmp_path / "chrome-only.txt").write_text("Chia sẻ\nIn trang\nLượt xem: 12\n", encoding="utf-8")
    (tmp_path / "big.txt").write_text("x" * 5000, encoding="utf-8")
    (tmp_path / "good.txt").write_text(
        "Tiêu đề\n\nĐây là một đoạn văn bản bình thường của bài báo, đủ dài để giữ lại.\n",
        encoding="utf-8")
    docs, stats = run_records([tmp_path, tmp_path / "missing.txt"], Options(max_bytes=4000))
    reasons = {d.id: (d.status, d.reason) for d in docs}
    assert reasons == {
        "big": ("dropped", "too_large"),
        "chrome-only": ("dropped", "empty_after_cleaning"),
        "empty": ("dropped", "empty_input"),
        "good": ("ok", None),
        "image": ("dropped", "not_text"),
        "missing": ("failed", "not_found"),
        "report": ("dropped", "not_text"),
    }
    assert all(d.message for d in docs if not d.ok)
    assert stats.accounted and stats.read == 7 and stats.written == 1


def test_a_stage_crash_becomes_a_failed_document(monkeypatch) -> None:
    import cleaner.run.stages as stages

    def boom(doc, options):
        raise RuntimeError("extractor exploded")

    monkeypatch.setattr(stages, "extract_stage", boom)
    doc = process_document(Document(id="x", source="m", raw=b"some text here"), Options())
    assert (doc.status, doc.reason) == ("failed", "internal_error")
    assert "extractor exploded" in doc.message


def test_same_stem_in_two_directories_gets_two_ids(tmp_path: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "page.txt").write_text(f"Một bài báo khác nhau số {sub} với nội dung riêng.\n",
                                                 encoding="utf-8")
    docs, _ = run_records([tmp_path])
    assert [d.id for d in docs] == ["page", "page-2"]


# --- properties over random mixtures of good and bad inputs ---

GOOD = [p.read_bytes() for p in sorted(SAMPLES.iterdir())]
BAD = [b"", b"\x00\x01\x02\x03" * 50, b"\xff\xfe", b"<html><body></body></html>",
       b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "Lượt xem: 1.420\n".encode("utf-8"),
       b"<" * 300, "Tin liên quan\n".encode("utf-16"),
       gzip.compress(GOOD[0]), gzip.compress(GOOD[1])[:-30], gzip.compress(b"\0" * 300_000),
       b"<html>" + b"<div>" * 5000 + b"deep" + b"</div>" * 5000]

inputs = st.lists(
    st.one_of(st.sampled_from(GOOD + BAD), st.binary(max_size=600),
              st.text(max_size=400).map(lambda t: t.encode("utf-8", "surrogatepass"))),
    min_size=1, max_size=8)


@settings(max_examples=25, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(inputs, st.booleans())
def test_any_mixture_never_crashes_accounts_for_everything_and_is_deterministic(
        payloads: list[bytes], drop: bool) -> None:
    def run():
        docs = [Document(id=f"d{i}", source=f"mem:{i}", raw=p) for i, p in enumerate(payloads)]
        r = clean(docs, Options(drop_duplicates=drop, max_bytes=200_000))
        return [json.dumps(d.spool_record(), sort_keys=True) for d in r], r.stats

    first, stats = run()
    second, _ = run()
    assert first == second
    assert stats.read == len(payloads) == len(first)
    assert stats.accounted
    assert stats.written + sum(stats.dropped.values()) + sum(stats.failed.values()) == len(payloads)
    # in-memory inputs only fail when they are broken compressed data
    assert set(stats.failed) <= {"corrupt"}


def test_language_of_the_clean_text() -> None:
    from cleaner.language import detect

    docs, _ = run_records([SAMPLES])
    languages = {d.id: d.language for d in docs}
    assert languages["bridge-1-valley-courier"] == "en"
    assert languages["vi-bus-windows-1258"] == "vi" and languages["000_b2d4cadf0807df7d"] == "vi"
    assert detect("Die Stadtverwaltung hat am Montag einen neuen Radweg entlang des Flusses eröffnet.") == "de"
    assert detect("12 34") is None


def test_output_is_the_same_whatever_the_batches(monkeypatch) -> None:
    """Batches are sized by what documents cost, so they differ from run to
    run: records must not depend on which documents share a batch."""
    import random

    from cleaner.engines.pool import BatchSizer

    inputs = [SAMPLES] + [SAMPLES / name for name in ("bridge-1-valley-courier.html", "000_b2d4cadf0807df7d.txt")]
    expected = [json.dumps(d.record(), ensure_ascii=False, sort_keys=True)
                for d in clean(inputs, Options(workers=1))]
    for seed in range(3):
        rng = random.Random(seed)
        monkeypatch.setattr(BatchSizer, "next_size", lambda self: rng.randint(1, 5))
        got = [json.dumps(d.record(), ensure_ascii=False, sort_keys=True)
               for d in clean(inputs, Options(workers=2))]
        assert got == expected


def test_batches_are_sized_by_what_documents_cost() -> None:
    from cleaner.engines.pool import BATCH_SECONDS, FIRST_BATCH, BatchSizer

    pages = BatchSizer(64)
    assert pages.next_size() == FIRST_BATCH  # nothing measured yet
    pages.observe(8, 8 * 0.025)  # web pages: 25 ms each
    assert pages.next_size() == int(BATCH_SECONDS / 0.025)
    dumps = BatchSizer(64)
    dumps.observe(8, 8 * 0.0006)  # text dumps: 0.6 ms each
    assert dumps.next_size() == 64
    slow = BatchSizer(64)
    slow.observe(1, 3.0)
    assert slow.next_size() == 1


def test_on_a_cluster_batches_grow_with_the_run() -> None:
    """With `longest` (RayEngine: every task costs the driver bookkeeping),
    a batch keeps a worker busy 0.25 s at first, then a tenth of the time
    the run has run, up to `longest` seconds."""
    from cleaner.engines.pool import BATCH_SECONDS, BatchSizer

    now = [100.0]
    pages = BatchSizer(10_000, longest=60.0, clock=lambda: now[0])
    pages.observe(8, 8 * 0.04)  # 40 ms a page
    assert pages.next_size() == int(BATCH_SECONDS / 0.04)
    now[0] += 200  # 200 s into the run: batches of 20 s
    assert pages.next_size() == int((BATCH_SECONDS + 20) / 0.04)
    now[0] += 5000
    assert pages.next_size() == int(60 / 0.04)  # (at most a minute)
    assert BatchSizer(64, longest=60.0, clock=lambda: now[0]).target_seconds() == BATCH_SECONDS


def test_output_is_the_same_for_any_number_of_workers(tmp_path: Path) -> None:
    """Byte-identical records, in input order, whether one process or two clean them."""
    inputs = [SAMPLES] + [SAMPLES / name for name in ("bridge-1-valley-courier.html", "000_b2d4cadf0807df7d.txt")]
    runs = []
    for workers in (1, 2):
        docs = list(clean(inputs, Options(workers=workers, batch_size=2)))
        runs.append([json.dumps(d.record(), ensure_ascii=False, sort_keys=True) for d in docs])
    assert runs[0] == runs[1]
    assert len(runs[0]) == len(list(SAMPLES.iterdir())) + 2


def test_a_spooled_batch_holds_what_pass_a_reads_of_its_documents(tmp_path: Path) -> None:
    """Workers send the corpus passes a batch summary instead of Documents:
    journal lines, index rows and site keys must be exactly the documents'."""
    import numpy as np

    from cleaner.chrome.sites import site_of
    from cleaner.dedup.index import date_number
    from cleaner.run.batches import spooled_batch
    from cleaner.run.journal import spool_line
    from cleaner.run.stages import process_batch

    (tmp_path / "empty.txt").write_bytes(b"")
    inputs = sorted(SAMPLES.iterdir()) + [tmp_path / "empty.txt", tmp_path / "missing.txt"]
    docs = process_batch([Document(id=str(i), source=str(p)) for i, p in enumerate(inputs)], Options())
    assert {d.status for d in docs} == {"ok", "dropped", "failed"}
    batch = spooled_batch(docs)
    assert len(batch) == len(docs) and batch.ids == [d.id for d in docs]
    assert batch.lines == b"".join(spool_line(d) for d in docs)
    assert batch.bytes_in == sum(d.bytes_in for d in docs)
    signed = [i for i, d in enumerate(docs) if d.ok and d.signature is not None and d.shingle_count]
    assert batch.signed.tolist() == signed and len(signed) >= 5
    assert np.array_equal(batch.signatures, np.stack([docs[i].signature for i in signed]))
    assert batch.shingle_counts.tolist() == [docs[i].shingle_count for i in signed]
    assert batch.chars_out.tolist() == [docs[i].chars_out for i in signed]
    assert batch.dates.tolist() == [date_number(docs[i].date) for i in signed]
    assert batch.sites == [site_of(d.url, d.source) if d.ok else None for d in docs]
    present = [[k for k in d.site_keys or () if k is not None] if d.ok else [] for d in docs]
    assert list(batch.key_counts) == [len(keys) for keys in present]
    assert list(batch.keys) == [k for keys in present for k in keys] and len(batch.keys) > 0
    assert spooled_batch(docs, journal_lines=False).lines == b""
    nothing = spooled_batch([d for d in docs if not d.ok])
    assert len(nothing.signed) == 0 and nothing.signatures.shape[0] == 0


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=6), st.text(max_size=6) | st.sampled_from(["\ud800", "tin-\udcff", "Tức", "\x7f"]),
       st.text(max_size=30) | st.sampled_from(["a\udc80b"]),
       st.none() | st.floats(0, 1), st.none() | st.tuples(st.text(max_size=6), st.floats(0, 1)))
def test_duplicate_fields_spliced_into_a_record_are_what_the_writer_writes(doc_id, root_id, text, similarity,
                                                                          contained):
    """The last pass sets a grouped document's duplicate fields in its
    journaled record's bytes: the result is the record written whole, or
    None where the writer would escape it whole (lone surrogates)."""
    from cleaner.document import DUPLICATE_FIELDS
    from cleaner.io.writers import dumps
    from cleaner.run.jsonl_dedup import with_duplicate_fields

    record = {"id": doc_id, "title": "Tin", "text": text, "repairs": [],
              **dict.fromkeys(DUPLICATE_FIELDS), "chars_out": len(text)}
    fields = {"duplicate_of": root_id if similarity is not None else None, "duplicate_run": None, "cluster": root_id,
              "similarity": similarity, "contained_in": contained and contained[0],
              "containment": contained and contained[1]}
    spliced = with_duplicate_fields(dumps(record)[:-1], fields)
    if spliced is not None:
        assert spliced + b"\n" == dumps({**record, **fields})
    if all(value.isascii() and "\x7f" not in value for value in (doc_id, root_id, text, *(contained or ("",))[:1])):
        assert spliced is not None  # plain records take the fast path


def test_a_document_crosses_processes_whole() -> None:
    """Documents are pickled as a tuple of field values: every field comes
    back, and an attribute that is not a field is not lost either."""
    import pickle
    from dataclasses import fields

    import numpy as np

    from cleaner.document import Document

    doc = Document(id="a", source="a.html", url="https://x.vn/a", title="T", date="2026-01-02", site="x.vn",
                   language="vi", format="html", text="Xin chào", encoding="utf-8", encoding_method="utf8",
                   confidence=0.5, repairs=["nfc"], duplicate_of="b", cluster="b", similarity=0.9,
                   contained_in="b", containment=0.95, bytes_in=10, chars_in=9, chars_out=8,
                   explain=[{"line": 1}], signature=np.arange(4, dtype=np.uint32), shingle_count=3,
                   site_keys=[1, None])
    back = pickle.loads(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    for f in fields(Document):
        assert np.array_equal(getattr(back, f.name), getattr(doc, f.name)) if f.name == "signature" \
            else getattr(back, f.name) == getattr(doc, f.name), f.name
    doc.note = "not a field"
    assert pickle.loads(pickle.dumps(doc)).note == "not a field"


def test_clean_takes_option_overrides_by_name_as_documented() -> None:
    """docs/api.md: clean(inputs, options=None, **option_overrides)."""
    base = Options(threshold=0.6)
    run = clean([str(SAMPLES)], base, workers=1, dedup=False, site_learning=False)
    assert run.options == Options(threshold=0.6, workers=1, dedup=False, site_learning=False)
    assert all(d.duplicate_of is None for d in run)
    assert clean([str(SAMPLES)], engine="local").options.engine == "local"
    with pytest.raises(TypeError):
        clean([str(SAMPLES)], no_such_option=1)
