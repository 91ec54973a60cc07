"""Tests for cleaner.io.readers (inputs) and cleaner.io.writers (outputs)."""

from __future__ import annotations

import io
import itertools
import json
import os
import re

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.document import DROPPED, FAILED, NOT_FOUND, OK, TOO_LARGE, UNREADABLE, Document
from cleaner.io.readers import (
    IdAllocator,
    documents,
    expand,
    load,
    paths_from,
    printable,
    stem,
    walk,
)
from cleaner.io.writers import (
    MAX_NAME_BYTES,
    RESERVED_NAMES,
    AtomicFile,
    JsonlWriter,
    TextDirWriter,
    safe_filename,
)


def make(root, *names: str, content: bytes = b"x") -> None:
    """Create files (and their parent directories) under `root`."""
    for name in names:
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(content)


def rel(root, paths) -> list[str]:
    return [os.path.relpath(p, root) for p in paths]


# --- ids ----------------------------------------------------------------------

def test_id_allocator_suffixes():
    ids = IdAllocator()
    assert [ids.allocate("page") for _ in range(3)] == ["page", "page-2", "page-3"]
    assert ids.allocate("other") == "other"
    assert ids.allocate("") == "doc"


def test_id_allocator_skips_ids_already_used():
    ids = IdAllocator()
    assert ids.allocate("a-2") == "a-2"
    assert ids.allocate("a") == "a"
    assert ids.allocate("a") == "a-3"  # "a-2" is taken by a real stem
    assert ids.allocate("a-2") == "a-2-2"
    allocated = ["a-2", "a", "a-3", "a-2-2"]
    assert len(set(allocated)) == len(allocated)


@pytest.mark.parametrize("path, expected", [
    ("dir/page.html", "page"),
    ("archive.tar.gz", "archive.tar"),
    (".bashrc", ".bashrc"),
    ("dir/sub/", "sub"),
    ("README", "README"),
    ("/abs/Hà Nội.htm", "Hà Nội"),
])
def test_stem(path, expected):
    assert stem(path) == expected


# --- expanding inputs --------------------------------------------------------------

@pytest.fixture
def tree(tmp_path):
    make(tmp_path, "b.txt", "a.html", "sub/c.html", "sub/deep/d.txt", "z.html",
         ".hidden.html", ".git/config.html", "sub/.cache/e.html")
    return tmp_path


def test_expand_walks_directories_sorted_and_skips_hidden(tree):
    assert rel(tree, expand([str(tree)])) == [
        "a.html", "b.txt", os.path.join("sub", "c.html"),
        os.path.join("sub", "deep", "d.txt"), "z.html"]


def test_expand_glob_is_sorted(tree):
    assert rel(tree, expand([str(tree / "*.html")])) == ["a.html", "z.html"]


def test_expand_recursive_glob(tree):
    assert rel(tree, expand([str(tree / "**" / "*.html")])) == [
        "a.html", os.path.join("sub", "c.html"), "z.html"]


def test_expand_glob_matching_a_directory_walks_it(tree):
    assert rel(tree, expand([str(tree / "s*")])) == [
        os.path.join("sub", "c.html"), os.path.join("sub", "deep", "d.txt")]


def test_expand_passes_through_unmatched_pattern_stdin_and_files(tree):
    missing = str(tree / "nothing*.txt")
    assert list(expand([missing, "-", str(tree / "b.txt"), "no-such-file.txt"])) == [
        missing, "-", str(tree / "b.txt"), "no-such-file.txt"]


def test_expand_exact_name_wins_over_glob(tmp_path):
    make(tmp_path, "page[1].html", "page1.html")
    assert list(expand([str(tmp_path / "page[1].html")])) == [str(tmp_path / "page[1].html")]


def test_expand_double_star_yields_each_file_once(tree):
    assert rel(tree, expand([str(tree / "**")])) == [
        "a.html", "b.txt", os.path.join("sub", "c.html"),
        os.path.join("sub", "deep", "d.txt"), "z.html"]


def test_walk_survives_directory_symlink_loop(tmp_path):
    make(tmp_path, "a.txt", "sub/b.txt")
    try:
        os.symlink(tmp_path, tmp_path / "sub" / "loop")  # points back at its parent's parent
        os.symlink(tmp_path / "sub", tmp_path / "sub" / "self")
    except (OSError, NotImplementedError):
        pytest.skip("symlinks not supported")
    found = list(itertools.islice(walk(str(tmp_path)), 1000))
    assert rel(tmp_path, found) == ["a.txt", os.path.join("sub", "b.txt")]
    assert rel(tmp_path, itertools.islice(expand([str(tmp_path)]), 1000)) == rel(tmp_path, found)


def test_expand_recursive_glob_survives_symlink_loop(tmp_path):
    make(tmp_path, "a.html", "sub/c.html")
    try:
        os.symlink(tmp_path, tmp_path / "sub" / "loop")
    except (OSError, NotImplementedError):
        pytest.skip("symlinks not supported")
    found = list(itertools.islice(expand([str(tmp_path / "**" / "*.html")]), 1000))
    assert rel(tmp_path, found) == ["a.html", os.path.join("sub", "c.html")]


# --- documents and loading --------------------------------------------------------

def test_documents_same_stem_in_different_dirs_get_unique_ids(tmp_path):
    make(tmp_path, "one/page.html", "two/page.html", "two/page.txt")
    docs = list(documents([str(tmp_path)]))
    assert [d.id for d in docs] == ["page", "page-2", "page-3"]
    assert [d.source for d in docs] == [str(tmp_path / "one" / "page.html"),
                                        str(tmp_path / "two" / "page.html"),
                                        str(tmp_path / "two" / "page.txt")]
    assert all(d.raw is None and d.ok for d in docs)  # bytes are read later, by load()


def test_load_reads_bytes(tmp_path):
    make(tmp_path, "page.html", content=b"<p>Xin ch\xc3\xa0o</p>")
    doc = load(Document(id="page", source=str(tmp_path / "page.html")), max_bytes=1024)
    assert (doc.status, doc.reason) == (OK, None)
    assert doc.raw == b"<p>Xin ch\xc3\xa0o</p>"


def test_load_missing_file_fails_not_found(tmp_path):
    doc = load(Document(id="gone", source=str(tmp_path / "gone.html")), max_bytes=1024)
    assert (doc.status, doc.reason, doc.raw) == (FAILED, NOT_FOUND, None)


def test_load_directory_fails_unreadable(tmp_path):
    doc = load(Document(id="dir", source=str(tmp_path)), max_bytes=1024)
    assert (doc.status, doc.reason, doc.raw) == (FAILED, UNREADABLE, None)


def test_load_too_large_is_dropped(tmp_path):
    make(tmp_path, "big.txt", content=b"a" * 101)
    make(tmp_path, "fits.txt", content=b"a" * 100)
    big = load(Document(id="big", source=str(tmp_path / "big.txt")), max_bytes=100)
    assert (big.status, big.reason, big.raw) == (DROPPED, TOO_LARGE, None)
    fits = load(Document(id="fits", source=str(tmp_path / "fits.txt")), max_bytes=100)
    assert fits.ok and fits.raw == b"a" * 100


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_load_reads_files_whose_size_the_system_does_not_know():
    """/proc files report size 0: the reader must not trust the size."""
    doc = load(Document(id="status", source="/proc/self/status"), max_bytes=1 << 20)
    assert doc.ok and b"Name:" in doc.raw
    small = load(Document(id="status", source="/proc/self/status"), max_bytes=10)
    assert (small.status, small.reason) == (DROPPED, TOO_LARGE)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_load_reads_a_named_pipe(tmp_path):
    import threading
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_bytes(b"x" * 200_000))
    writer.start()
    doc = load(Document(id="pipe", source=str(fifo)), max_bytes=1 << 20)
    writer.join()
    assert doc.ok and doc.raw == b"x" * 200_000


def test_unmatched_pattern_becomes_not_found_document(tmp_path):
    pattern = str(tmp_path / "nothing*.html")
    [doc] = [load(d, 1024) for d in documents([pattern])]
    assert (doc.source, doc.status, doc.reason) == (pattern, FAILED, NOT_FOUND)
    assert doc.message == "no file matches this pattern"


def test_missing_input_says_what_is_missing(tmp_path):
    directory = load(Document(id="d", source=str(tmp_path / "nosuch") + os.sep), 1024)
    file = load(Document(id="f", source=str(tmp_path / "nosuch.html")), 1024)
    assert (directory.message, file.message) == ("no such directory", "no such file or directory")


def test_stdin_is_read_from_given_stream():
    [doc] = documents(["-"], stdin=io.BytesIO(b"<p>hello</p>"))
    assert (doc.id, doc.source, doc.raw, doc.status) == ("stdin", "<stdin>", b"<p>hello</p>", OK)


def test_stdin_missing_or_too_large():
    [missing] = documents(["-"], stdin=None)
    assert (missing.status, missing.reason) == (FAILED, UNREADABLE)
    [big] = documents(["-"], stdin=io.BytesIO(b"x" * 11), max_bytes=10)
    assert (big.status, big.reason, big.raw) == (DROPPED, TOO_LARGE, None)


def test_paths_from_skips_blank_lines_and_keeps_spaces():
    stream = io.StringIO("a.html\n\n   \nmy page.html\r\n  padded name.txt \nlast.txt")
    assert list(paths_from(stream)) == ["a.html", "my page.html", "  padded name.txt ", "last.txt"]


def test_printable_replaces_undecodable_bytes():
    name = os.fsdecode(b"bad\xffname.txt")
    assert printable(name) == "bad\ufffdname.txt"
    assert printable("Hà Nội.html") == "Hà Nội.html"


def test_undecodable_file_name_is_still_read(tmp_path):
    name = os.fsdecode(b"bad\xffname.txt")
    try:
        make(tmp_path, name, content=b"body")
    except (OSError, UnicodeEncodeError):
        pytest.skip("file system rejects non-UTF-8 names")
    [doc] = documents([str(tmp_path)])
    assert doc.id == "bad\ufffdname"
    assert doc.source == os.path.join(str(tmp_path), "bad\ufffdname.txt")
    doc.source.encode("utf-8")  # printable everywhere
    assert doc.path == os.path.join(str(tmp_path), name)
    assert load(doc, 1024).raw == b"body"


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


@settings(max_examples=100, deadline=None)
@given(st.lists(st.sampled_from(["a", "b", "a-2", "doc", "", "Ý kiến", "a-3", "x"]), max_size=40))
def test_id_allocator_gives_what_a_set_of_strings_gives(stems):
    """The hashed table hands out exactly the ids a plain set would, through
    its growth (more than 512 ids)."""
    allocator, used, expected = IdAllocator(), set(), []
    for wanted in stems * 15:
        candidate, n = wanted or "doc", 1
        while candidate in used:
            n += 1
            candidate = f"{wanted or 'doc'}-{n}"
        used.add(candidate)
        expected.append(candidate)
    assert [allocator.allocate(w) for w in stems * 15] == expected


def test_walk_gives_names_with_any_characters_in_order(tmp_path):
    names = ["b.txt", "a b.txt", "ä.txt", "new\nline.txt", "c.html"]
    for name in names:
        (tmp_path / name).write_text("x")
    (tmp_path / "empty").mkdir()
    assert list(walk(str(tmp_path))) == [str(tmp_path / n) for n in sorted(names)]


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="./ab-é", max_size=14))
def test_stem_follows_os_path_rules(path):
    """An input's id stem, by string methods, is what basename and splitext
    give (leading dots are not an extension, trailing separators ignored)."""
    from cleaner.io.readers import stem

    name = os.path.basename(path.rstrip(os.sep)) or path
    root, ext = os.path.splitext(name)
    assert stem(path) == (root if ext and root else name)
