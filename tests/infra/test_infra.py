"""The cluster definitions in infra/: each pins numba and ITK to one thread per worker process.

No Kubernetes API runs here: the manifest is checked as data. (SLURM and PBS job scripts are radcore's own,
tested in tests/radcore/cohort/test_jobqueue.py; the SLURM batch recipe runs in tests/flows/test_slurm.py.)
"""

from pathlib import Path

import yaml

INFRA = Path(__file__).parents[2] / "infra"


def test_kubernetes_workers_are_pinned_and_share_the_data_volume():
    doc = yaml.safe_load((INFRA / "kubernetes" / "daskcluster.yaml").read_text())
    assert doc["kind"] == "DaskCluster"
    (worker,) = doc["spec"]["worker"]["spec"]["containers"]
    env = {e["name"]: e["value"] for e in worker["env"]}
    assert env["NUMBA_NUM_THREADS"] == "1" and env["ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS"] == "1"
    args = worker["args"]
    assert args[args.index("--nthreads") + 1] == "1"
    assert any(m["mountPath"] == "/data" for m in worker["volumeMounts"])


def test_local_dask_config_is_valid_yaml():
    assert isinstance(yaml.safe_load((INFRA / "local" / "dask.yaml").read_text()), dict)
