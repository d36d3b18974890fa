"""The cohort report on a large dataset: seconds, peak memory and HTML size.

    python benchmarks/report.py [--rows 10000] [--features 1100] [--files 100] [--keep FOLDER]

Writes a synthetic dataset as a cohort run would (:func:`radcore.cohort.synthetic.write_synthetic_dataset`:
``--rows`` cases in ``--files`` batch files, ``--features`` feature columns, a QC picture per case, 1 %
failures, a site with a batch effect and planted broken cases), then builds its report in a fresh process
(so the peak memory is the report's own) and prints the figures as JSON, with whether the planted broken
cases and the shifted site came out flagged. Targets: under a minute and under 10 MB of HTML for 10^4 cases.

Last runs here (2 cores shared with other jobs, defaults): the report in 13-23 s (DuckDB reading the 100
files about 5 s of it), peak 0.8 GB, 2.3 MB of HTML; 20/20 planted broken cases flagged ``outlier`` and
2000/2000 cases of the shifted site ``group_shift``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _record import record

ROOT = Path(__file__).resolve().parents[1]

BUILD = """
import json, sys, time
sys.path.insert(0, {root!r})
from radcore.cohort.worker import peak_rss_mb
from radcore.report import build_report
t = time.perf_counter()
s = build_report({dataset!r})
print(json.dumps({{"seconds": time.perf_counter() - t, "peak_mb": peak_rss_mb(),
                  "bytes": s.size_bytes, "cases": s.cases, "failed": s.failed, "flag_counts": s.flag_counts,
                  "flagged": [c for c, _, _ in s.flagged]}}))
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--rows", type=int, default=10_000)
    p.add_argument("--features", type=int, default=1_100)
    p.add_argument("--files", type=int, default=100)
    p.add_argument("--keep", help="folder to build in and keep (default: a temporary one)")
    args = p.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from radcore.cohort.synthetic import write_synthetic_dataset

    with tempfile.TemporaryDirectory(prefix="radcore-report-") as tmp:
        dataset = Path(args.keep or tmp) / "dataset"
        start = time.perf_counter()
        planted = write_synthetic_dataset(dataset, args.rows, args.features, args.files)
        written = time.perf_counter() - start
        out = subprocess.run([sys.executable, "-c", BUILD.format(root=str(ROOT), dataset=str(dataset))],
                             capture_output=True, text=True, check=True)
        result = json.loads(out.stdout)
        flagged = set(result.pop("flagged"))
        figures = {
            "rows": args.rows, "features": args.features, "files": args.files,
            "dataset_seconds": round(written, 1), "report_seconds": round(result["seconds"], 2),
            "report_peak_mb": round(result["peak_mb"]), "report_mb": round(result["bytes"] / 1e6, 2),
            "cases": result["cases"], "failed": result["failed"], "flag_counts": result["flag_counts"],
            "planted_outliers_flagged": f"{len(flagged & set(planted['outliers']))}/{len(planted['outliers'])}",
            "shifted_site_flagged": f"{len(flagged & set(planted['shifted_site']))}/{len(planted['shifted_site'])}",
        }
        print(json.dumps(figures, indent=1))
    record("report", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
