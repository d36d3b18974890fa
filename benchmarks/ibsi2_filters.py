"""IBSI-2 filters on the CT radiomics phantom: radcore against MIRP, side by side, one thread each.

    python benchmarks/ibsi2_filters.py [--repeats 3] [--configs 2A 5B ...] [--mirp-python PATH] [--mirp-repeats 1]

For each filter of the phase-2 configurations (``configs/ibsi2/phase2``: mean, LoG, Laws, Gabor, db3
wavelets, Simoncelli; 2D = ``A``, 3D = ``B`` on the 1 mm grid) the whole preprocessed image (204 x 201 x 60
voxels, or 200 x 197 x 180 after interpolation) is filtered. radcore: the median of ``--repeats`` runs of the
filter alone after a warm-up, from the preprocessed image in memory.

MIRP (``pip install mirp``) is run, if ``--mirp-python`` names a Python that imports it (e.g. a separate
venv: ``python -m venv --system-site-packages /work/venv-mirp && /work/venv-mirp/bin/pip install mirp``;
the default is that path when it exists), in a subprocess through its public ``extract_images``, which
reads, preprocesses and filters the image in one call; its filter time is the time spent in its filter
classes' ``transform`` (wrapped with a timer), median of ``--mirp-repeats`` runs after a warm-up. Printed
per configuration: both times, radcore's speed-up, and the largest difference between the two response
maps over the voxels of the ROI (MIRP's mask on its grid), also relative to the map's largest value there;
then how much the two preprocessed images differ. The two interpolate in their own ways, so small
differences in 3D are expected; in 2D (no interpolation) the maps agree to float32 rounding except
Simoncelli, whose transfer function MIRP builds on a grid with its first two axes swapped and zooms to
the image's shape (identical on the cubic phase-1 phantoms; radcore follows the IBSI definition per axis).
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
             "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS"):
    os.environ[_var] = "1"  # before numba, numpy and SimpleITK are imported

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from _record import record  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from radcore import image_types  # noqa: E402
from radcore.filters import ibsi2  # noqa: E402
from radcore.io.images import read_image, to_volume  # noqa: E402
from radcore.response_maps import preprocessed_image  # noqa: E402
from radcore.roi import RoiImage  # noqa: E402
from radcore.io.config import load_settings as load  # noqa: E402

CT = ROOT / "tests" / "data" / "ibsi1" / "ct_phantom" / "nifti"
CONFIGS = ROOT / "configs" / "ibsi2" / "phase2"
FILTERED = [f"{n}{d}" for n in range(2, 10) for d in "AB"]
DEFAULT_MIRP = Path("/work/venv-mirp/bin/python")

#: MIRP's extract_images arguments for each configuration's filter (MIRP 2.x names)
MIRP_FILTERS = {
    "2": {"filter_kernels": "mean", "mean_filter_kernel_size": 5},
    "3": {"filter_kernels": "laplacian_of_gaussian", "laplacian_of_gaussian_sigma": 1.5,
          "laplacian_of_gaussian_kernel_truncate": 4.0},
    "4": {"filter_kernels": "laws", "laws_delta": 7, "laws_compute_energy": True, "laws_rotation_invariance": True,
          "laws_pooling_method": "max"},
    "5": {"filter_kernels": "gabor", "gabor_sigma": 5.0, "gabor_gamma": 1.5, "gabor_lambda": 2.0, "gabor_theta": 0.0,
          "gabor_theta_step": 22.5, "gabor_response": "modulus", "gabor_rotation_invariance": True,
          "gabor_pooling_method": "mean"},
    "6": {"filter_kernels": "separable_wavelet", "separable_wavelet_families": "db3",
          "separable_wavelet_decomposition_level": 1, "separable_wavelet_rotation_invariance": True,
          "separable_wavelet_pooling_method": "mean"},
    "7": {"filter_kernels": "separable_wavelet", "separable_wavelet_families": "db3",
          "separable_wavelet_decomposition_level": 2, "separable_wavelet_rotation_invariance": True,
          "separable_wavelet_pooling_method": "mean"},
    "8": {"filter_kernels": "nonseparable_wavelet", "nonseparable_wavelet_families": "simoncelli",
          "nonseparable_wavelet_decomposition_level": 1, "nonseparable_wavelet_response": "real"},
    "9": {"filter_kernels": "nonseparable_wavelet", "nonseparable_wavelet_families": "simoncelli",
          "nonseparable_wavelet_decomposition_level": 2, "nonseparable_wavelet_response": "real"},
}
MIRP_EXTRA = {"4A": {"laws_kernel": "L5E5"}, "4B": {"laws_kernel": "L5E5E5"},
              "6A": {"separable_wavelet_set": "LH"}, "6B": {"separable_wavelet_set": "LLH"},
              "7A": {"separable_wavelet_set": "HH"}, "7B": {"separable_wavelet_set": "HHH"}}
MIRP_GRID = {"A": {"by_slice": True},
             "B": {"by_slice": False, "new_spacing": 1.0, "spline_order": 3, "anti_aliasing": False}}

MIRP_SCRIPT = r'''
import json, logging, statistics, sys, time, warnings
import numpy as np
warnings.filterwarnings("ignore")
logging.disable(logging.CRITICAL)
from mirp import extract_images
from mirp._imagefilters import (gabor, laplacian_of_gaussian, laws, mean, nonseparable_wavelet,
                                separable_wavelet)
image, mask, jobs, repeats, out = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), int(sys.argv[4]), sys.argv[5]

# time MIRP's filters themselves: wrap the transform method of each filter class (outermost call only)
spent = [0.0, 0]
def timed(method):
    def wrapper(self, *args, **kwargs):
        spent[1] += 1
        start = time.perf_counter()
        try:
            return method(self, *args, **kwargs)
        finally:
            spent[1] -= 1
            if spent[1] == 0:
                spent[0] += time.perf_counter() - start
    return wrapper
for cls in (mean.MeanFilter, laplacian_of_gaussian.LaplacianOfGaussianFilter, laws.LawsFilter, gabor.GaborFilter,
            separable_wavelet.SeparableWaveletFilter, nonseparable_wavelet.NonseparableWaveletFilter):
    cls.transform = timed(cls.transform)

def run(kwargs):
    spent[0] = 0.0
    result = extract_images(image=image, mask=mask, image_export_format="numpy", export_images=True,
                            write_images=False, boundary_condition="mirror", num_cpus=1, **kwargs)
    return spent[0], result[0]

results = {}
for name, kwargs in jobs.items():
    run(kwargs)  # warm-up
    times = []
    for _ in range(repeats):
        seconds, (images, masks) = run(kwargs)
        times.append(seconds)
    np.save(f"{out}/{name}_map.npy", images[-1])
    np.save(f"{out}/{name}_mask.npy", masks[0])
    np.save(f"{out}/{name[-1]}_image.npy", images[0])
    results[name] = statistics.median(times)
print(json.dumps(results))
'''


def radcore_times(config_ids: list[str], repeats: int) -> dict[str, tuple[float, np.ndarray]]:
    """Median seconds of each configuration's filter on the whole preprocessed CT, and its map."""
    image = to_volume(read_image(CT / "image" / "phantom.nii.gz"))
    grids: dict[str, object] = {}
    out = {}
    for config_id in config_ids:
        settings = load(CONFIGS / f"{config_id}.yaml")
        grid = config_id[-1]
        if grid not in grids:
            grids[grid] = preprocessed_image(image, settings)
        pre = grids[grid]
        everywhere = np.ones(pre.array.shape, bool)
        roi = RoiImage(pre.array, everywhere, everywhere, tuple(pre.spacing))
        (image_type,) = settings.image_types
        ((_, response),) = image_types.responses(roi, image_type)  # warm-up (numba compilation, caches)
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            ((_, response),) = image_types.responses(roi, image_type)
            times.append(time.perf_counter() - start)
        out[config_id] = (statistics.median(times), response)
    return out


def mirp_times(python: Path, config_ids: list[str], repeats: int, folder: Path) -> dict | None:
    """MIRP's filter times (s) per configuration, its maps saved in ``folder``; None if MIRP is missing."""
    if not python.exists() or subprocess.run([str(python), "-c", "import mirp"], capture_output=True).returncode:
        return None
    jobs = {c: {**MIRP_GRID[c[-1]], **MIRP_FILTERS[c[0]], **MIRP_EXTRA.get(c, {})} for c in config_ids}
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    done = subprocess.run(
        [str(python), "-c", MIRP_SCRIPT, str(CT / "image" / "phantom.nii.gz"), str(CT / "mask" / "mask.nii.gz"),
         json.dumps(jobs), str(repeats), str(folder)],
        capture_output=True, text=True, env=env, check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", nargs="+", default=FILTERED, choices=FILTERED)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--mirp-python", type=Path, default=DEFAULT_MIRP)
    parser.add_argument("--mirp-repeats", type=int, default=1)
    args = parser.parse_args(argv)

    ours = radcore_times(args.configs, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        theirs = mirp_times(args.mirp_python, args.configs, args.mirp_repeats, Path(tmp))
        print(f"{'config':<7}{'filter':<52}{'radcore s':>10}{'MIRP s':>10}{'speed-up':>10}"
              f"{'max |diff| in ROI':>20}{'relative':>10}")
        rows, notes = [], []
        for config_id in args.configs:
            seconds, response = ours[config_id]
            (image_type,) = load(CONFIGS / f"{config_id}.yaml").image_types
            label = ibsi2.response_name(image_type.name, dict(image_type.options))[:50]
            row = f"{config_id:<7}{label:<52}{seconds:>10.3f}"
            rows.append([config_id, label, f"{seconds:.3f}"])
            if theirs is not None:
                mirp = theirs[config_id]
                other = np.load(Path(tmp) / f"{config_id}_map.npy")
                roi = np.load(Path(tmp) / f"{config_id}_mask.npy").astype(bool)
                if other.shape == response.shape:
                    diff = np.abs(other - response)[roi].max()
                    scale = np.abs(response[roi]).max() or 1.0
                    row += f"{mirp:>10.3f}{mirp / seconds:>10.1f}{diff:>20.4g}{diff / scale:>10.2g}"
                    rows[-1] += [f"{mirp:.3f}", f"{mirp / seconds:.1f}x", f"{diff:.4g}", f"{diff / scale:.2g}"]
                else:
                    row += f"{mirp:>10.3f}{mirp / seconds:>10.1f}{'shape ' + str(other.shape):>30}"
                    rows[-1] += [f"{mirp:.3f}", f"{mirp / seconds:.1f}x", f"MIRP's map {other.shape}", ""]
            print(row, flush=True)
        if theirs is None:
            print(f"MIRP not measured: {args.mirp_python} does not import mirp")
            notes.append("MIRP not measured (no Python importing mirp).")
        else:
            image = to_volume(read_image(CT / "image" / "phantom.nii.gz"))
            for grid, config_id in {c[-1]: c for c in args.configs}.items():
                other = np.load(Path(tmp) / f"{grid}_image.npy")
                roi = np.load(Path(tmp) / f"{config_id}_mask.npy").astype(bool)
                ours_image = preprocessed_image(image, load(CONFIGS / f"{config_id}.yaml")).array
                if other.shape == ours_image.shape:
                    print(f"grid {grid}: preprocessed images differ by up to {np.abs(other - ours_image)[roi].max():.4g} "
                          f"in the ROI (mean {np.abs(other - ours_image)[roi].mean():.3g})")
                    notes.append(f"Grid {grid}: the preprocessed images differ by up to "
                                 f"{np.abs(other - ours_image)[roi].max():.4g} in the ROI.")
    columns = ["config", "filter", "radcore s"] + (["MIRP s", "speed-up", "max diff in ROI", "relative"]
                                                   if theirs is not None else [])
    record("ibsi2_filters", {"configurations": len(rows), "radcore repeats (median)": args.repeats,
                             "MIRP repeats (median)": args.mirp_repeats if theirs is not None else "not run"},
           table={"columns": columns, "rows": rows}, notes=notes)


if __name__ == "__main__":
    main()
