"""What the dataset's commit protocol costs on object storage: requests per batch, and what a rerun pays to
learn what is done, against the same dataset on local disk.

An S3 server (moto's, on 127.0.0.1) stands in for the bucket, so the seconds are those of a server on this
machine; the request counts are what a real bucket bills and what its latency multiplies (a GET or PUT on
S3 takes 10-30 ms from inside the region). ``--batches N`` one-row batch files are published under a
lease, as a cohort's workers publish them; then the time and requests of ``done_cases`` (a rerun's plan),
then the same after ``radcore compact``.

    python benchmarks/dataset_s3.py --batches 2000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _moto import moto_server  # noqa: E402
from _record import record  # noqa: E402


def _counting(fs) -> Counter:
    """Count the S3 operations ``fs`` (s3fs) sends, by name."""
    counts: Counter = Counter()
    fs.connect(refresh=False)
    fs.s3.meta.events.register("before-call.s3", lambda model, **_: counts.update([model.name]))
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=2000)
    parser.add_argument("--features", type=int, default=1000, help="float columns per row")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    server, endpoint = moto_server()
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="benchmark", AWS_SECRET_ACCESS_KEY="benchmark",
                      AWS_DEFAULT_REGION="us-east-1")
    from radcore.io import dataset as ds
    from radcore.io import remote
    from radcore.io.compact import compact

    fs, _ = remote.filesystem("s3://x")
    fs.mkdir("radcore-benchmark")
    counts = _counting(fs)
    h = "0123456789abcdef"
    columns = [f"f{i}" for i in range(args.features)]
    schema = ds.feature_schema(["site"], columns)
    figures: dict[str, object] = {"batches": args.batches, "feature_columns": args.features}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for where, out in (("local disk", Path(tmp) / "out"), ("S3 (moto)", "s3://radcore-benchmark/out")):
            counts.clear()
            start = time.perf_counter()
            with ds.run_lock(out, h) as token:
                names = [ds.batch_id(h, [(f"case{i:06d}", 1)]) for i in range(args.batches)]
                ds.register_batches(out, h, token, [f"batch-{n}" for n in names], schema)
                lock_requests = sum(counts.values())
                counts.clear()
                publish_start = time.perf_counter()
                for i, name in enumerate(names):
                    row = {"case_id": f"case{i:06d}", "label": 1, "site": "a", **{c: float(i) for c in columns}}
                    ds.write_batch(out, h, name, [row], [], schema, run_token=token)
                publish = (time.perf_counter() - publish_start) / args.batches
                per_batch = {op: n / args.batches for op, n in counts.items()}
            counts.clear()
            plans = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                done = ds.done_cases(out, h)
                plans.append(time.perf_counter() - t)
            assert len(done) == args.batches
            plan_requests = dict(counts) if where != "local disk" else {}
            t = time.perf_counter()
            compact(out, h)
            compaction = time.perf_counter() - t
            counts.clear()
            after = []
            for _ in range(args.repeats):
                t = time.perf_counter()
                assert len(ds.done_cases(out, h)) == args.batches
                after.append(time.perf_counter() - t)
            after_requests = dict(counts) if where != "local disk" else {}
            rows.append([where, f"{publish * 1e3:.1f}", ", ".join(f"{op} {n:g}" for op, n in sorted(per_batch.items()))
                         or "-", f"{statistics.median(plans):.2f}",
                         ", ".join(f"{op} {n}" for op, n in sorted(plan_requests.items())) or "-",
                         f"{compaction:.1f}", f"{statistics.median(after):.3f}",
                         ", ".join(f"{op} {n}" for op, n in sorted(after_requests.items())) or "-"])
            figures[f"{where}: publish ms per batch"] = round(publish * 1e3, 2)
            figures[f"{where}: rerun plan s"] = round(statistics.median(plans), 3)
            figures[f"{where}: rerun plan s after compaction"] = round(statistics.median(after), 4)
            if where != "local disk":
                figures["S3 requests to take the lease, fence and register"] = lock_requests
                figures["S3 requests per batch"] = per_batch
            print(f"{where}: {start and ''}publish {publish * 1e3:.1f} ms/batch {per_batch}; rerun plan "
                  f"{statistics.median(plans):.2f} s {plan_requests}; compaction {compaction:.1f} s; after "
                  f"{statistics.median(after):.3f} s {after_requests}")
    server.stop()
    record("dataset_s3", figures, table={
        "columns": ["dataset", "publish (ms/batch)", "requests per batch", "rerun plan (s)", "its requests",
                    "compaction (s)", "plan after (s)", "its requests"],
        "rows": rows,
    }, notes=[f"{args.batches} one-row batches of {args.features} float columns; medians of {args.repeats}.",
              "The S3 server is moto on this machine: its seconds are not a bucket's; the request counts are."])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
