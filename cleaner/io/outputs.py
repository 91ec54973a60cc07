"""Opening an output path the way what it names asks.

A regular file, or a new one, is written under a temporary name beside it
and renamed into place only when complete: a crash never leaves half a file
under the final name. A symlink is followed: its target is written so and
the link stays. Anything else cannot be replaced by a rename without
breaking it (a device such as /dev/null, a named pipe whose reader would get
nothing, a socket, /dev/stdout or bash's `>(...)`, which is /dev/fd/N): it
is written through in place, as a shell redirection would.

A new file gets the mode open() gives under the user's umask (0644 under
022), as `cp` and `sort -o` do; a replaced file keeps its mode. A write that
fails names the path the user gave: a full disk says which file it stopped.
"""

from __future__ import annotations

import errno
import os
import re
import socket
import stat
from dataclasses import dataclass
from typing import IO

STDOUT = "-"
# Files are buffered by 1 MiB: a JSON Lines record is a few KB, and the
# default 8 KiB buffer made about one system call per document.
FILE_BUFFER = 1 << 20
# Paths naming one of this process's descriptors: written through it, as the
# shell's redirection set it up (appending, at its offset), not reopened.
_DESCRIPTOR = re.compile(r"/(?:dev/fd|proc/self/fd|proc/(\d+)/fd)/(\d+)|/dev/(stdin|stdout|stderr)")
_STANDARD = {"stdin": 0, "stdout": 1, "stderr": 2}
_MAX_LINKS = 40  # as the kernel's limit on symlinks followed in a path


@dataclass(frozen=True)
class Target:
    """What an output path names. `place` is the regular (or not yet
    existing) file a rename replaces, after following symlinks; None when
    the path is written through in place. `descriptor` is set for a path
    naming one of this process's open descriptors."""

    path: str
    kind: str  # file, new, directory, open descriptor, named pipe, socket, character device ...
    place: str | None = None
    descriptor: int | None = None

    @property
    def replaceable(self) -> bool:
        return self.place is not None


def resolve(path: str) -> Target:
    """What `path` names, symlinks followed one by one (each hop is checked
    for a descriptor path such as /dev/stdout -> /proc/self/fd/1)."""
    current = _with_real_directory(path)
    for _ in range(_MAX_LINKS):
        descriptor = _descriptor(current)
        if descriptor is not None:
            return Target(path, "open descriptor", descriptor=descriptor)
        try:
            info = os.lstat(current)
        except FileNotFoundError:
            return Target(path, "new", place=current)
        if stat.S_ISLNK(info.st_mode):
            current = _with_real_directory(os.path.join(os.path.dirname(current), os.readlink(current)))
            continue
        if stat.S_ISREG(info.st_mode):
            return Target(path, "file", place=current)
        return Target(path, _kind(info.st_mode))
    raise OSError(errno.ELOOP, os.strerror(errno.ELOOP), path)


def _with_real_directory(path: str) -> str:
    """`path` absolute, its directory with symlinks resolved (its last part
    left as it is): `..` after a symlink goes where the system goes, and
    /dev/fd/N shows as /proc/PID/fd/N."""
    directory, name = os.path.split(os.path.join(os.getcwd(), path))  # `out/` keeps its slash
    return os.path.join(os.path.realpath(directory), name)


def _descriptor(path: str) -> int | None:
    match = _DESCRIPTOR.fullmatch(os.path.normpath(path))
    if match is None:
        return None
    pid, number, standard = match.groups()
    if pid is not None and int(pid) != os.getpid():
        return None  # another process's descriptor: opened by path like any device
    return _STANDARD[standard] if standard else int(number)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "directory"
    if stat.S_ISFIFO(mode):
        return "named pipe"
    if stat.S_ISSOCK(mode):
        return "socket"
    if stat.S_ISCHR(mode):
        return "character device"
    if stat.S_ISBLK(mode):
        return "block device"
    return "special file"


def output_problem(path: str) -> str | None:
    """Why `path` cannot be an output, found before any work is done (a
    directory, a missing directory, a closed descriptor); None if it can."""
    if path == STDOUT:
        return None
    try:
        target = resolve(path)
    except OSError as exc:
        return exc.strerror
    if target.kind == "directory":
        return "it is a directory"
    if target.descriptor is not None:
        try:
            os.fstat(target.descriptor)
        except OSError as exc:
            return exc.strerror
    if target.place is not None:
        parent = os.path.dirname(target.place)
        if not os.path.isdir(parent):
            return f"directory {parent} does not exist"
    return None


def open_output(path: str, binary: bool = False, encoding: str = "utf-8") -> "AtomicFile | InPlaceFile":
    """An output file for `path`, atomic or written through as its kind asks."""
    target = resolve(path)
    if target.kind == "directory":
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), path)
    if target.replaceable:
        return AtomicFile(target.place, encoding=encoding, binary=binary, name=path)
    return InPlaceFile(target, encoding=encoding, binary=binary)


def _handle(fd: int, binary: bool, encoding: str) -> IO:
    """A file object over `fd`: buffered bytes, or text with \\n line ends."""
    return (os.fdopen(fd, "wb", buffering=FILE_BUFFER) if binary
            else os.fdopen(fd, "w", encoding=encoding, newline="\n"))


class _OutputFile:
    """What both kinds of output share: a write that fails gives the file up
    (a full disk gets its space back) and names it."""

    name: str
    handle: IO

    def write(self, data) -> int:
        try:
            return self.handle.write(data)
        except OSError as exc:
            self.abort()
            raise self._named(exc) from None

    def flush(self) -> None:
        try:
            self.handle.flush()
        except OSError as exc:
            self.abort()
            raise self._named(exc) from None

    def _named(self, exc: OSError) -> OSError:
        """The error with the user's path in it (a write's error has none);
        OSError() keeps its kind: EPIPE is still a BrokenPipeError."""
        if exc.filename is not None and exc.filename != self.name:
            return exc
        return OSError(exc.errno, exc.strerror, self.name)

    def commit(self) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> "_OutputFile":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.abort()


class AtomicFile(_OutputFile):
    """A file that appears under its final name (`path`) only when committed.
    `name` is how messages call it (the path the user gave, perhaps a
    symlink to `path`)."""

    def __init__(self, path: str, encoding: str = "utf-8", binary: bool = False,
                 name: str | None = None) -> None:
        self.path = path
        self.name = name or path
        directory, base = os.path.split(os.path.abspath(path))
        short = truncate_bytes(base, 100)  # the temporary name must fit too
        try:
            old = os.stat(path)
        except OSError:
            old = None
        try:
            fd, self._tmp = _create_beside(directory, f".{short}.", ".tmp")
        except OSError as exc:  # name the file the user asked for, not our temporary one
            raise OSError(exc.errno, exc.strerror, self.name) from None
        if old is not None and stat.S_ISREG(old.st_mode):
            _keep_mode_and_owner(fd, old)
        self.handle = _handle(fd, binary, encoding)

    def commit(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.replace(self._tmp, self.path)
        except OSError as exc:
            self.abort()
            raise self._named(exc) from None

    def abort(self) -> None:
        try:
            self.handle.close()
        except OSError:
            pass  # the data it could not flush is given up with the file
        finally:
            if os.path.lexists(self._tmp):
                os.unlink(self._tmp)


class InPlaceFile(_OutputFile):
    """A device, named pipe, socket or descriptor, written through: what is
    written is gone on, so an aborted output cannot be taken back."""

    def __init__(self, target: Target, encoding: str = "utf-8", binary: bool = False) -> None:
        self.name = target.path
        try:
            fd = _open_in_place(target)
        except OSError as exc:
            raise OSError(exc.errno, exc.strerror, self.name) from None
        self.handle = _handle(fd, binary, encoding)

    def commit(self) -> None:
        try:
            self.handle.close()
        except OSError as exc:
            self.abort()
            raise self._named(exc) from None

    def abort(self) -> None:
        try:
            self.handle.close()
        except OSError:
            pass


def _open_in_place(target: Target) -> int:
    """A descriptor writing to what `target` names, without creating,
    truncating or replacing anything."""
    if target.descriptor is not None:
        return os.dup(target.descriptor)
    if target.kind == "socket":
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            connection.connect(target.path)
        except OSError:
            connection.close()
            raise
        return connection.detach()
    return os.open(target.path, os.O_WRONLY | getattr(os, "O_CLOEXEC", 0))


def _create_beside(directory: str, prefix: str, suffix: str) -> tuple[int, str]:
    """A new, empty file in `directory` with a name no other file has, made
    with mode 0666 so that the umask (and a default ACL) apply as to any new
    file; tempfile.mkstemp makes 0600."""
    flags = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    for _ in range(100):
        path = os.path.join(directory, f"{prefix}{os.urandom(6).hex()}{suffix}")
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary name", directory)


def _keep_mode_and_owner(fd: int, old: os.stat_result) -> None:
    """The replacing file takes the replaced one's permissions (and, where
    allowed, its owner and group), as writing it in place would have kept."""
    if (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        try:
            os.fchown(fd, old.st_uid, old.st_gid)
        except OSError:
            pass
    try:
        os.fchmod(fd, stat.S_IMODE(old.st_mode) & 0o777)
    except OSError:
        pass  # a file system without modes (vfat): the umask's mode stays


def truncate_bytes(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 form fits in `limit` bytes."""
    encoded = text.encode("utf-8", "surrogatepass")
    if len(encoded) <= limit:
        return text
    return encoded[:limit].decode("utf-8", "ignore")
