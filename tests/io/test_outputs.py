"""Where results go, whatever the output path names: a regular or new file
is replaced atomically with the user's umask (a replaced one keeps its mode),
a symlink's target is written and the link stays, and anything else (a
device, a named pipe, a socket, /dev/fd/N) is written through in place. A
write that fails names its file.

Tests never aim at the machine's own /dev/null or /dev/full: code that
replaced them by a rename (as root) would break every process on the machine.
They make device nodes of their own instead, and skip where that is refused."""

from __future__ import annotations

import errno
import json
import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cleaner.cli import main
from cleaner.document import Document
from cleaner.io.writers import JsonlWriter, TextDirWriter, write_json

from ..conftest import ROOT, SAMPLES

COMMAND = [sys.executable, "-m", "cleaner.cli"]
INPUT = str(SAMPLES / "000_b2d4cadf0807df7d.txt")
RECORDS = [{"id": "a", "text": "Hà Nội"}, {"id": "b", "text": "Đà Nẵng"}]
EXPECTED = "".join(json.dumps(r, ensure_ascii=False, separators=(", ", ": ")) + "\n" for r in RECORDS)


def write_records(path: str) -> None:
    writer = JsonlWriter(path, lazy=True)
    for record in RECORDS:
        writer.write(record)
    writer.close()


def device(path: Path, major: int, minor: int) -> Path:
    """A character device node of our own (1,3 is null, 1,7 is full), or skip."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(major, minor))
        with open(path, "wb"):
            pass
    except (OSError, AttributeError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    return path


def run(*args: str, umask: int | None = None) -> subprocess.CompletedProcess:
    """The command as a real process, with this umask if given."""
    return subprocess.run([*COMMAND, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          preexec_fn=None if umask is None else (lambda: os.umask(umask)))


# --- writers, in process ---------------------------------------------------------------

@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_new_output_files_get_the_users_umask(tmp_path: Path, mask: int, mode: int) -> None:
    old = os.umask(mask)
    try:
        write_records(str(tmp_path / "out.jsonl"))
        write_json(str(tmp_path / "report.json"), {"a": 1})
        written = TextDirWriter(str(tmp_path / "txt")).write(Document(id="d", source="d", text="x"))
    finally:
        os.umask(old)
    for path in (tmp_path / "out.jsonl", tmp_path / "report.json", Path(written)):
        assert stat.S_IMODE(path.stat().st_mode) == mode, path


def test_a_replaced_output_file_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    target.write_text("old\n")
    target.chmod(0o664)
    write_records(str(target))
    assert target.read_text(encoding="utf-8") == EXPECTED
    assert stat.S_IMODE(target.stat().st_mode) == 0o664


@pytest.mark.parametrize("existing", [True, False])
def test_a_symlink_is_followed_its_target_written_atomically_and_the_link_kept(tmp_path: Path,
                                                                              existing: bool) -> None:
    (tmp_path / "data").mkdir()
    target = tmp_path / "data" / "corpus.jsonl"
    if existing:
        target.write_text("old\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(target)
    write_records(str(link))
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text(encoding="utf-8") == EXPECTED
    assert os.listdir(tmp_path / "data") == ["corpus.jsonl"]  # no temporary file left


def test_out_dir_files_follow_the_same_rule(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = tmp_path / "kept.txt"
    (out / "d.txt").symlink_to(target)
    TextDirWriter(str(out)).write(Document(id="d", source="d", text="Huế"))
    assert (out / "d.txt").is_symlink() and target.read_text(encoding="utf-8") == "Huế\n"


def test_a_named_pipe_is_written_through_not_replaced(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader waiting, as `cat pipe.fifo` would be
    try:
        write_records(str(fifo))
        received = os.read(reader, 1 << 16)
    finally:
        os.close(reader)
    assert received.decode("utf-8") == EXPECTED
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_descriptor_path_is_written_through(tmp_path: Path) -> None:
    """/dev/fd/N is what bash's `-o >(wc -l)` passes."""
    read_end, write_end = os.pipe()
    try:
        write_records(f"/dev/fd/{write_end}")
        os.close(write_end)
        write_end = -1
        received = os.read(read_end, 1 << 16)
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    assert received.decode("utf-8") == EXPECTED
    assert os.listdir(tmp_path) == []


def test_a_socket_is_written_through(tmp_path: Path) -> None:
    path = tmp_path / "out.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        server.bind(str(path))
        server.listen(1)
        server.settimeout(10)
        write_records(str(path))  # connects; a few bytes wait in the socket's buffer
        connection, _ = server.accept()
        with connection:
            received = b""
            while chunk := connection.recv(1 << 16):
                received += chunk
    finally:
        server.close()
    assert received.decode("utf-8") == EXPECTED
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_a_character_device_is_written_through(tmp_path: Path) -> None:
    null = device(tmp_path / "null", 1, 3)
    write_records(str(null))
    write_json(str(null), {"a": 1})
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert os.listdir(tmp_path) == ["null"]


def test_a_full_device_fails_naming_its_path(tmp_path: Path) -> None:
    full = device(tmp_path / "full", 1, 7)
    with pytest.raises(OSError) as caught:
        write_records(str(full))
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(full)
    assert stat.S_ISCHR(os.lstat(full).st_mode)


class _FullDisk:
    """A file whose writes fail as on a full disk."""

    def __init__(self, handle) -> None:
        self._handle = handle

    def write(self, data) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def __getattr__(self, name):
        return getattr(self._handle, name)


@pytest.mark.parametrize("write", [write_records, lambda path: write_json(path, {"a": 1})])
def test_a_full_disk_under_an_atomic_output_names_the_file(tmp_path: Path, monkeypatch, write) -> None:
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *args, **kwargs: _FullDisk(real_fdopen(*args, **kwargs)))
    target = tmp_path / "out.jsonl"
    with pytest.raises(OSError) as caught:
        write(str(target))
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert os.listdir(tmp_path) == []  # the temporary file went too


def test_a_full_disk_at_commit_names_the_file(tmp_path: Path, monkeypatch) -> None:
    """Delayed allocation: the error may come only when the data is synced."""
    def no_space(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", no_space)
    target = tmp_path / "out.jsonl"
    with pytest.raises(OSError) as caught:
        write_records(str(target))
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(target)
    assert os.listdir(tmp_path) == []


def test_a_full_disk_under_the_journal_names_it(tmp_path: Path) -> None:
    from cleaner.document import Options
    from cleaner.run.journal import Journal

    path = tmp_path / ".out.jsonl.cleaner-journal"
    with Journal(Options(), str(path)) as journal:
        journal._file = _FullDisk(journal._file)
        with pytest.raises(OSError) as caught:
            journal.write_lines(b"x\n")
    assert caught.value.errno == errno.ENOSPC and caught.value.filename == str(path)


def test_a_full_disk_under_the_index_names_the_temporary_directory(tmp_path: Path, monkeypatch) -> None:
    import tempfile

    def no_space(*args):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr("cleaner.dedup.bandstore._write_all", no_space)
    monkeypatch.setenv("CLEANER_WORKERS", "1")
    result = CliRunner().invoke(main, ["clean", str(SAMPLES), "-o", str(tmp_path / "out.jsonl"), "-q"])
    assert result.exit_code == 2
    assert f"cannot write temporary files in {tempfile.gettempdir()}: No space left on device" in result.output
    assert os.listdir(tmp_path) == [".out.jsonl.cleaner-journal"]  # what --resume continues from
    assert "--resume continues" in result.output


# --- the command, checks before any work ----------------------------------------------

@pytest.mark.parametrize("option", ["-o", "--report", "--errors"])
def test_an_output_naming_a_directory_is_refused_before_any_work(tmp_path: Path, option: str) -> None:
    (tmp_path / "out").mkdir()
    result = CliRunner().invoke(main, ["clean", str(SAMPLES), option, str(tmp_path / "out")])
    assert result.exit_code == 2, result.output
    assert f"cannot write {tmp_path / 'out'}: it is a directory" in result.output
    assert "Traceback" not in result.output and "documents" not in result.output  # no run, no summary
    assert sorted(os.listdir(tmp_path)) == ["out"] and os.listdir(tmp_path / "out") == []


@pytest.mark.parametrize("name,problem", [("new/", "directory"), ("file.jsonl/", "Not a directory")])
def test_an_output_ending_with_a_slash_is_no_file_name(tmp_path: Path, name: str, problem: str) -> None:
    (tmp_path / "file.jsonl").write_text("kept\n")
    result = CliRunner().invoke(main, ["clean", str(SAMPLES), "-o", f"{tmp_path}/{name}"])  # pathlib drops the slash
    assert result.exit_code == 2 and problem in result.output, result.output
    assert sorted(os.listdir(tmp_path)) == ["file.jsonl"]


def test_dedup_output_naming_a_directory_is_refused_before_any_work(tmp_path: Path) -> None:
    (tmp_path / "out").mkdir()
    result = CliRunner().invoke(main, ["dedup", "-", "-o", str(tmp_path / "out")],
                                input='{"id": "a", "text": "x y z"}\n')
    assert result.exit_code == 2 and "it is a directory" in result.output
    assert os.listdir(tmp_path / "out") == []


def test_dedup_output_follows_the_same_rule(tmp_path: Path) -> None:
    target = tmp_path / "real.jsonl"
    (tmp_path / "link.jsonl").symlink_to(target)
    result = CliRunner().invoke(main, ["dedup", "-", "-o", str(tmp_path / "link.jsonl"), "-q"],
                                input='{"id": "a", "text": "x y z"}\n')
    assert result.exit_code == 0, result.output
    assert (tmp_path / "link.jsonl").is_symlink() and json.loads(target.read_text())["id"] == "a"


def test_resume_is_unavailable_for_an_output_that_is_not_a_file(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.fifo"
    os.mkfifo(fifo)
    result = CliRunner().invoke(main, ["clean", INPUT, "-o", str(fifo), "--resume"])
    assert result.exit_code == 2
    assert "--resume is unavailable" in result.output and str(fifo) in result.output


def test_running_again_without_resume_says_it_discards_the_interrupted_runs_journal(tmp_path: Path) -> None:
    out = tmp_path / "corpus.jsonl"
    journal = tmp_path / ".corpus.jsonl.cleaner-journal"
    journal.write_bytes(b'{"cleaner_journal": 3, "options": {}}\n')  # what an interrupted run left
    result = CliRunner().invoke(main, ["clean", INPUT, "-o", str(out), "-q"])
    assert result.exit_code == 0
    assert "discarding the journal of an interrupted run" in result.output and journal.name in result.output
    assert "--resume" in result.output
    assert out.exists() and not journal.exists()


# --- the command, real processes and files ---------------------------------------------

def test_a_named_pipe_output_reaches_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.fifo"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    try:
        result = run("clean", INPUT, str(SAMPLES / "001_685389b842ec9e7a.txt"), "-o", str(fifo), "-q",
                     "--workers", "1")
        received, _ = reader.communicate(timeout=60)
    finally:
        reader.kill()
    assert result.returncode == 0, result.stderr
    assert len(received.splitlines()) == 2
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["pipe.fifo"]  # no journal or temporary file beside it


def test_a_process_substitution_output_is_written_through(tmp_path: Path) -> None:
    """What `-o >(wc -l)` gives: /dev/fd/N, a pipe inherited from the shell."""
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen([*COMMAND, "clean", INPUT, "-o", f"/dev/fd/{write_end}", "-q",
                                    "--workers", "1"], cwd=ROOT, pass_fds=[write_end],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    finally:
        os.close(write_end)  # the child holds it now: the pipe ends when the child closes it
    with os.fdopen(read_end, "rb") as pipe:
        received = pipe.read()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert json.loads(received)["id"].startswith("000_")


def test_a_device_output_stays_a_device(tmp_path: Path) -> None:
    null = device(tmp_path / "null", 1, 3)
    before = os.lstat(null)
    result = run("clean", INPUT, "-o", str(null), "--report", str(null), "-q", "--workers", "1")
    assert result.returncode == 0, result.stderr
    after = os.lstat(null)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert stat.S_IMODE(after.st_mode) == stat.S_IMODE(before.st_mode)
    assert os.listdir(tmp_path) == ["null"]


def test_a_full_device_output_is_an_error_naming_it(tmp_path: Path) -> None:
    full = device(tmp_path / "full", 1, 7)
    result = run("clean", INPUT, "-o", str(full), "--workers", "1")
    assert result.returncode == 2
    assert f"cannot write {full}: No space left on device" in result.stderr
    assert "Traceback" not in result.stderr
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_a_symlink_output_keeps_the_link_and_fills_its_target(tmp_path: Path) -> None:
    target = tmp_path / "real.jsonl"
    link = tmp_path / "link.jsonl"
    link.symlink_to(target.name)  # relative, as `ln -s real.jsonl link.jsonl` makes
    result = run("clean", INPUT, "-o", str(link), "-q", "--workers", "1")
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == "real.jsonl"
    assert json.loads(target.read_text(encoding="utf-8"))["id"].startswith("000_")
    assert sorted(os.listdir(tmp_path)) == ["link.jsonl", "real.jsonl"]


@pytest.mark.parametrize("mask,mode", [(0o022, 0o644), (0o077, 0o600)])
def test_every_output_of_a_run_gets_the_umask_mode(tmp_path: Path, mask: int, mode: int) -> None:
    missing = str(tmp_path / "missing.txt")  # a failed document, so that --errors has a line
    result = run("clean", INPUT, missing, "-o", str(tmp_path / "out.jsonl"), "--errors",
                 str(tmp_path / "errors.jsonl"), "--report", str(tmp_path / "report.json"), "-q",
                 "--workers", "1", umask=mask)
    assert result.returncode == 1, result.stderr
    txt = run("clean", INPUT, "--format", "txt", "--out-dir", str(tmp_path / "txt"), "-q",
              "--workers", "1", umask=mask)
    assert txt.returncode == 0, txt.stderr
    files = [tmp_path / "out.jsonl", tmp_path / "errors.jsonl", tmp_path / "report.json",
             *(tmp_path / "txt").glob("*.txt")]
    assert len(files) == 4
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == mode, path
