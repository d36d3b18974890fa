"""Scale on paper and by simulation: planning a huge manifest, resume bookkeeping, querying a big dataset.

    python benchmarks/scale.py [--manifest-rows 1000000] [--rows 100000] [--files 1000] [--features 1100]

Prints, each measured in a fresh process so that its peak memory (VmHWM) is its own:

- plan: read a ``--manifest-rows`` manifest (files need not exist: workers open them) and cut it into
  batches, seconds and peak MB (the target: under a minute and 2 GB for 10^6 rows);
- resume bookkeeping: which (case, label) are done in a dataset of ``--rows`` rows in ``--files`` batch
  files of ``--features`` float64 feature columns (target: under 1 s for 10^5 rows in 1,000 files);
- DuckDB over that dataset: an aggregate over every row of one feature, and the lookup of one case
  (targets: under 3 s and under 1 s on 2 cores), as the batches wrote it and after ``radcore compact``
  (whose own time is reported too).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _record import record

ROOT = Path(__file__).resolve().parents[1]

PLAN = """
import sys, time
sys.path.insert(0, {root!r})
from radcore.cohort.worker import peak_rss_mb
from radcore.cohort.plan import auto_batch_size, cases_from_manifest, plan_batches
from radcore.io.manifest import read_manifest
t = time.perf_counter()
jobs = cases_from_manifest(read_manifest({manifest!r}), 1)
n = sum(len(j.items) for j in jobs)
batches = plan_batches(jobs, "h", set(), auto_batch_size(n, 64))
print(time.perf_counter() - t, peak_rss_mb(), len(batches))
"""

DONE = """
import sys, time
sys.path.insert(0, {root!r})
from radcore.cohort.worker import peak_rss_mb
from radcore.io.dataset import done_cases
t = time.perf_counter()
done = done_cases({dataset!r}, "h")
print(time.perf_counter() - t, peak_rss_mb(), len(done))
"""

COMPACT = """
import sys, time
sys.path.insert(0, {root!r})
from radcore.cohort.worker import peak_rss_mb
from radcore.io.compact import compact
t = time.perf_counter()
read, written = compact({dataset!r}, "h")
print(time.perf_counter() - t, peak_rss_mb(), written)
"""

QUERY = """
import sys, time
import duckdb
features = "read_parquet('{dataset}/features/**/*.parquet', hive_partitioning=true, union_by_name=true)"
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
t = time.perf_counter()
con.sql(f"select avg(f0001), stddev(f0001) from {{features}}").fetchall()
aggregate = time.perf_counter() - t
t = time.perf_counter()
rows = con.sql(f"select * from {{features}} where case_id = 'case{case:07d}'").fetchall()
lookup = time.perf_counter() - t
print(aggregate, lookup, len(rows))
"""


def _run(script: str) -> list[float]:
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    return [float(v) for v in out.stdout.split()]


def write_manifest(path: Path, rows: int) -> None:
    with path.open("w") as fh:
        fh.write("case_id,image,mask,site\n")
        for i in range(rows):
            fh.write(f"case{i:07d},/data/images/case{i:07d}.nii.gz,/data/masks/case{i:07d}.nii.gz,s{i % 7}\n")


def write_dataset(dataset: Path, rows: int, files: int, features: int) -> None:
    """A features partition of ``rows`` rows in ``files`` batch files with the workers' schema, published as
    the workers publish theirs (:func:`radcore.io.dataset.write_batch_table`)."""
    import datetime

    import numpy as np
    import pyarrow as pa

    from radcore.io.dataset import feature_schema, write_batch_table

    columns = [f"f{k:04d}" for k in range(features)]
    schema = feature_schema(["site"], columns)
    rng = np.random.default_rng(0)
    per_file = rows // files
    now = datetime.datetime.now(datetime.timezone.utc)
    for b in range(files):
        ids = range(b * per_file, (b + 1) * per_file)
        data = {
            "case_id": [f"case{i:07d}" for i in ids], "label": [1] * per_file, "site": [f"s{i % 7}" for i in ids],
            "radcore_version": ["bench"] * per_file, "image_digest": ["sha256:x"] * per_file,
            "mask_digest": ["sha256:y"] * per_file, "extracted_at": [now] * per_file,
            "extraction_seconds": [0.1] * per_file,
        }
        values = rng.normal(size=(features, per_file))
        data.update(zip(columns, values))
        write_batch_table(dataset, "h", f"batch-{b:06d}", pa.table(data, schema=schema), None)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--manifest-rows", type=int, default=1_000_000)
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--files", type=int, default=1_000)
    p.add_argument("--features", type=int, default=1_100)
    p.add_argument("--keep", help="folder to build in and keep (default: a temporary one)")
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="radcore-scale-") as tmp:
        folder = Path(args.keep or tmp)
        folder.mkdir(parents=True, exist_ok=True)
        report: dict[str, float] = {}
        manifest = folder / "manifest.csv"
        if not manifest.exists():
            write_manifest(manifest, args.manifest_rows)
        seconds, peak, batches = _run(PLAN.format(root=str(ROOT), manifest=str(manifest)))
        report.update({"plan_rows": args.manifest_rows, "plan_seconds": seconds, "plan_peak_mb": peak,
                       "plan_batches": batches})
        dataset = folder / "dataset"
        if not dataset.exists():
            write_dataset(dataset, args.rows, args.files, args.features)
        seconds, peak, done = _run(DONE.format(root=str(ROOT), dataset=str(dataset)))
        report.update({"done_rows": done, "done_files": args.files, "done_seconds": seconds, "done_peak_mb": peak})
        aggregate, lookup, found = _run(QUERY.format(dataset=str(dataset), case=args.rows // 2))
        report.update({"duckdb_aggregate_seconds": aggregate, "duckdb_lookup_seconds": lookup,
                       "duckdb_lookup_rows": found})
        seconds, peak, _ = _run(COMPACT.format(root=str(ROOT), dataset=str(dataset)))
        report.update({"compact_seconds": seconds, "compact_peak_mb": peak})
        aggregate, lookup, found = _run(QUERY.format(dataset=str(dataset), case=args.rows // 2))
        report.update({"compacted_duckdb_aggregate_seconds": aggregate, "compacted_duckdb_lookup_seconds": lookup,
                       "compacted_duckdb_lookup_rows": found})
        seconds, _, done = _run(DONE.format(root=str(ROOT), dataset=str(dataset)))
        report.update({"compacted_done_seconds": seconds, "compacted_done_rows": done})
        print(json.dumps(report, indent=1))
    record("scale", report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
