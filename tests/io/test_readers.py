"""Tests for cleaner.io.readers (inputs): ids, expanding inputs, documents and loading."""

from __future__ import annotations

import io
import itertools
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cleaner.document import DROPPED, FAILED, NOT_FOUND, OK, TOO_LARGE, UNREADABLE, Document
from cleaner.io.paths import IdAllocator, expand, paths_from, printable, stem, walk
from cleaner.io.readers import documents, load

from .conftest import make


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


# --- against the plain ways: a set of strings, sorted names, os.path ----------------------


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
    from cleaner.io.paths import stem

    name = os.path.basename(path.rstrip(os.sep)) or path
    root, ext = os.path.splitext(name)
    assert stem(path) == (root if ext and root else name)
