"""A cohort worker on PyRadiomics params: peak memory and time per case, crop around the ROI vs whole image.

    python benchmarks/pyradiomics_crop.py --shape 300 512 512 --repeats 3

Writes one synthetic int16 CT (``--shape``, small lesion) to a store twice: as ingest writes it now (with
the whole image's normalisation statistics, so a worker reads only the box its ROI's features depend on)
and with those statistics removed, as stores were written before them (the worker reads the whole
image, as every PyRadiomics-params worker did before). Each run is a fresh process that runs the case
twice through :func:`radcore.cohort.worker.run_case` (the first warms numba's caches) and reports its
peak resident memory (:func:`radcore.cohort.worker.peak_rss_mb`) and the
second run's seconds; the figures printed are medians over ``--repeats``
processes. The features of the two runs are checked equal.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _record import record

import zarr

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from radcore.cohort.synthetic import ct_like_case  # noqa: E402
from radcore.io.store import group_name, write_case  # noqa: E402

PARAMS = {
    "setting": {"binWidth": 0.1, "normalize": True, "resampledPixelSpacing": [1, 1, 1],
                "interpolator": "sitkBSpline", "sigma": [1.0, 3.0]},
    "imageType": {"Original": {}, "LoG": {}, "Wavelet": {}},
    "featureClass": {"firstorder": None, "glcm": None, "glszm": None, "shape": None},
}

CHILD = """
import json, sys
from radcore.cohort.plan import CaseJob
from radcore.cohort.worker import JobSpec, peak_rss_mb, run_case
from radcore.io.config import load_settings
from radcore.settings import settings_hash
store, params = sys.argv[1], json.loads(sys.argv[2])
settings = load_settings(params)
spec = JobSpec(store, store + "-out", settings, settings_hash(settings), naming="pyradiomics", qc_pictures=False)
job = CaseJob("ct", (1,))
run_case(job, spec)
rows, errors, seconds = run_case(job, spec)
assert not errors, errors
print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(),
                  "features": {k: v for k, v in rows[0].items() if "_" in k and isinstance(v, float)
                               and not k.startswith(("qc_", "extraction_"))}}))
"""


def run(store: Path) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = subprocess.run([sys.executable, "-c", CHILD, str(store), json.dumps(PARAMS)], env=env, check=True,
                         capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--shape", type=int, nargs=3, default=(300, 512, 512), metavar=("Z", "Y", "X"))
    p.add_argument("--lesion-mm", type=float, default=10.0)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="radcore-crop-") as tmp:
        crop_store, whole_store = Path(tmp) / "crop", Path(tmp) / "whole"
        image, mask = ct_like_case(tuple(args.shape), seed=1, lesion_radius_mm=args.lesion_mm)
        write_case(crop_store, "ct", image, mask, labels=(1,), modality="CT")
        del image, mask
        shutil.copytree(crop_store, whole_store)
        group = zarr.open_group(str(whole_store / group_name("ct")), mode="r+")
        attrs = dict(group.attrs["radcore"])
        del attrs["normalisation"]
        group.attrs["radcore"] = attrs
        figures = {}
        for name, store in (("whole image (before)", whole_store), ("crop (now)", crop_store)):
            runs = [run(store) for _ in range(args.repeats)]
            figures[name] = runs
            print(f"{name:22s} peak RSS {statistics.median(r['peak_rss_mb'] for r in runs):7.0f} MB   "
                  f"{statistics.median(r['seconds'] for r in runs):6.2f} s/case   (median of {len(runs)})")
        before, now = (figures[k][0]["features"] for k in figures)
        same = before.keys() == now.keys() and all(before[k] == now[k] for k in before)
        print(f"shape {tuple(args.shape)} int16, {len(now)} features, equal: {same}")
    record("pyradiomics_crop", {
        f"{name}: peak RSS, seconds per case": f"{statistics.median(r['peak_rss_mb'] for r in runs):.0f} MB, "
                                               f"{statistics.median(r['seconds'] for r in runs):.2f} s"
        for name, runs in figures.items()} | {"features equal": "yes" if same else "NO"},
        notes=[f"{' x '.join(map(str, args.shape))} int16 CT, a {args.lesion_mm:g} mm lesion, {len(now)} features; "
               f"medians of {args.repeats} processes."])
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
