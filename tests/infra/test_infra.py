"""The cluster definitions in infra/: each pins numba and ITK to one thread per worker process.

No Kubernetes API runs here: the manifests are checked as data (their data in a bucket, no shared volume).
(SLURM and PBS job scripts are radcore's own, tested in tests/radcore/cohort/test_jobqueue.py; the SLURM
batch recipe runs on a real SLURM in tests/flows/test_slurm.py.)
"""

from pathlib import Path

import yaml

from radcore.cohort.cluster import WORKER_ENV

INFRA = Path(__file__).parents[2] / "infra"


def _kubernetes() -> dict[str, dict]:
    """kind/name -> document, of every manifest in infra/kubernetes."""
    docs = [doc for path in sorted((INFRA / "kubernetes").glob("*.yaml"))
            for doc in yaml.safe_load_all(path.read_text()) if doc]
    return {f"{doc['kind']}/{doc['metadata']['name']}": doc for doc in docs}


def _pods(docs: dict[str, dict]) -> dict[str, dict]:
    """The pod specs of the DaskCluster (worker, scheduler) and of the run's Job."""
    cluster, job = docs["DaskCluster/radcore"]["spec"], docs["Job/radcore-run"]["spec"]["template"]["spec"]
    return {"worker": cluster["worker"]["spec"], "scheduler": cluster["scheduler"]["spec"], "run": job}


def test_local_dask_configuration_sets_what_radcore_workers_start_with():
    config = yaml.safe_load((INFRA / "local" / "dask.yaml").read_text())
    spawn = config["distributed"]["nanny"]["pre-spawn-environ"]
    assert {k: str(spawn.get(k)) for k in WORKER_ENV} == WORKER_ENV


def test_kubernetes_workers_are_pinned_to_one_thread():
    (worker,) = _pods(_kubernetes())["worker"]["containers"]
    env = {e["name"]: e["value"] for e in worker["env"]}
    assert {k: env.get(k) for k in WORKER_ENV} == WORKER_ENV  # threads pinned, the allocator as radcore's workers
    args = worker["args"]
    assert args[args.index("--nthreads") + 1] == "1"


def test_kubernetes_recipe_keeps_its_data_in_a_bucket_not_on_a_shared_volume():
    docs = _kubernetes()
    assert {key.split("/")[0] for key in docs} == {"DaskCluster", "ServiceAccount", "ConfigMap", "Job"}
    text = "".join(p.read_text() for p in (INFRA / "kubernetes").glob("*.yaml"))
    assert "ReadWriteMany" not in text and "PersistentVolumeClaim" not in text
    for name, pod in _pods(docs).items():
        for volume in pod.get("volumes", []):  # settings from a ConfigMap at most: nothing shared
            assert set(volume) == {"name", "configMap"}, (name, volume)
    (run,) = _pods(docs)["run"]["containers"]
    args = run["args"]
    for option in ("--store", "--out"):
        assert args[args.index(option) + 1].startswith("s3://")


def test_kubernetes_pods_reach_the_bucket_by_the_cluster_standard_means():
    """A service account for IRSA or workload identity, else keys from a Secret made with kubectl; the
    endpoint of an S3-compatible service as AWS_ENDPOINT_URL. No key is written in the recipe."""
    docs = _kubernetes()
    assert "eks.amazonaws.com/role-arn" in docs["ServiceAccount/radcore"]["metadata"]["annotations"]
    assert "AWS_ENDPOINT_URL" in docs["ConfigMap/radcore-storage"]["data"]
    assert not any(key.startswith("Secret/") for key in docs)
    pods = _pods(docs)
    for name in ("worker", "run"):
        assert pods[name]["serviceAccountName"] == "radcore"
        (container,) = pods[name]["containers"]
        sources = {(kind, ref["name"], ref.get("optional")) for source in container["envFrom"]
                   for kind, ref in source.items()}
        assert sources == {("configMapRef", "radcore-storage", True), ("secretRef", "radcore-storage", True)}
        assert not {e["name"] for e in container.get("env", [])} & {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"}
    assert "s3" in (INFRA / "docker" / "Dockerfile").read_text().split('".[', 1)[1].split("]", 1)[0]


def test_local_dask_config_is_valid_yaml():
    assert isinstance(yaml.safe_load((INFRA / "local" / "dask.yaml").read_text()), dict)
