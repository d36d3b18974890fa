"""A cohort worker's time per case against ``radcore.extract`` on the same case, one thread each.

    python benchmarks/worker.py [--cases 8] [--batch 1] [--repeats 3] [--params FILE] [--phantom] [--dask-defaults]

The cases are realistic CT volumes (``benchmarks/_realistic.py``: each its own 512 x 512 x (100-300) int16
image, ROIs of 10^3-10^5 voxels), or with ``--phantom`` those of ``benchmarks/cohort_vs_pyradiomics.py``
(the IBSI CT phantom written once per case, a different ROI each). The settings are the params of
``cohort_vs_pyradiomics.py`` (PyRadiomics: Original + LoG + Wavelet, 1 mm B-spline) unless ``--params``.
The cases are cut into batches of ``--batch`` cases, as a cohort's plan cuts them (a cohort of 200 cases
on 2 workers gets batches of 7: :func:`radcore.cohort.plan.auto_batch_size`). For each batch, after one
warm-up case:

- ``radcore.extract(image, mask, params)`` of each of its cases: reading the NIfTI files and extracting,
  in this process;
- :func:`radcore.cohort.worker.run_batch` on the batch, as a Dask worker runs it: for each case, ingest
  into a fresh Zarr store (integrity checks, digests, sharded writes, label boxes, statistics), cutting the
  ROI's crop from the arrays just decoded, extracting and the QC picture; then the batch's Parquet file.
- the same ``run_batch`` in a real Dask worker: a one-worker local cluster as ``radcore run`` starts it
  (:func:`radcore.cohort.cluster.local_cluster`: one thread, the variables of
  :data:`~radcore.cohort.cluster.WORKER_ENV` set before the worker process starts), the task on the
  worker's task thread; its CPU time is that of the whole worker process (its event loop included);
- with ``--dask-defaults``, also in a worker with Dask's own environment (``MALLOC_TRIM_THRESHOLD_=65536``,
  glibc's allocator otherwise as it comes) rather than radcore's allocator settings.

Prints the median seconds per case of each (wall clock, and CPU time of the process), their ratios to
``radcore.extract``, and the median seconds per step per case of ``run_batch`` in this process, ingest also
split into its parts: the input files' digests, decoding them (which ``radcore.extract`` does too) and
writing the store (which it does not). This process keeps glibc's allocator as it comes, as a user's
process calling ``radcore.extract`` does; radcore's Dask workers set it to keep their arrays for the next
case (:data:`radcore.cohort.cluster.WORKER_MALLOC`), which is why the cohort worker's row is the one that
says what a cohort costs.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _record import record

import _one_thread  # noqa: E402, F401 - before numba and ITK load, as cohort workers run

import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import radcore  # noqa: E402
from _realistic import describe, write_realistic_cohort  # noqa: E402
from cohort_vs_pyradiomics import PARAMS, write_cohort  # noqa: E402
from radcore.cohort import worker  # noqa: E402
from radcore.cohort.cluster import feature_columns  # noqa: E402
from radcore.cohort.plan import cases_from_manifest, plan_batches  # noqa: E402
from radcore.io.store import ingest  # noqa: E402
from radcore.io.manifest import read_manifest  # noqa: E402
from radcore.io.config import load_settings  # noqa: E402
from radcore.io.manifest import CaseEntry, write_manifest  # noqa: E402
from radcore.profiles import profile_of  # noqa: E402
from radcore.settings import settings_hash  # noqa: E402

#: the worker's steps (module, function); ingest's parts (digests, decode, store write) are timed within it
STEPS = {"ingest": (worker, "ingest_decoded"), "  digests": (ingest, "input_digest"),
         "  decode": (ingest, "_read_volumes"), "  store write": (ingest, "write_case"),  # parts of ingest
         "read": (worker, "_read_label"), "extract": (worker, "extract_volumes"), "picture": (worker, "_picture"),
         "write": (worker, "write_batch")}


def timed_steps(times: dict[str, list[float]]) -> None:
    """Wrap the worker's steps so each case's seconds in them land in ``times`` (calls summed per case)."""
    for step, (module, name) in STEPS.items():
        original = getattr(module, name)

        def wrapped(*args, _original=original, _step=step, **kwargs):
            start = time.perf_counter()
            try:
                return _original(*args, **kwargs)
            finally:
                times.setdefault(_step, [0.0])[-1] += time.perf_counter() - start

        setattr(module, name, wrapped)


def next_case(times: dict[str, list[float]], n: int) -> None:
    """Make the last sums in ``times`` those of one case of a batch of ``n``, and start the next batch's."""
    for values in times.values():
        values[-1] /= n
        values.append(0.0)


def dask_worker(spec, warm_up, radcore_env: bool):
    """(cluster, client) of one local Dask worker of one thread that has run the warm-up batch: as
    ``radcore run`` starts it (``radcore_env``), or a plain ``LocalCluster`` with radcore's thread
    variables given after the process starts, as ``env=`` does, and Dask's allocator settings."""
    from distributed import Client, LocalCluster

    from radcore.cohort.cluster import WORKER_MALLOC, ensure_warm, local_cluster, local_cluster_kwargs

    kwargs = local_cluster_kwargs(1, dashboard="127.0.0.1:0")
    environ = dict(os.environ)  # a nanny sets its pre-spawn variables here, and the next takes them over its own
    cluster = local_cluster(**kwargs) if radcore_env else LocalCluster(**kwargs)
    os.environ.clear()
    os.environ.update(environ)
    client = Client(cluster)
    (started,) = client.run(_start_environment).values()
    allocator = {name: started.get(name) for name in WORKER_MALLOC}
    assert (allocator == WORKER_MALLOC) == radcore_env, allocator
    ensure_warm(client, spec.settings)
    warm = dataclasses.replace(spec, store=spec.store + "-dask", dataset=spec.dataset + "-dask")
    client.submit(worker.run_batch, warm_up, warm, pure=False).result()
    return cluster, client


def _start_environment() -> dict[str, str]:
    with open(f"/proc/{os.getpid()}/environ", "rb") as fh:
        return dict(item.decode().split("=", 1) for item in fh.read().split(b"\0") if b"=" in item)


def _cpu_seconds() -> float:
    return time.process_time()


def run_in_dask(client, batch, spec) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the worker process) of ``run_batch`` on the client's one worker."""
    (before,) = client.run(_cpu_seconds).values()
    start = time.perf_counter()
    report = client.submit(worker.run_batch, batch, spec, pure=False).result()
    seconds = time.perf_counter() - start
    (after,) = client.run(_cpu_seconds).values()
    assert report.done == len(batch.cases), report.failures
    return seconds, after - before


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=8)
    parser.add_argument("--batch", type=int, default=1, help="cases per batch, as a cohort's plan cuts them")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each batch, alternating (median)")
    parser.add_argument("--params", help="a settings file (default: the params of cohort_vs_pyradiomics.py)")
    parser.add_argument("--phantom", action="store_true",
                        help="the IBSI CT phantom written once per case rather than realistic CT volumes")
    parser.add_argument("--dask-defaults", action="store_true",
                        help="also run the batches in a Dask worker with Dask's own allocator settings")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="radcore-worker-"))
    try:
        if args.phantom:
            cases = write_cohort(work, args.cases + 1)
            what = f"{args.cases} cases of the IBSI CT phantom (204 x 201 x 60)"
        else:
            cases = write_realistic_cohort(work, args.cases + 1)
            what = f"{args.cases} realistic CT cases ({describe(cases[1:])})"
        params = Path(args.params) if args.params else work / "params.yaml"
        if not args.params:
            params.write_text(yaml.safe_dump(PARAMS))
        settings = load_settings(str(params))
        write_manifest([CaseEntry(c, str(i), str(m), None, {}) for c, i, m in cases], work / "manifest.csv")
        store = work / "cohort.zarr"
        jobs = cases_from_manifest(read_manifest(work / "manifest.csv"), settings.label, store)
        h = settings_hash(settings)
        warm_up, *batches = plan_batches(jobs[:1], h, set(), 1) + plan_batches(jobs[1:], h, set(), args.batch)
        keys = profile_of(settings).feature_keys(settings)
        spec = worker.JobSpec(store=str(store), dataset=str(work / "out"), settings=settings, settings_hash=h,
                              ingest=True, feature_columns=feature_columns(keys, "native"))
        radcore.extract(cases[0][1], cases[0][2], settings)  # warm-up: numba's caches, imports
        worker.run_batch(warm_up, spec)
        clusters = {"radcore's": dask_worker(spec, warm_up, radcore_env=True)}
        if args.dask_defaults:
            clusters["Dask's"] = dask_worker(spec, warm_up, radcore_env=False)
        files = {case_id: (image, mask) for case_id, image, mask in cases}
        in_process, in_worker, cpu_ratios, steps = [], [], [], {}
        in_dask = {name: ([], []) for name in clusters}  # per repeat: (wall, CPU) per case, CPU ratio
        timed_steps(steps)
        for batch in batches:
            n = len(batch.cases)
            for repeat in range(args.repeats):  # alternating, each worker run on a fresh store and dataset
                start, cpu = time.perf_counter(), time.process_time()
                for job in batch.cases:
                    radcore.extract(*files[job.case_id], settings)
                in_process.append(((time.perf_counter() - start) / n, (time.process_time() - cpu) / n))
                fresh = dataclasses.replace(spec, store=str(work / f"store-{repeat}.zarr"),
                                            dataset=str(work / f"out-{repeat}"))
                start, cpu = time.perf_counter(), time.process_time()
                report = worker.run_batch(batch, fresh)
                in_worker.append(((time.perf_counter() - start) / n, (time.process_time() - cpu) / n))
                next_case(steps, n)
                assert report.done == n, report.failures
                cpu_ratios.append(in_worker[-1][1] / in_process[-1][1])
                for name, (_, client) in clusters.items():
                    fresh = dataclasses.replace(spec, store=str(work / f"store-{name}-{repeat}.zarr"),
                                                dataset=str(work / f"out-{name}-{repeat}"))
                    seconds, cpu = run_in_dask(client, batch, fresh)
                    in_dask[name][0].append((seconds / n, cpu / n))
                    in_dask[name][1].append(cpu / n / in_process[-1][1])
        (a, a_cpu), (b, b_cpu) = (tuple(statistics.median(v) for v in zip(*t)) for t in (in_process, in_worker))
        cpu_ratio = statistics.median(cpu_ratios)
        what += f", batches of {args.batch}"
        print(f"{what}, {params.name}, one thread; median seconds per case (wall, and CPU of this process)")
        print(f"{'radcore.extract (in process)':38s} {a:6.3f}  cpu {a_cpu:6.3f}")
        print(f"{'run_batch in this process':38s} {b:6.3f}  cpu {b_cpu:6.3f}   {b / a:4.2f}x wall, {cpu_ratio:4.2f}x CPU")
        dask_rows = {}
        for name, (times, ratios) in in_dask.items():
            c, c_cpu = (statistics.median(v) for v in zip(*times))
            label = f"cohort worker, {name} allocator"
            print(f"{label:38s} {c:6.3f}  cpu {c_cpu:6.3f}   {c / a:4.2f}x wall, {statistics.median(ratios):4.2f}x CPU")
            dask_rows[label] = (f"{c:.3f} s per case ({c_cpu:.3f} s CPU of the worker process): "
                                f"{c / a:.2f}x wall, {statistics.median(ratios):.2f}x CPU of in process")
        for cluster, client in clusters.values():
            client.close()
            cluster.close()
        steps = {step: steps[step] for step in STEPS if step in steps}  # in the order of STEPS
        for step, values in steps.items():
            print(f"  {step:14s} {statistics.median(values[:-1]):6.3f}")
        record("worker", {"radcore.extract (in process)": f"{a:.3f} s per case ({a_cpu:.3f} s CPU)",
                          "run_batch in this process": f"{b:.3f} s per case ({b_cpu:.3f} s CPU)",
                          "run_batch in this process / radcore.extract": f"{b / a:.2f}x wall, {cpu_ratio:.2f}x CPU"}
               | dask_rows
               | {f"worker step: {step.strip()}": f"{statistics.median(values[:-1]):.3f} s"
                  for step, values in steps.items()},
               notes=[f"{what}, {params.name}, one thread; medians of {args.repeats} alternating repeats per batch. "
                      "The CPU ratio is the median of the per-repeat ratios of process CPU time (every thread "
                      "of the process; Blosc compresses on the calling thread, as in a worker), which other "
                      "load on the machine disturbs least. The steps are those of run_batch in this process, "
                      "with glibc's allocator as it comes; the cohort worker's rows set it as radcore's "
                      "workers do (radcore.cohort.cluster.WORKER_MALLOC) or leave Dask's setting."])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
