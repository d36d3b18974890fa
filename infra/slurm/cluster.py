"""A Dask cluster on SLURM (or PBS) for `radcore run --scheduler`, with dask-jobqueue.

    pip install "radcore[slurm]"
    python infra/slurm/cluster.py --jobs 10 --queue normal          # keeps running; prints the address
    radcore run --store /shared/cohort.zarr --out /shared/results --scheduler tcp://...:8786

Each job starts ``--processes`` single-threaded worker processes; numba and ITK are pinned to one thread
before the workers start. Edit the resources for your site.
"""

from __future__ import annotations

import argparse
import time

WORKER_ENV = [
    "export NUMBA_NUM_THREADS=1",
    "export ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS=1",
    "export OMP_NUM_THREADS=1",
]


def make_cluster(
    kind: str, queue: str | None, processes: int, memory: str, walltime: str, port: int = 8786,
    dashboard: str = ":8787",
):
    """The jobqueue cluster; ``port`` 0 and a ``dashboard`` port 0 pick free ports (tests)."""
    from dask_jobqueue import PBSCluster, SLURMCluster

    cls = SLURMCluster if kind == "slurm" else PBSCluster
    return cls(
        queue=queue,
        cores=processes,            # one core per worker process
        processes=processes,        # -> threads per worker = cores / processes = 1
        memory=memory,
        walltime=walltime,
        job_script_prologue=WORKER_ENV,
        worker_extra_args=["--nthreads", "1"],
        scheduler_options={"port": port, "dashboard_address": dashboard},
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--kind", choices=["slurm", "pbs"], default="slurm")
    p.add_argument("--jobs", type=int, default=4)
    p.add_argument("--queue")
    p.add_argument("--processes", type=int, default=8, help="worker processes per job")
    p.add_argument("--memory", default="32GB", help="memory per job")
    p.add_argument("--walltime", default="04:00:00")
    args = p.parse_args()
    cluster = make_cluster(args.kind, args.queue, args.processes, args.memory, args.walltime)
    cluster.scale(jobs=args.jobs)
    print(cluster.job_script())
    print(f"scheduler: {cluster.scheduler_address}   dashboard: {cluster.dashboard_link}")
    try:
        while True:
            time.sleep(60)
    except KeyboardInterrupt:
        cluster.close()


if __name__ == "__main__":
    main()
