"""The cohort flow as a Prefect deployment, in the two ways Prefect runs deployments.

- ``radcore serve`` (:func:`serve`): the deployment is registered and its runs run in the serving process,
  on the machine that serves, while it serves: one person's way.
- ``radcore deploy --pool POOL`` (:func:`deploy_to_pool`): the deployment is registered on a ``process``
  work pool (made if missing); ``prefect worker start --pool POOL`` on each machine that has radcore and
  the data picks its runs up, each in a process of its own: a lab's way.

The deployment's entrypoint is the module path ``radcore_flows.cohort:cohort_flow`` (``flows/`` installs as
``radcore_flows``), so a run finds the flow from any working directory and no code is pulled from anywhere:
the worker's machine has radcore installed. Its parameter form is the pydantic model
:class:`radcore_flows.cohort.CohortParameters`; ``parameters`` fills it in (a scheduled deployment needs
at least ``manifest`` and ``out``).
"""

from __future__ import annotations

from typing import Any

from prefect import serve as prefect_serve
from prefect.types.entrypoint import EntrypointType

from radcore_flows.cohort import cohort_flow

DESCRIPTION = (
    "Extract radiomics features for a cohort (manifest or Zarr store) into a Parquet dataset, "
    "fanned out over Dask (a local cluster, or the scheduler given)."
)

#: the type of work pool radcore's deployments use: a worker runs each flow run in a process of its own
POOL_TYPE = "process"


def build_deployment(name: str = "radcore-cohort", parameters: dict[str, Any] | None = None,
                     cron: str | None = None):
    """The runner deployment of the cohort flow (not yet registered); ``parameters`` are the form's
    defaults (``{"params": {...}}`` is made of them), ``cron`` a schedule."""
    return cohort_flow.to_deployment(
        name=name,
        description=DESCRIPTION,
        tags=["radcore"],
        entrypoint_type=EntrypointType.MODULE_PATH,
        parameters={"params": parameters} if parameters else None,
        cron=cron,
    )


def serve(name: str = "radcore-cohort") -> None:
    """Register the deployment with the Prefect API and serve its runs until interrupted."""
    prefect_serve(build_deployment(name))


def deploy_to_pool(pool: str, name: str = "radcore-cohort", parameters: dict[str, Any] | None = None,
                   cron: str | None = None) -> str:
    """Register the deployment on work pool ``pool`` (a ``process`` pool, made when missing) of the Prefect
    API in use; returns the deployment's id. Its runs wait for a worker: ``prefect worker start --pool POOL``."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.deployments.runner import deploy
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            found = client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=pool, type=POOL_TYPE))
        else:
            if found.type != POOL_TYPE:
                raise ValueError(f"work pool {pool!r} is of type {found.type!r}; radcore's deployments need a "
                                 f"{POOL_TYPE!r} pool (`prefect work-pool create NAME --type process`)")
    (deployment_id,) = deploy(build_deployment(name, parameters, cron), work_pool_name=pool, build=False,
                              push=False, print_next_steps_message=False, ignore_warnings=True)
    return str(deployment_id)
