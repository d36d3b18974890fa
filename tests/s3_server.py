"""An S3-compatible server for the tests: moto's server mode on a free port of 127.0.0.1.

moto's server is how s3fs and zarr test themselves against S3; it answers conditional writes
(``If-None-Match: *``, ``If-Match``), which radcore's commit protocol on object storage relies on.
:func:`s3_server` starts one per test session; :func:`s3` gives a test its own bucket and sets the
standard variables (``AWS_ENDPOINT_URL``, keys, region) in this process, which subprocesses and Dask
workers started afterwards inherit. Nothing here touches the internet.

:class:`Traffic` counts the requests the server answers and the bytes of their responses, by method
(fixture ``s3_traffic``), for tests of what a reader fetches.

``tests/conftest.py`` loads this module as a plugin, so every test can ask for ``s3``.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections import Counter
from dataclasses import dataclass, field

import pytest

VARIABLES = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
             "AWS_PROFILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE")
#: moto accepts any key; the tests use these so a leak of the secret into output can be searched for
ACCESS_KEY = "radcoretestkey"
SECRET_KEY = "radcore-test-secret-do-not-print"


@dataclass
class Bucket:
    """A test's bucket: its name, its ``s3://`` URL and an s3fs file system to look inside it."""

    name: str
    endpoint: str
    fs: object

    def url(self, *parts: str) -> str:
        return "/".join([f"s3://{self.name}", *parts])


@dataclass
class Traffic:
    """A WSGI middleware counting what the server answers: requests by method, bytes received (request
    bodies) and sent (response bodies) by method, and each GET's path with its bytes (``gets``).
    :meth:`clear` starts a new count."""

    app: object
    requests: Counter = field(default_factory=Counter)
    received: Counter = field(default_factory=Counter)
    sent: Counter = field(default_factory=Counter)
    gets: list = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        answer = self.app(environ, start_response)
        try:
            body = list(answer)
        finally:
            if hasattr(answer, "close"):
                answer.close()
        size = sum(len(part) for part in body)
        with self._lock:
            self.requests[method] += 1
            self.received[method] += int(environ.get("CONTENT_LENGTH") or 0)
            self.sent[method] += size
            if method == "GET":
                self.gets.append((path, size))
        return body

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()
            self.received.clear()
            self.sent.clear()
            self.gets.clear()


@pytest.fixture(scope="session")
def _moto():
    """A moto S3 server on 127.0.0.1, port chosen by the system, its answers counted; stopped at the end."""
    pytest.importorskip("s3fs")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    wsgi = server._server  # the werkzeug server; each request asks it for its application
    traffic = wsgi.app = Traffic(wsgi.app)
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}", traffic
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3_server(_moto):
    """The endpoint URL of the test S3 server."""
    return _moto[0]


@pytest.fixture
def s3_traffic(_moto) -> Traffic:
    """What the test S3 server answers from now on (requests and bytes by method)."""
    _moto[1].clear()
    return _moto[1]


@pytest.fixture
def s3(s3_server, monkeypatch):
    """A fresh bucket on the test server, with the environment pointing at the server."""
    import s3fs

    from radcore.io.remote import forget_filesystems

    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    forget_filesystems()
    fs = s3fs.S3FileSystem(skip_instance_cache=True)
    name = f"radcore-{uuid.uuid4().hex[:12]}"
    fs.mkdir(name)
    try:
        yield Bucket(name, s3_server, fs)
    finally:
        fs.rm(name, recursive=True)
        forget_filesystems()
