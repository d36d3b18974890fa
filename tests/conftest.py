import os

import pytest

#: the S3 server fixtures (``s3_server``, ``s3``, ``s3_traffic``) for the object-storage tests; a one-node
#: SLURM (``slurm``) for the SLURM tests
pytest_plugins = ["tests.s3_server", "tests.slurm_cluster"]


@pytest.fixture(scope="session", autouse=True)
def no_kept_processes(tmp_path_factory):
    """No test leaves radcore's kept processes (warm workers, a local Prefect server) running, or touches the
    user's ``~/.radcore``: the session gets its own ``RADCORE_HOME`` and each run a cluster of its own,
    unless a test asks for kept workers (and stops them)."""
    saved = {key: os.environ.get(key) for key in ("RADCORE_HOME", "RADCORE_KEEP_WORKERS")}
    os.environ["RADCORE_HOME"] = str(tmp_path_factory.mktemp("radcore-home"))
    os.environ["RADCORE_KEEP_WORKERS"] = "0"
    yield
    from radcore.cohort import kept_workers

    kept_workers.stop()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
