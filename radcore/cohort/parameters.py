"""What a cohort run is asked to do: the Prefect form and the command line's options, as one typed model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from radcore.io.manifest import ALL_LABELS
from radcore.settings import Settings

#: where a local cluster's dashboard listens unless told otherwise: this machine only
LOCAL_DASHBOARD = "127.0.0.1:8787"
#: the dashboard address that starts no dashboard (on a machine other users reach: it shows case ids)
DASHBOARD_OFF = "off"


class CohortParameters(BaseModel):
    """A cohort run: where the cases are, the settings, where the results go. Paths are on the machine
    that runs the flow, or URLs (``s3://bucket/prefix``: see :mod:`radcore.io.remote`); text fields left
    empty are not given."""

    manifest: str = Field("", description="CSV manifest, a path or URL: case_id,image,mask[,label,metadata...] "
                                          "(or a store below)")
    store: str = Field("", description="Zarr cohort store, a path or URL (empty with a manifest: "
                                       "OUT/cohort.zarr)")
    config: str = Field("", description="settings YAML: radcore's or a PyRadiomics params file (empty: defaults)")
    out: str = Field(..., min_length=1, description="output dataset: a folder or a URL such as s3://bucket/results "
                                                 "(required)")
    naming: Literal["native", "ibsi", "pyradiomics"] = Field("native", description="feature column names")
    workers: int = Field(0, ge=0, description="local Dask worker processes; 0: one per core (ignored with a "
                                              "scheduler)")
    scheduler: str = Field("", description="address of a running Dask scheduler, e.g. tcp://host:8786 (empty: "
                                           "a local cluster, or the worker jobs of cluster)")
    cluster: Literal["", "slurm", "pbs"] = Field("", description="submit the workers as jobs of this batch system "
                                                                  "(dask-jobqueue; empty: a local cluster, or scheduler)")
    jobs: int = Field(1, ge=1, description="with cluster: worker jobs kept running (a lost one is replaced)")
    queue: str = Field("", description="with cluster: SLURM partition or PBS queue (empty: the site's default)")
    account: str = Field("", description="with cluster: account (project) the jobs are charged to")
    walltime: str = Field("", description="with cluster: each job's time limit, e.g. 04:00:00 (empty: the config "
                                          "file's, else dask-jobqueue's)")
    job_memory: str = Field("", description="with cluster: memory of each job, e.g. 16GB (empty: the config file's, "
                                            "else dask-jobqueue's, else 4GB)")
    job_cores: int = Field(0, ge=0, description="with cluster: cores of each job, one single-threaded worker process "
                                                "each (0: the config file's, else dask-jobqueue's, else 1)")
    job_interface: str = Field("", description="with cluster: network interface the scheduler and workers listen "
                                               "on, one the jobs reach (e.g. ib0; empty: dask-jobqueue's choice)")
    cluster_config: str = Field("", description="with cluster: YAML file of dask-jobqueue keyword arguments (the "
                                                "options above win over it)")
    job_start_timeout: float = Field(3600.0, gt=0, description="with cluster: seconds to wait for the first worker "
                                                               "job to start before giving up")
    batch_size: int = Field(0, ge=0, description="cases per batch; 0 chooses from cohort size and workers")
    label: str = Field("", description="mask label of the ROI, or 'all' for every label (empty: the settings' label)")
    dashboard: str = Field(LOCAL_DASHBOARD, description="address of the local cluster's Dask dashboard; "
                                                        "0.0.0.0:8787 shows it to the network, 'off' starts none")
    qc_pictures: bool = Field(True, description="draw each ROI on its image (PNG files under OUT/qc)")
    report: bool = Field(False, description="write the cohort report (OUT/report.html) at the end of the run")
    maps: bool = Field(False, description="also write each case's voxel feature maps (PyRadiomics params' "
                                          "voxelSetting, or the settings' maps section) to OUT/maps/settings_hash=<h>/<case>_label<n>.zarr")
    map_picture: str = Field("", description="with maps: draw this map of each case (its name under the run's "
                                             "naming) to OUT/qc/<case>_label<n>_map.png")

    @model_validator(mode="after")
    def _source(self) -> "CohortParameters":
        if not self.manifest and not self.store:
            raise ValueError("give a manifest, a store, or both")
        if self.label and self.label != ALL_LABELS and not self.label.lstrip("-").isdigit():
            raise ValueError(f"label must be an integer or 'all', got {self.label!r}")
        if self.map_picture and not self.maps:
            raise ValueError("map_picture (--map) draws one of the maps: it needs maps (--maps)")
        if self.scheduler and ":" not in self.scheduler:
            raise ValueError(f"scheduler must be an address such as tcp://host:8786, got {self.scheduler!r}")
        return self

    def settings(self) -> Settings:
        """The settings of ``config``, with ``label`` when given."""
        from radcore.io.config import load_settings, settings_with_label

        return settings_with_label(load_settings(self.config or None), self.label)

    def store_path(self) -> str:
        from radcore.io import remote

        return self.store or str(remote.join(self.out, "cohort.zarr"))
