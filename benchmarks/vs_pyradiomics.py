"""radcore against PyRadiomics on the same CT-like cases with the same params file, one thread each.

    python benchmarks/vs_pyradiomics.py [--spacing 1] [--repeats 3] [--params FILE] [--mr] [--realistic N]
                                        [--cases NAME ...]

Needs the optional extra ``pyradiomics`` (``pip install 'radcore[pyradiomics]'``, the
``pyradiomics-bhklab`` wheel). Cases: the IBSI CT phantom with its GTV, and the same CT with two spherical
ROIs (radius 15 and 25 mm) in soft tissue; ``--mr`` adds PyRadiomics' brain1, brain2 and breast1;
``--realistic N`` adds N clinical-sized CTs (``benchmarks/_realistic.py``: 512 x 512 x 100-300 int16, ROIs
of 10^3-10^5 voxels) given to both as their ``.nii.gz`` files, so that reading them is timed too.
Params (unless ``--params``): Original + LoG (sigma 1, 3, 5 mm) + Wavelet (coif1), resampling to
``--spacing`` mm with B-splines, binWidth 25, every default feature class. Both run in this process
on one thread after a warm-up run, their repeats alternating (a burst of load on a shared machine
then slows both); times are medians of ``--repeats``. Printed per case: seconds of each, the median of
the per-repeat ratios, and the fraction of PyRadiomics' features radcore reproduces within a relative
1e-4 (or 1e-9 absolute near zero); ``diagnostics_*`` entries are not features and are left out.
"""

from __future__ import annotations

import os

for _var in ("NUMBA_NUM_THREADS", "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS", "OMP_NUM_THREADS",
             "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # before numba, numpy and SimpleITK are imported

import argparse  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

from _record import record  # noqa: E402

import numpy as np  # noqa: E402
import SimpleITK as sitk  # noqa: E402
import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import radcore  # noqa: E402
from radcore.io.config import load_settings as load  # noqa: E402

DATA = ROOT / "tests" / "data"
REL, ABS = 1e-4, 1e-9


def default_params(spacing: float) -> dict:
    return {
        "imageType": {"Original": {}, "LoG": {"sigma": [1.0, 3.0, 5.0]}, "Wavelet": {}},
        "featureClass": {c: None for c in ("shape", "firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm")},
        "setting": {
            "binWidth": 25, "interpolator": "sitkBSpline", "resampledPixelSpacing": [spacing] * 3,
            "padDistance": 10, "voxelArrayShift": 1000, "label": 1,
        },
    }


def _sphere_mask(image: sitk.Image, centre_index: tuple[int, int, int], radius_mm: float) -> sitk.Image:
    z, y, x = np.indices(sitk.GetArrayViewFromImage(image).shape, dtype=float)
    sx, sy, sz = image.GetSpacing()
    cx, cy, cz = centre_index
    inside = ((x - cx) * sx) ** 2 + ((y - cy) * sy) ** 2 + ((z - cz) * sz) ** 2 <= radius_mm**2
    mask = sitk.GetImageFromArray(inside.astype(np.uint8))
    mask.CopyInformation(image)
    return mask


def cases(include_mr: bool, realistic: int = 0, folder: Path | None = None) -> list[tuple[str, object, object]]:
    ct = sitk.ReadImage(str(DATA / "ibsi1" / "ct_phantom" / "nifti" / "image" / "phantom.nii.gz"))
    gtv = sitk.ReadImage(str(DATA / "ibsi1" / "ct_phantom" / "nifti" / "mask" / "mask.nii.gz"))
    out = [
        ("ct_gtv", ct, gtv),
        ("ct_sphere15", ct, _sphere_mask(ct, (100, 100, 30), 15.0)),
        ("ct_sphere25", ct, _sphere_mask(ct, (110, 95, 28), 25.0)),
    ]
    if include_mr:
        pr = DATA / "pyradiomics"
        for name in ("brain1", "brain2", "breast1"):
            out.append((name, sitk.ReadImage(str(pr / f"{name}_image.nrrd")), sitk.ReadImage(str(pr / f"{name}_label.nrrd"))))
    if realistic:
        from _realistic import write_realistic_cohort

        out += [(case, str(image), str(mask)) for case, image, mask in write_realistic_cohort(folder, realistic)]
    return out


def _timed_pair(first, second, repeats: int):
    """Median seconds of ``first`` and ``second``, the median of their per-repeat ratios, and each one's last
    result. Both are warmed up first (numba compilation, caches); the repeats alternate between them, so
    a burst of load on a shared machine slows both rather than one."""
    first()
    second()
    t_first, t_second, ratios = [], [], []
    result_first = result_second = None
    for _ in range(repeats):
        start = time.perf_counter()
        result_first = first()
        t_first.append(time.perf_counter() - start)
        start = time.perf_counter()
        result_second = second()
        t_second.append(time.perf_counter() - start)
        ratios.append(t_first[-1] / t_second[-1])
    return (statistics.median(t_first), statistics.median(t_second), statistics.median(ratios),
            result_first, result_second)


def agreement(ref: dict[str, float], mine: dict[str, float]) -> tuple[int, int, list[str]]:
    bad = []
    for name, value in ref.items():
        got = mine.get(name)
        if got is None or not (abs(got - value) <= ABS or abs(got - value) <= REL * abs(value)):
            bad.append(name)
    return len(ref) - len(bad), len(ref), bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spacing", type=float, default=1.0, help="resampled voxel size in mm (default 1)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--params", help="a PyRadiomics params YAML to use instead of the default set")
    parser.add_argument("--mr", action="store_true", help="also run PyRadiomics' brain1, brain2, breast1")
    parser.add_argument("--realistic", type=int, default=0, metavar="N",
                        help="also N clinical-sized CTs read from .nii.gz files (benchmarks/_realistic.py)")
    parser.add_argument("--cases", nargs="+", metavar="CASE", help="run only these cases (e.g. ct_sphere25)")
    args = parser.parse_args(argv)
    try:
        import radiomics
        from radiomics import featureextractor
    except ImportError:
        print("PyRadiomics is not installed: pip install 'radcore[pyradiomics]' (the pyradiomics-bhklab wheel)")
        return 1
    radiomics.setVerbosity(logging.ERROR)
    logging.getLogger("radcore").setLevel(logging.ERROR)

    with tempfile.TemporaryDirectory() as tmp:
        params_path = Path(args.params) if args.params else Path(tmp) / "params.yaml"
        if not args.params:
            params_path.write_text(yaml.safe_dump(default_params(args.spacing), sort_keys=False))
        extractor = featureextractor.RadiomicsFeatureExtractor(str(params_path))
        settings = load(params_path)
        print(f"PyRadiomics {radiomics.__version__}, radcore {radcore.__version__}; params {params_path.name}"
              f"{'' if args.params else f' (Original + LoG 1/3/5 mm + Wavelet, {args.spacing:g} mm B-spline)'}")
        print(f"{'case':<12} {'ROI vox':>8} {'PyRadiomics s':>14} {'radcore s':>10} {'ratio':>7} {'agree':>14}")
        ratios, agreed, total, rows = [], 0, 0, []
        for name, image, mask in cases(args.mr, args.realistic, Path(tmp) / "realistic"):
            if args.cases and name not in args.cases:
                continue
            t_ref, t_me, ratio, ref, mine = _timed_pair(
                lambda: extractor.execute(image, mask),
                lambda: radcore.extract(image, mask, config=settings, naming="pyradiomics"),
                args.repeats,
            )
            ref = {k: float(v) for k, v in ref.items() if not k.startswith("diagnostics_")}
            ok, n, bad = agreement(ref, mine)
            agreed, total = agreed + ok, total + n
            ratios.append(ratio)
            mask_image = sitk.ReadImage(mask) if isinstance(mask, str) else mask
            voxels = int(np.count_nonzero(sitk.GetArrayViewFromImage(mask_image) == 1))
            rows.append([name, voxels, f"{t_ref:.3f}", f"{t_me:.3f}", f"{ratio:.1f}x", f"{ok}/{n}"])
            print(f"{name:<12} {voxels:>8} {t_ref:>14.3f} {t_me:>10.3f} {ratio:>6.1f}x {ok:>6}/{n:<6}"
                  + (f"  e.g. {bad[:3]}" if bad else ""))
        print(f"median ratio {statistics.median(ratios):.1f}x, lowest {min(ratios, default=0):.1f}x; "
              f"features agreeing {agreed}/{total} "
              f"({100.0 * agreed / max(total, 1):.2f} %)")
    record("vs_pyradiomics", {"median ratio": f"{statistics.median(ratios):.1f}x",
                              "lowest ratio": f"{min(ratios, default=0):.1f}x",
                              "features agreeing": f"{agreed}/{total}"},
           table={"columns": ["case", "ROI voxels", "PyRadiomics s", "radcore s", "ratio", "agree"], "rows": rows},
           notes=[f"PyRadiomics {radiomics.__version__}; params "
                  + (params_path.name if args.params else f"Original + LoG 1/3/5 mm + Wavelet, {args.spacing:g} mm "
                     "B-spline") + f"; one thread each, medians of {args.repeats} repeats."]
                 + ([f"{args.realistic} realistic CTs (ct000...) read from their .nii.gz files by both: reading "
                     "is timed."] if args.realistic else []))
    return 0


if __name__ == "__main__":
    sys.exit(main())
