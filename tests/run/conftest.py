"""One local Ray instance (two CPUs) for the Ray tests of a session, started
by the first test that asks for it, and again after a test that had to stop
it (the two-node cluster's)."""

from __future__ import annotations

import shutil
import tempfile

import pytest


@pytest.fixture(scope="session")
def _ray_directories():
    made: list[str] = []
    yield made
    ray = pytest.importorskip("ray")
    if ray.is_initialized():
        ray.shutdown()
    for directory in made:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def ray_instance(_ray_directories):
    ray = pytest.importorskip("ray", reason="Ray is in the test extra: pip install -e '.[test]'")
    if not ray.is_initialized():
        directory = tempfile.mkdtemp(prefix="ray-", dir="/tmp")  # (Ray's socket paths must stay short)
        _ray_directories.append(directory)
        from cleaner.engines import RUNTIME_ENV

        # (as a program running cleaner in its own Ray job starts it: the two-node test starts Ray without it)
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
                 _temp_dir=directory, runtime_env=RUNTIME_ENV)
    yield
