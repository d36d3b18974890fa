"""Engine speed on the IBSI CT phantom: seconds per case and per family, single thread.

    python benchmarks/engine.py [--repeats 5] [--configs c e] [--skip-compile]

Reports, for IBSI configurations C and E (configs/ibsi1/config_{c,e}.yaml):

- per case: one whole ``extract_volumes`` (preprocessing + every family), after a warm-up run;
- per stage: ``prepare`` (interpolation, resegmentation, diagnostics; and without the ``diagnostics``
  family, which skips interpolating the whole image), discretisation and each family's ``compute``
  called directly on the prepared ROI;
- numba start-up: a fresh process with an empty ``NUMBA_CACHE_DIR`` extracting the digital phantom with
  every family (cold compile), then a second process on the now warm cache.

Times are medians of ``--repeats`` runs. NUMBA_NUM_THREADS is 1 unless set otherwise before starting.
"""

from __future__ import annotations

import os

os.environ.setdefault("NUMBA_NUM_THREADS", "1")  # before numba is imported

import argparse  # noqa: E402
import dataclasses  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DATA = ROOT / "tests" / "data" / "ibsi1"
CT = (DATA / "ct_phantom/nifti/image/phantom.nii.gz", DATA / "ct_phantom/nifti/mask/mask.nii.gz")
DIGITAL = (DATA / "digital_phantom/nifti/image/phantom.nii.gz", DATA / "digital_phantom/nifti/mask/mask.nii.gz")
CONFIGS = ROOT / "configs" / "ibsi1"

_STARTUP = """
import time, sys
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
import radcore
t1 = time.perf_counter()
radcore.extract({image!r}, {mask!r}, config={config!r})
t2 = time.perf_counter()
print(f"{{t1 - t0}} {{t2 - t1}}")
"""


def median_time(fn, repeats: int) -> float:
    """Median wall time (s) of ``repeats`` calls of ``fn``."""
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def bench_config(name: str, repeats: int) -> dict[str, float]:
    """Seconds per case and per stage/family of one configuration on the CT phantom."""
    from radcore.features.registry import family
    from radcore.io.config import load_settings
    from radcore.io.images import load_case
    from radcore.pipeline import extract_volumes
    from radcore.preprocess import prepare
    from radcore.preprocess.discretise import discretise

    s = load_settings(CONFIGS / f"config_{name}.yaml")
    image, mask = load_case(*CT)
    extract_volumes(image, mask, s)  # warm-up: compile / load every kernel
    out = {"case": median_time(lambda: extract_volumes(image, mask, s), repeats)}
    out["prepare"] = median_time(lambda: prepare(image, mask, s), repeats)
    no_diag = dataclasses.replace(s, families=tuple(f for f in s.families if f != "diagnostics"))
    out["prepare_no_diagnostics"] = median_time(lambda: prepare(image, mask, no_diag), repeats)
    roi = prepare(image, mask, s)
    lower = s.resegmentation.range[0] if s.resegmentation.range else None
    out["discretise"] = median_time(lambda: discretise(roi, s.discretisation, lower), repeats)
    disc = discretise(roi, s.discretisation, lower)
    for fam in s.families:
        compute = family(fam).compute
        out[fam] = median_time(lambda: compute(roi, disc, s), repeats)
    out["roi_voxels"] = float(roi.int_mask.sum())
    return out


def startup_times() -> dict[str, float]:
    """(import, first extraction) seconds of a cold-cache process and of a warm-cache process."""
    script = _STARTUP.format(root=str(ROOT), image=str(DIGITAL[0]), mask=str(DIGITAL[1]),
                             config=str(CONFIGS / "digital_phantom.yaml"))
    out = {}
    with tempfile.TemporaryDirectory(prefix="radcore-numba-cache-") as cache:
        env = {**os.environ, "NUMBA_CACHE_DIR": cache, "NUMBA_NUM_THREADS": "1"}
        for label in ("cold", "warm"):
            t = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
            wall = time.perf_counter() - t
            imp, first = (float(v) for v in res.stdout.split()[-2:])
            out[f"{label}_process_wall"] = wall
            out[f"{label}_import"] = imp
            out[f"{label}_first_extract"] = first
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--configs", nargs="+", default=["c", "e"])
    p.add_argument("--skip-compile", action="store_true", help="skip the cold/warm numba start-up runs")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    args = p.parse_args(argv)
    report: dict[str, dict[str, float]] = {}
    if not args.skip_compile:
        report["startup"] = startup_times()
    for name in args.configs:
        report[f"config_{name}"] = bench_config(name, args.repeats)
    if args.json:
        print(json.dumps(report, indent=1))
        return 0
    print(f"NUMBA_NUM_THREADS={os.environ['NUMBA_NUM_THREADS']}  repeats={args.repeats} (median)")
    for section, values in report.items():
        print(f"\n[{section}]")
        for key, value in values.items():
            unit = "" if key == "roi_voxels" else " s"
            print(f"  {key:<22} {value:10.4f}{unit}" if unit else f"  {key:<22} {value:10.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
