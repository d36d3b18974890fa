import pytest


@pytest.fixture(scope="session")
def prefect_backend():
    """A real temporary Prefect server for the whole session (slow to start, so started once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield
