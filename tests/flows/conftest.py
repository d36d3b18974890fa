import logging
import sys

import pytest


@pytest.fixture(scope="session")
def prefect_backend():
    """A real temporary Prefect server for the whole session (slow to start, so started once)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def cli_env(monkeypatch, prefect_backend):
    """The session's Prefect server for ``radcore`` commands run in this process, and no leak of the
    environment the command sets for embedded Prefect into other tests."""
    for key in ("PREFECT_SERVER_EPHEMERAL_ENABLED", "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS",
                "PREFECT_SERVER_ANALYTICS_ENABLED", "PREFECT_HOME", "PREFECT_PROFILES_PATH", "PREFECT_API_AUTH_STRING"):
        monkeypatch.setenv(key, "recorded")  # monkeypatch now restores the key's original state at the end
        monkeypatch.delenv(key)
    _console_logs_to(sys.stderr)


def _console_logs_to(stream) -> None:
    """Point Prefect's console log handlers at ``stream``: they keep the stream they were made with, which may
    be the closed capture of an earlier test."""
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger()] + [logging.getLogger(name) for name in list(logging.Logger.manager.loggerDict)]
    for handler in {h for logger in loggers for h in getattr(logger, "handlers", [])}:
        if isinstance(handler, PrefectConsoleHandler):
            handler.stream = stream  # not setStream: it flushes the old, maybe closed, stream
            handler.console.file = stream
