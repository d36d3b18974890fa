"""radcore against MIRP on CT cases with IBSI-1 configuration C, side by side, one thread each.

Usage::

    python -m venv /tmp/venv-mirp && /tmp/venv-mirp/bin/pip install mirp     # once: MIRP in its own venv
    python benchmarks/vs_mirp.py --mirp-python /tmp/venv-mirp/bin/python [--repeats 3] [--cases 6]

The cases are the IBSI-1 CT radiomics phantom (its GTV) and synthetic CT-like cases of
:func:`radcore.cohort.synthetic.ct_like_case` (a lesion in a body with lungs), written as NIfTI. Both tools
read the same files and compute every IBSI-1 family with configuration C: 2 x 2 x 2 mm trilinear
interpolation (no anti-aliasing), mask threshold 0.5, intensities rounded, resegmentation [-1000, 400] HU,
fixed bin size 25 HU, IVH bins of 2.5 HU, 3D matrices (averaged and merged). MIRP runs in its own Python
(its dependencies do not install beside radcore's), started once; its per-case time is measured inside
that process, so neither tool pays for imports or start-up. radcore runs in this process after one
warm-up case (numba compiles on first use and caches on disk). Repeats alternate between the tools, so a
burst of load on a shared machine slows both. Prints the median seconds per case of each and the ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _record import record

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import SimpleITK as sitk  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import radcore  # noqa: E402
from radcore.cohort.synthetic import ct_like_case  # noqa: E402

CONFIG_C = ROOT / "configs" / "ibsi1" / "config_c.yaml"
PHANTOM = ROOT / "tests" / "data" / "ibsi1" / "ct_phantom" / "nifti"

#: MIRP's settings for configuration C (its keyword arguments)
MIRP_CONFIG_C = dict(
    by_slice=False,
    new_spacing=2.0,
    spline_order=1,
    anti_aliasing=False,
    roi_spline_order=1,
    roi_interpolation_mask_inclusion_threshold=0.5,
    resegmentation_intensity_range=[-1000.0, 400.0],
    base_feature_families="all",
    base_discretisation_method="fixed_bin_size",
    base_discretisation_bin_width=25.0,
    ivh_discretisation_method="fixed_bin_size",
    ivh_discretisation_bin_width=2.5,
    glcm_spatial_method=["3d_average", "3d_volume_merge"],
    glrlm_spatial_method=["3d_average", "3d_volume_merge"],
    glszm_spatial_method="3d",
    gldzm_spatial_method="3d",
    ngtdm_spatial_method="3d",
    ngldm_spatial_method="3d",
)

#: run inside MIRP's Python: reads the case list on stdin, prints {"case": [seconds per repeat]} as JSON
MIRP_RUNNER = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import mirp
job = json.load(sys.stdin)
times = {}
for rep in range(job["repeats"]):
    for name, image, mask in job["cases"]:
        start = time.perf_counter()
        mirp.extract_features(image=image, mask=mask, image_modality="CT", **job["config"])
        times.setdefault(name, []).append(time.perf_counter() - start)
print(json.dumps(times))
"""


def write_cases(folder: Path, n: int) -> list[tuple[str, str, str]]:
    """(name, image path, mask path): the CT phantom and n - 1 synthetic CT-like cases."""
    cases = [("ct_phantom", str(PHANTOM / "image" / "phantom.nii.gz"), str(PHANTOM / "mask" / "mask.nii.gz"))]
    for k in range(n - 1):
        image, mask = ct_like_case((60, 200, 200), seed=k, lesion_radius_mm=14.0 + 3 * k)
        paths = []
        for part, vol in (("image", image), ("mask", mask)):
            itk = sitk.GetImageFromArray(vol.array)
            itk.SetSpacing(tuple(float(s) for s in vol.spacing[::-1]))
            path = folder / f"synthetic{k}_{part}.nii.gz"
            sitk.WriteImage(itk, str(path))
            paths.append(str(path))
        cases.append((f"synthetic{k}", *paths))
    return cases


def time_radcore(cases, repeats: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {}
    for _ in range(repeats):
        for name, image, mask in cases:
            start = time.perf_counter()
            radcore.extract(image, mask, config=CONFIG_C)
            times.setdefault(name, []).append(time.perf_counter() - start)
    return times


def time_mirp(python: str, cases, repeats: int) -> dict[str, list[float]]:
    job = json.dumps({"cases": cases, "repeats": repeats, "config": MIRP_CONFIG_C})
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([python, "-c", MIRP_RUNNER], input=job, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"MIRP failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirp-python", required=True, help="the Python of a venv with mirp installed")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cases", type=int, default=6)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        cases = write_cases(Path(tmp), args.cases)
        time_radcore(cases[:1], 1)  # warm-up: numba compiles or loads its cache
        time_mirp(args.mirp_python, cases[:1], 1)  # warm-up: MIRP's own first-call costs
        radcore_times: dict[str, list[float]] = {}
        mirp_times: dict[str, list[float]] = {}
        for _ in range(args.repeats):  # alternate the tools
            for name, t in time_radcore(cases, 1).items():
                radcore_times.setdefault(name, []).extend(t)
            for name, t in time_mirp(args.mirp_python, cases, 1).items():
                mirp_times.setdefault(name, []).extend(t)
    print(f"IBSI-1 configuration C, one thread each, median of {args.repeats} repeats (s per case)")
    print(f"{'case':14s} {'radcore':>9s} {'MIRP':>9s} {'ratio':>7s}")
    total_r = total_m = 0.0
    for name, _, _ in cases:
        r, m = statistics.median(radcore_times[name]), statistics.median(mirp_times[name])
        total_r, total_m = total_r + r, total_m + m
        print(f"{name:14s} {r:9.3f} {m:9.2f} {m / r:6.1f}x")
    print(f"{'all cases':14s} {total_r:9.3f} {total_m:9.2f} {total_m / total_r:6.1f}x")
    ratios = [statistics.median(mirp_times[n]) / statistics.median(radcore_times[n]) for n, _, _ in cases]
    print(f"median of the per-case ratios: {statistics.median(ratios):.1f}x (a case MIRP is slow on weighs "
          "heavily in the total)")
    rows = [[name, f"{statistics.median(radcore_times[name]):.3f}", f"{statistics.median(mirp_times[name]):.2f}",
             f"{statistics.median(mirp_times[name]) / statistics.median(radcore_times[name]):.1f}x"]
            for name, _, _ in cases]
    record("vs_mirp", {"median of the per-case ratios": f"{statistics.median(ratios):.1f}x",
                       "all cases: radcore, MIRP": f"{total_r:.3f} s, {total_m:.2f} s ({total_m / total_r:.1f}x)"},
           table={"columns": ["case", "radcore s", "MIRP s", "ratio"], "rows": rows},
           notes=[f"IBSI-1 configuration C, one thread each, medians of {args.repeats} repeats."])


if __name__ == "__main__":
    main()
