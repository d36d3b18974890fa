"""A cohort run's connection to a scheduler that speaks TLS (``tls://``): Dask's own configuration.

radcore has no TLS options of its own: a client of a ``tls://`` scheduler takes its credentials from Dask's
configuration (``distributed.comm.tls.ca-file`` and ``distributed.comm.tls.client.cert`` / ``.key``, from
a YAML file such as ``infra/tls/dask-tls.yaml`` or the ``DASK_DISTRIBUTED__COMM__TLS__*`` environment
variables), as the scheduler and its workers do. :func:`check_scheduler_tls` says in one line, before
anything starts, when those are missing, rather than a Dask ``TypeError`` from inside the flow.
"""

from __future__ import annotations

from pathlib import Path

from radcore.errors import SettingsError

#: the Dask settings a client of a TLS scheduler needs, and their environment variables
CLIENT_TLS = {"distributed.comm.tls.ca-file": "DASK_DISTRIBUTED__COMM__TLS__CA_FILE",
              "distributed.comm.tls.client.cert": "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT"}


def check_scheduler_tls(address: str) -> None:
    """Raise :class:`~radcore.errors.SettingsError` when ``address`` is a ``tls://`` scheduler and Dask's
    configuration in this process gives a client no CA file or certificate, or names files that are not
    there. A configured ``distributed.client.security-loader`` provides credentials its own way and is
    trusted; any other address needs nothing."""
    if not address.startswith("tls://"):
        return
    import dask.config

    if dask.config.get("distributed.client.security-loader", None):
        return
    settings = {**CLIENT_TLS, "distributed.comm.tls.client.key": "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY"}
    missing = [f"{key} ({variable})" for key, variable in CLIENT_TLS.items() if not dask.config.get(key, None)]
    if missing:
        raise SettingsError(f"scheduler {address} speaks TLS, but Dask's configuration here has no "
                            f"{' and no '.join(missing)}: set them (and the client's key) in a Dask config file "
                            "or the environment, as in infra/tls/dask-tls.yaml")
    for key, variable in settings.items():
        path = dask.config.get(key, None)
        if path and not Path(path).is_file():
            raise SettingsError(f"scheduler {address}: Dask's {key} ({variable}) is {path!r}, which is not a file")
