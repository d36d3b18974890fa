"""The cohort flow as a Prefect deployment: ``radcore serve`` registers it and runs what the UI starts.

The deployment's entrypoint is the module path ``radcore_flows.cohort:cohort_flow`` (``flows/`` installs as ``radcore_flows``), so
served runs find the flow from any working directory. Its parameter form is the pydantic model
:class:`radcore_flows.cohort.CohortParameters`.
"""

from __future__ import annotations

from prefect import serve as prefect_serve
from prefect.types.entrypoint import EntrypointType

from radcore_flows.cohort import cohort_flow

DESCRIPTION = (
    "Extract radiomics features for a cohort (manifest or Zarr store) into a Parquet dataset, "
    "fanned out over Dask (a local cluster, or the scheduler given)."
)


def build_deployment(name: str = "radcore-cohort"):
    """The runner deployment of the cohort flow (not yet registered)."""
    return cohort_flow.to_deployment(
        name=name,
        description=DESCRIPTION,
        tags=["radcore"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve(name: str = "radcore-cohort") -> None:
    """Register the deployment with the Prefect API and serve its runs until interrupted."""
    prefect_serve(build_deployment(name))
