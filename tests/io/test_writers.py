"""Tests for cleaner.io.writers (outputs): atomic files, JSONL, safe file names,
one text file per document, and JSON lines byte for byte as json writes them."""

from __future__ import annotations

import io
import json
import os
import re

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.document import Document
from cleaner.io.readers import documents
from cleaner.io.writers import (
    MAX_NAME_BYTES,
    RESERVED_NAMES,
    AtomicFile,
    JsonlWriter,
    TextDirWriter,
    safe_filename,
)

from .conftest import make

# --- writers -------------------------------------------------------------------------

def test_atomic_file_writes_on_success(tmp_path):
    target = tmp_path / "out.txt"
    with AtomicFile(str(target)) as handle:
        handle.write("Hà Nội\n")
        assert not target.exists()  # not visible until the block ends
    assert target.read_bytes() == "Hà Nội\n".encode("utf-8")
    assert os.listdir(tmp_path) == ["out.txt"]


def test_atomic_file_leaves_nothing_when_block_raises(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError):
        with AtomicFile(str(target)) as handle:
            handle.write("partial")
            raise RuntimeError("boom")
    assert os.listdir(tmp_path) == []


def test_atomic_file_keeps_old_file_when_block_raises(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with AtomicFile(str(target)) as handle:
            handle.write("new")
            raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_jsonl_writer_to_path(tmp_path):
    target = tmp_path / "out.jsonl"
    records = [{"id": "a", "text": "Hà Nội mở thêm tuyến xe buýt"}, {"id": "b", "text": "日本語"}]
    writer = JsonlWriter(str(target))
    for record in records:
        writer.write(record)
    assert not target.exists()
    writer.close()
    raw = target.read_bytes()
    assert "Hà Nội".encode("utf-8") in raw and "日本語".encode("utf-8") in raw
    assert b"\\u" not in raw
    lines = raw.decode("utf-8").splitlines()
    assert [json.loads(line) for line in lines] == records
    assert os.listdir(tmp_path) == ["out.jsonl"]


def test_jsonl_writer_abort_leaves_nothing(tmp_path):
    writer = JsonlWriter(str(tmp_path / "out.jsonl"))
    writer.write({"id": "a"})
    writer.close(ok=False)
    assert os.listdir(tmp_path) == []


def test_jsonl_writer_to_stream():
    stream = io.StringIO()
    writer = JsonlWriter("-", stream=stream)
    writer.write({"text": "Xin chào"})
    writer.close()
    assert stream.getvalue() == '{"text": "Xin chào"}\n'


# --- safe_filename --------------------------------------------------------------------

def assert_safe(name: str) -> None:
    assert name and "/" not in name and "\\" not in name
    assert not name.startswith(".")
    assert re.fullmatch(r"[\w.\-]+", name)  # no controls, spaces or separators
    assert name.split(".")[0].lower() not in RESERVED_NAMES
    assert len(name.encode("utf-8", "surrogatepass")) <= MAX_NAME_BYTES + 9


@pytest.mark.parametrize("name", [
    "con", "CON", "nul", "Nul.tar.gz", "prn.txt", "aux", "com1", "COM9.html", "lpt1", "LpT3.txt",
])
def test_safe_filename_avoids_reserved_device_names(name):
    result = safe_filename(name)
    assert_safe(result)
    assert result.split(".")[0].lower() != name.split(".")[0].lower()


@pytest.mark.parametrize("name", ["../../etc/passwd", "/abs/path", "a\\b", "", "...", ".hidden",
                                  "a\x00b", "line\nbreak", " spaced "])
def test_safe_filename_is_path_safe(name):
    assert_safe(safe_filename(name))


def test_safe_filename_keeps_ordinary_names():
    assert safe_filename("page-2") == "page-2"
    assert safe_filename("Hà_Nội.v2") == "Hà_Nội.v2"


def test_safe_filename_bounds_length_and_keeps_long_names_distinct():
    a, b = "x" * 300, "x" * 299 + "y"
    assert len(safe_filename(a).encode()) <= MAX_NAME_BYTES + 9 >= len(safe_filename(b).encode())
    assert safe_filename(a) != safe_filename(b)


def test_safe_filename_distinguishes_names_that_sanitise_alike():
    names = ["a/b", "a\\b", "a b", "a:b", "a_b", "a?b"]
    results = [safe_filename(n) for n in names]
    assert len(set(results)) == len(names)
    assert all(r.startswith("a_b") for r in results)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(max_size=300))
def test_safe_filename_property(name):
    result = safe_filename(name)
    assert_safe(result)
    base = os.path.join(os.sep, "out")
    assert os.path.dirname(os.path.normpath(os.path.join(base, result))) == base


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=40), st.text(max_size=40))
def test_safe_filename_is_injective(a, b):
    if a != b:
        assert safe_filename(a) != safe_filename(b)


@pytest.mark.parametrize("name", ["com¹", "LPT²"])
def test_safe_filename_avoids_superscript_device_names(name):
    assert safe_filename(name).split(".")[0].lower() != name.lower()


# --- TextDirWriter --------------------------------------------------------------------

def test_text_dir_writer_one_file_per_document(tmp_path):
    out = tmp_path / "out"
    writer = TextDirWriter(str(out))
    paths = [writer.write(Document(id="page", source="x", text="Xin chào")),
             writer.write(Document(id="other", source="y", text="ends\n"))]
    writer.close()
    assert sorted(os.listdir(out)) == ["other.txt", "page.txt"]
    assert [open(p, encoding="utf-8").read() for p in paths] == ["Xin chào\n", "ends\n"]


def test_text_dir_writer_stays_inside_its_directory(tmp_path):
    out = tmp_path / "deep" / "out"
    writer = TextDirWriter(str(out))
    ids = ["../../etc/passwd", "/abs/path", "a/b", "", "...", "..", ".", "Doc", "doc", "con"]
    paths = [writer.write(Document(id=i, source=i, text=f"text of {i!r}")) for i in ids]
    real_out = os.path.realpath(out)
    for path in paths:
        assert os.path.dirname(os.path.realpath(path)) == real_out
        assert path.endswith(".txt") and not os.path.basename(path).startswith(".")
    names = os.listdir(out)
    assert len(names) == len(ids)  # one distinct file each, even for Doc/doc
    assert len({n.lower() for n in names}) == len(ids)
    # Nothing was written anywhere else under tmp_path.
    everything = [os.path.join(d, f) for d, _, files in os.walk(tmp_path) for f in files]
    assert sorted(everything) == sorted(str(out / n) for n in names)
    assert {open(p, encoding="utf-8").read() for p in paths} == {f"text of {i!r}\n" for i in ids}


@pytest.mark.parametrize("name", [
    "新闻" * 40 + " 12.html",  # 249 bytes; the .txt name itself would be 256 bytes
    "新闻" * 41 + "新.htm",    # 253 bytes; the .txt name fits (253) but its temp name does not
], ids=["hash-suffix", "temp-name"])
def test_text_dir_writer_long_multibyte_id(tmp_path, name):
    # Legal input file names, as a scraper might save a Chinese headline.
    assert len(name.encode("utf-8")) <= 255
    make(tmp_path / "in", name)
    [doc] = documents([str(tmp_path / "in")])
    doc.text = "正文"
    path = TextDirWriter(str(tmp_path / "out")).write(doc)
    assert len(os.path.basename(path).encode("utf-8")) <= 255


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True, allow_infinity=True) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json_values, max_size=6))
def test_jsonl_records_are_exactly_what_json_writes(record):
    """The fast writer (orjson for strings) gives json.dumps's bytes, lone
    surrogates, control characters, NaN and nesting included."""
    from cleaner.io.writers import dumps
    expected = json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n"
    try:
        assert dumps(record) == expected.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: escaped, still one valid JSON line
        assert dumps(record) == (json.dumps(record, separators=(", ", ": ")) + "\n").encode("ascii")


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=8), _json_values, max_size=6))
def test_jsonl_records_field_by_field_are_what_json_writes(record):
    """The writer without the compiled respacing (no C compiler at install)
    gives the same bytes."""
    from cleaner.io import writers

    expected = json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n"
    fast, writers._spaced_json_line = writers._spaced_json_line, None
    try:
        line = writers.dumps(record)
    finally:
        writers._spaced_json_line = fast
    try:
        assert line == expected.encode("utf-8")
    except UnicodeEncodeError:
        assert line == (json.dumps(record, separators=(", ", ": ")) + "\n").encode("ascii")


# Strings dense in what JSON escapes or a respacer could misread: quotes,
# backslashes (a string ending in one), commas, colons, controls, non-ASCII.
_TRICKY_TEXT = st.text(alphabet=st.sampled_from(list('ab ,:"\\\n\t\x00\x1f\x7f{}[]éỹ中\u2028')), max_size=12)
_PLAIN_VALUES = (st.none() | st.booleans() | st.integers(-2**63, 2**64 - 1) | _TRICKY_TEXT
                 | st.floats(min_value=1e-4, max_value=1e15) | st.floats(min_value=-1e15, max_value=-1e-4)
                 | st.just(0.0) | st.just(-0.0) | st.lists(_TRICKY_TEXT, max_size=3))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(_TRICKY_TEXT, _PLAIN_VALUES, max_size=8))
def test_plain_records_go_through_orjson_and_read_as_json_writes(record):
    """Records of plain values (every output record but --explain's) are
    written by orjson in one call and respaced by the kernel: the bytes are
    json.dumps's."""
    from cleaner.io import writers

    if writers._spaced_json_line is None:
        pytest.skip("compiled kernel not built")
    assert writers._orjson_writes_as_json(record)
    expected = json.dumps(record, ensure_ascii=False, separators=(", ", ": ")) + "\n"
    assert writers._spaced_json_line(orjson.dumps(record)) == expected.encode("utf-8")
    assert writers.dumps(record) == expected.encode("utf-8")


def test_floats_orjson_writes_otherwise_take_the_field_by_field_way():
    from cleaner.io import writers

    for value in (1e-05, -3e-07, float("nan"), float("inf"), 1e16):
        assert not writers._orjson_writes_as_json({"x": value})
        assert writers.dumps({"x": value}) == (json.dumps({"x": value}) + "\n").encode()
    assert not writers._orjson_writes_as_json({"explain": [{"line": 1}]})
