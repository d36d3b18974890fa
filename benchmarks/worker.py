"""A cohort worker's time per case against ``radcore.extract`` on the same case, one thread, one process.

    python benchmarks/worker.py [--cases 8] [--batch 1] [--repeats 3] [--params FILE] [--phantom]

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

Prints the median seconds per case of each (wall clock, and CPU time of the process), their ratios, and
the worker's median seconds per step per case, ingest also split into its parts: the input files'
digests, decoding them (which ``radcore.extract`` does too) and writing the store (which it does not).
"""

from __future__ import annotations

import argparse
import dataclasses
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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=8)
    parser.add_argument("--batch", type=int, default=1, help="cases per batch, as a cohort's plan cuts them")
    parser.add_argument("--repeats", type=int, default=3, help="runs of each batch, alternating (median)")
    parser.add_argument("--params", help="a settings file (default: the params of cohort_vs_pyradiomics.py)")
    parser.add_argument("--phantom", action="store_true",
                        help="the IBSI CT phantom written once per case rather than realistic CT volumes")
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
        files = {case_id: (image, mask) for case_id, image, mask in cases}
        in_process, in_worker, cpu_ratios, steps = [], [], [], {}
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
        (a, a_cpu), (b, b_cpu) = (tuple(statistics.median(v) for v in zip(*t)) for t in (in_process, in_worker))
        cpu_ratio = statistics.median(cpu_ratios)
        what += f", batches of {args.batch}"
        print(f"{what}, {params.name}, one thread; median seconds per case (wall, and CPU of this process)")
        print(f"radcore.extract (in process)   {a:6.3f}  cpu {a_cpu:6.3f}")
        print(f"cohort worker (run_batch)      {b:6.3f}  cpu {b_cpu:6.3f}   {b / a:4.2f}x wall, {cpu_ratio:4.2f}x CPU")
        steps = {step: steps[step] for step in STEPS if step in steps}  # in the order of STEPS
        for step, values in steps.items():
            print(f"  {step:14s} {statistics.median(values[:-1]):6.3f}")
        record("worker", {"radcore.extract (in process)": f"{a:.3f} s per case ({a_cpu:.3f} s CPU)",
                          "cohort worker (run_batch)": f"{b:.3f} s per case ({b_cpu:.3f} s CPU)",
                          "worker / in process": f"{b / a:.2f}x wall, {cpu_ratio:.2f}x CPU"}
               | {f"worker step: {step.strip()}": f"{statistics.median(values[:-1]):.3f} s"
                  for step, values in steps.items()},
               notes=[f"{what}, {params.name}, one thread; medians of {args.repeats} alternating repeats per batch. "
                      "The CPU ratio is the median of the per-repeat ratios of process CPU time (every thread "
                      "of the process; Blosc compresses on the calling thread, as in a worker), which other "
                      "load on the machine disturbs least."])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
