"""Cohort benchmark: N synthetic CT-like cases through the whole flow; throughput and orchestration overhead.

    python benchmarks/cohort.py --cases 1000 --workers 2

Builds a Zarr store of N cases (``--shape`` voxels each, default 64 x 224 x 224 = 3.2 million, int16, one
lobulated lesion per case; ``--unique`` distinct volumes are synthesised and copied to fill the cohort, so
set-up stays quick), then runs the cohort flow from the store on a local Dask cluster with an embedded
Prefect backend and prints:

- cases/s over the flow's wall time;
- orchestration overhead = 1 - (sum of in-worker times) / (wall time x workers), for the fan-out alone
  (first submission to last result) and for the whole flow body (settings, warm-up, planning, cluster
  start, fan-out; Prefect's own server start-up is reported apart);
- the peak resident memory of a worker process.

A second run over the same dataset checks that nothing is redone.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _record import record

import zarr

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radcore.cli_cohort import embedded_prefect_env  # noqa: E402
from radcore.cohort.synthetic import ct_like_case  # noqa: E402
from radcore.io.store import open_store, write_case  # noqa: E402


def build_store(store: Path, n: int, shape: tuple[int, int, int], unique: int) -> float:
    """Write ``n`` cases (``unique`` distinct ones, copied round-robin); returns seconds taken."""
    start = time.perf_counter()
    open_store(store, create=True)
    for i in range(n):
        case_id = f"case{i:05d}"
        if i < unique:
            image, mask = ct_like_case(shape, seed=i)
            write_case(store, case_id, image, mask, metadata={"site": f"site{i % 3}"}, modality="CT",
                       digests={"image": f"synthetic:{i}", "mask": f"synthetic:{i}"})
        else:
            source = f"case{i % unique:05d}"
            shutil.copytree(store / source, store / case_id)
            group = zarr.open_group(str(store / case_id), mode="r+")
            attrs = dict(group.attrs["radcore"])
            attrs["case_id"] = case_id
            group.attrs["radcore"] = attrs
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", type=int, default=50)
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--shape", type=int, nargs=3, default=(64, 224, 224), metavar=("Z", "Y", "X"))
    p.add_argument("--unique", type=int, default=20, help="distinct synthetic volumes (default 20)")
    p.add_argument("--batch-size", type=int, default=0, help="cases per batch (default: automatic)")
    p.add_argument("--config", help="settings YAML (default: radcore defaults, every available family)")
    p.add_argument("--dir", help="working folder (default: a temporary one, removed afterwards)")
    args = p.parse_args(argv)

    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="radcore-bench-"))
    store, out = folder / "cohort.zarr", folder / "dataset"
    if out.exists():
        shutil.rmtree(out)
    try:
        if not store.exists():
            seconds = build_store(store, args.cases, tuple(args.shape), min(args.unique, args.cases))
            print(f"store: {args.cases} cases of {args.shape} voxels in {seconds:.1f} s ({store})")
        embedded_prefect_env()
        from radcore_flows.cohort import CohortParameters, cohort_flow

        params = CohortParameters(store=str(store), out=str(out), workers=args.workers, config=args.config or "",
                                  batch_size=args.batch_size)
        start = time.perf_counter()
        s = cohort_flow(params)
        command = time.perf_counter() - start
        again = cohort_flow(params)
    finally:
        if not args.dir:
            shutil.rmtree(folder, ignore_errors=True)

    flow_wall = s.seconds
    print(f"cases done {s.done}, failed {s.failed}, batches {s.batches}, workers {s.workers}")
    print(f"flow wall {flow_wall:.1f} s (set-up {s.setup_seconds:.1f} s incl. cluster start, fan-out "
          f"{s.fanout_seconds:.1f} s); with Prefect start-up {command:.1f} s")
    print(f"in-worker: batches {s.worker_seconds:.1f} s, cases {s.case_seconds:.1f} s "
          f"({s.case_seconds / max(s.done + s.failed, 1) * 1000:.0f} ms per case)")
    print(f"cases/s: {s.done / flow_wall:.2f} over the flow, {s.done / s.fanout_seconds:.2f} over the fan-out")
    for name, wall in (("fan-out", s.fanout_seconds), ("flow", flow_wall)):
        for what, busy in (("batch", s.worker_seconds), ("case", s.case_seconds)):
            overhead = 1.0 - busy / (wall * s.workers)
            print(f"overhead ({name} wall vs in-worker {what} time): {100 * overhead:.1f} %")
    print(f"peak worker memory: {s.peak_worker_rss_mb:.0f} MB")
    print(f"rerun: {again.done} done, {again.skipped} skipped in {again.seconds:.1f} s")
    busy = s.worker_seconds / (s.fanout_seconds * s.workers)
    record("cohort", {
        "cases done, failed": f"{s.done}, {s.failed} ({s.batches} batches, {s.workers} workers)",
        "flow wall": f"{flow_wall:.1f} s (set-up {s.setup_seconds:.1f} s, fan-out {s.fanout_seconds:.1f} s)",
        "with Prefect start-up": f"{command:.1f} s",
        "cases/s over the flow, over the fan-out": f"{s.done / flow_wall:.2f}, {s.done / s.fanout_seconds:.2f}",
        "in-worker time per case": f"{s.case_seconds / max(s.done + s.failed, 1) * 1000:.0f} ms",
        "overhead of the fan-out (wall vs in-worker batch time)": f"{100 * (1.0 - busy):.1f} %",
        "peak worker memory": f"{s.peak_worker_rss_mb:.0f} MB",
        "rerun": f"{again.done} done, {again.skipped} skipped in {again.seconds:.1f} s",
    }, notes=[f"Cases of {tuple(args.shape)} voxels ({min(args.unique, args.cases)} distinct volumes)."])
    return 0


if __name__ == "__main__":
    sys.exit(main())
