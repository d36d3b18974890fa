"""moto's S3 server on a free port of 127.0.0.1, for the benchmarks of object storage."""

from __future__ import annotations


def moto_server() -> tuple[object, str]:
    """A started :class:`moto.server.ThreadedMotoServer` and its endpoint URL (stop it with ``.stop()``)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    return server, f"http://{host}:{port}"
