"""A real Redis server for the tests of the Redis index store and of runs
against it: started once per session on a free loopback port, with no
persistence, and stopped after. Its fixtures are made visible to every test
folder by tests/conftest.py; `start_redis` starts one of a test's own."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# Read at import: the session's autouse fixtures clear CLEANER_* variables per test.
SKIP_REDIS = os.environ.get("CLEANER_SKIP_REDIS") == "1"
REDIS_PASSWORD = "s3cret-pass"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_redis(directory: Path, *extra: str) -> tuple[subprocess.Popen, int]:
    """redis-server on a free port, answering PING (or NOAUTH, when it wants a password)."""
    port = _free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(directory), *extra],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                if conn.recv(64).startswith((b"+PONG", b"-NOAUTH")):
                    return server, port
        except OSError:
            time.sleep(0.05)
        if server.poll() is not None:
            break
    server.kill()
    raise RuntimeError(f"redis-server did not start on port {port}")


def _servers(tmp_path_factory: pytest.TempPathFactory, *extra: str) -> Iterator[int]:
    if shutil.which("redis-server") is None:
        if SKIP_REDIS:
            pytest.skip("redis-server is not installed (CLEANER_SKIP_REDIS=1)")
        pytest.fail("redis-server is not installed: the Redis index store's tests need a real server "
                    "(apt-get install redis-server; .ci/run does), or set CLEANER_SKIP_REDIS=1 to skip them",
                    pytrace=False)
    server, port = start_redis(tmp_path_factory.mktemp("redis"), *extra)
    try:
        yield port
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(redis://127.0.0.1:PORT, its unix socket's path) of a server of the session's own."""
    directory = tmp_path_factory.mktemp("redis-socket")
    for port in _servers(tmp_path_factory, "--unixsocket", str(directory / "redis.sock")):
        yield f"redis://127.0.0.1:{port}", str(directory / "redis.sock")


@pytest.fixture(scope="session")
def redis_url(redis_server: tuple[str, str]) -> str:
    return redis_server[0]


@pytest.fixture(scope="session")
def redis_socket(redis_server: tuple[str, str]) -> str:
    return redis_server[1]


@pytest.fixture(scope="session")
def redis_password_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The port of a second server, wanting REDIS_PASSWORD."""
    yield from _servers(tmp_path_factory, "--requirepass", REDIS_PASSWORD)
