"""Voxel feature maps: PyRadiomics 3.1.4's voxel-based extraction against radcore's, on one CT ROI.

    python benchmarks/maps.py                      # a 16,060-voxel ROI of the IBSI CT phantom
    python benchmarks/maps.py --whole              # also radcore on the whole 125,256-voxel phantom ROI
    python benchmarks/maps.py --pyradiomics-voxels 0      # PyRadiomics on every voxel (from 1,000: ~11 min, ~17 GB)
    python benchmarks/maps.py --breakdown          # also where the IBSI profile's loop spends its time

The ROI is the IBSI-1 CT phantom's mask (``tests/data/ibsi1/ct_phantom``) inside the box ``--box``; the
params are the same on both sides: ``binWidth`` 25 (``--bin-width``), the six classes PyRadiomics maps (firstorder, glcm,
glrlm, glszm, gldm, ngtdm) with their default features, ``voxelSetting`` ``kernelRadius`` r and
``maskedKernel`` true. Each figure comes from a fresh process (its peak resident memory is that process's,
imports included): PyRadiomics with one thread (its C extension and NumPy, ``OMP_NUM_THREADS=1``),
radcore with one thread (``parallel=False``, ``NUMBA_NUM_THREADS=1``) and with both cores
(``parallel=True``, ``NUMBA_NUM_THREADS=2``). radcore's seconds are the median of ``--repeats`` runs after a
first one (which loads numba's cached machine code), with the CPU seconds of the same runs; the two-thread
process also times a plain compiled parallel loop on one and on two threads, whose ratio says how much of a
second core the shared machine gave at that moment. PyRadiomics runs once. PyRadiomics holds the matrices of all
voxels of a batch at once (N_g x N_g x 13 per voxel for the GLCM; 1.1 GB at its peak for 1,000 voxels with
the 48 grey levels of this ROI) and its time grows with N_g too, so by default (``--pyradiomics-voxels 1000``) it maps only the first N voxels in its own order (its list of
ROI voxels cut to N: the ROI, and so every kernel, stays whole) and the time per voxel is extrapolated to
the ROI, which the output says. The maps of both are compared voxel by voxel (rel 1e-4)
where both were computed.

Then radcore's maps of the IBSI profile on the same ROI: every mapped family (``stat``, ``ih``, GLCM, GLRLM,
GLSZM, GLDZM, NGTDM, NGLDM; ``3D_avg`` and ``3D_comb``), resegmentation to [-1000, 400] HU and bins of
``--bin-width`` HU from -1000, no interpolation (:mod:`radcore.profiles.ibsi_maps`: the compiled loop), radius
1 on one and two threads, radii 2 and 3 on one thread, timed as above; and, for comparison, the families'
own code on each neighbourhood (the compiled loop's reference, what IBSI-profile maps ran before it) on
the first ``--reference-voxels`` voxels, in CPU milliseconds per voxel.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _record import record

ROOT = Path(__file__).resolve().parents[1]
PHANTOM = ROOT / "tests" / "data" / "ibsi1" / "ct_phantom" / "nifti"
CLASSES = ("firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm")

SETUP = """
import json, resource, sys, time
import numpy as np, SimpleITK as sitk
args = json.loads(sys.argv[1])
image = sitk.ReadImage(args["image"])
mask = sitk.ReadImage(args["mask"])
array = sitk.GetArrayFromImage(mask) > 0
if args["box"]:
    z0, z1, y0, y1, x0, x1 = args["box"]
    kept = np.zeros_like(array)
    kept[z0:z1, y0:y1, x0:x1] = array[z0:z1, y0:y1, x0:x1]
    array = kept
roi = sitk.GetImageFromArray(array.astype(np.uint8))
roi.CopyInformation(mask)
params = {"setting": {"binWidth": args["bin_width"], "label": 1}, "imageType": {"Original": {}},
          "featureClass": {c: None for c in args["classes"]},
          "voxelSetting": {"kernelRadius": args["radius"], "maskedKernel": True}}
def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
def timed(make, repeats):
    # median wall and CPU seconds of `repeats` calls after a first one (numba's cached code loaded)
    make()
    runs = []
    for _ in range(repeats):
        start, cpu = time.perf_counter(), time.process_time()
        make()
        runs.append((time.perf_counter() - start, time.process_time() - cpu))
    return float(np.median([r[0] for r in runs])), float(np.median([r[1] for r in runs]))
def second_core():
    # how much faster a plain compiled parallel loop runs on two threads than on one, now
    import numba
    @numba.njit(parallel=True)
    def loop(n):
        out = np.zeros(64)
        for b in numba.prange(64):
            s = 0.0
            for i in range(n):
                s += np.sqrt(i + b)
            out[b] = s
        return out
    loop(10)
    seconds = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        start = time.perf_counter()
        loop(2_000_000)
        seconds.append(time.perf_counter() - start)
    return seconds[0] / seconds[1]
"""

PYRADIOMICS = SETUP + """
import logging, radiomics
from radiomics import featureextractor
radiomics.setVerbosity(logging.CRITICAL)
n = int(array.sum())
sample = args["voxels"] or n
if sample < n:
    # the kernels stay those of the whole ROI; only the first `sample` voxels are computed
    from radiomics import base
    original = base.RadiomicsFeaturesBase._calculateVoxels
    def first_voxels(self):
        self.labelledVoxelCoordinates = self.labelledVoxelCoordinates[:, :sample]
        return original(self)
    base.RadiomicsFeaturesBase._calculateVoxels = first_voxels
extractor = featureextractor.RadiomicsFeatureExtractor(params)
start = time.perf_counter()
result = extractor.execute(image, roi, voxelBased=True)
seconds = time.perf_counter() - start
maps = {k: sitk.GetArrayFromImage(v) for k, v in result.items() if isinstance(v, sitk.Image)}
np.savez(args["out"], **maps)
print(json.dumps({"seconds": seconds, "voxels": n, "timed_voxels": sample, "peak_mb": peak_mb(), "maps": len(maps)}))
"""

RADCORE = SETUP + """
sys.path.insert(0, args["root"])
from radcore.naming import name_columns
from radcore.pyradiomics.maps import extract_maps
from radcore.pyradiomics.params import parse_params
p = parse_params(params)
control = second_core() if args["parallel"] else None
seconds, cpu = timed(lambda: extract_maps(image, roi, p, parallel=args["parallel"]), args["repeats"])
maps = name_columns(extract_maps(image, roi, p, parallel=args["parallel"]), "pyradiomics")
if args["out"]:
    np.savez(args["out"], **{k: sitk.GetArrayFromImage(v) for k, v in maps.items()})
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "voxels": int(array.sum()), "peak_mb": peak_mb(),
                  "maps": len(maps), "second_core": control}))
"""

IBSI = SETUP + """
sys.path.insert(0, args["root"])
from radcore.api import extract_maps
config = {"families": ["stat", "ih", "glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm"],
          "resegmentation": {"range": [-1000, 400]},
          "discretisation": {"method": "fixed_bin_size", "bin_size": args["bin_width"]},
          "texture": {"matrix_aggregations": ["3D_avg", "3D_comb"], "zone_aggregations": ["3D"]},
          "maps": {"radius": args["radius"]}}
control = second_core() if args["parallel"] else None
seconds, cpu = timed(lambda: extract_maps(image, roi, config=config, parallel=args["parallel"]), args["repeats"])
maps = extract_maps(image, roi, config=config, parallel=args["parallel"])
reference = None
if args["reference_voxels"]:
    # the families' own code on each neighbourhood (the compiled loop's reference) on the first voxels
    import dataclasses
    import radcore
    from radcore.io.images import load_case
    from radcore.preprocess import prepare
    from radcore.profiles import ibsi_maps
    from radcore.profiles.ibsi import discretised
    settings = radcore.load_settings(config)
    img, msk = load_case(image, roi, 1)
    prepared = prepare(img, dataclasses.replace(msk, array=msk.array == 1), settings, 0.0)
    radii = ibsi_maps.kernel_radii(ibsi_maps.map_settings(settings), tuple(prepared.spacing))
    centres = np.argwhere(prepared.int_mask)[:args["reference_voxels"]]
    start = time.process_time()
    ibsi_maps.reference_values(prepared, discretised(prepared, settings), ibsi_maps.MAPPED_FAMILIES, settings, radii,
                               centres)
    reference = {"voxels": len(centres), "cpu_seconds": time.process_time() - start}
print(json.dumps({"seconds": seconds, "cpu_seconds": cpu, "voxels": int(array.sum()), "peak_mb": peak_mb(),
                  "maps": len(maps), "second_core": control, "reference": reference}))
"""


BREAKDOWN = SETUP + """
sys.path.insert(0, args["root"])
import dataclasses
import numba
import radcore
from radcore.io.images import load_case
from radcore.kernels import directions
from radcore.kernels.ibsi_voxel_maps import PARTS, ibsi_voxel_features
from radcore.kernels.matrices import _cooccurrence
from radcore.kernels.voxel_maps import _clear, _gather, _present, _steps
from radcore.preprocess import prepare
from radcore.profiles.ibsi import discretised

@numba.njit
def counted(levels, image, region, centres, radii, box, ng, steps, values, ranks, roi, vals, grey, lookup):
    # what a sliding window could share: gathering each neighbourhood and counting its 13 co-occurrence
    # matrices (no formula evaluated); the work arrays as _body allocates them
    total = 0.0
    for t in range(centres.shape[0]):
        count = _gather(levels, image, region, centres[t], radii, 1, box, roi, vals, grey, values, lookup)
        n, lv, hist = _present(lookup, ng)
        for q in range(count):
            ranks[roi[q]] = lookup[grey[q]]
        counts = np.zeros((steps.shape[0], n + 1, n + 1))
        _cooccurrence(ranks, roi[:count], steps, counts)
        total += counts[0, 0, 0]
        _clear(roi, grey, count, values, ranks, lookup)
    return total

rows = []
for r in (1, 2, 3):
    settings = radcore.load_settings({"resegmentation": {"range": [-1000, 400]}, "discretisation": {
        "method": "fixed_bin_size", "bin_size": args["bin_width"]}})
    img, msk = load_case(image, roi, 1)
    prepared = prepare(img, dataclasses.replace(msk, array=msk.array == 1), settings, 0.0)
    disc = discretised(prepared, settings)
    centres = np.argwhere(prepared.int_mask)
    call = lambda parts: ibsi_voxel_features(disc.levels, prepared.image, prepared.int_mask, prepared.morph_mask,
                                             centres, (r, r, r), disc.n_levels, parts, 1, 1, 1, 0.0, 6)
    row = [r, timed(lambda: call(PARTS), args["repeats"])[0], timed(lambda: call(()), args["repeats"])[0]]
    box = np.array([2 * r + 3] * 3, np.int64)
    size, cube = int(np.prod(box)), (2 * r + 1) ** 3
    work = (np.zeros(size, np.int32), np.zeros(size, np.int32), np.empty(cube, np.int64), np.empty(cube),
            np.empty(cube, np.int32), np.zeros(disc.n_levels + 2, np.int32))
    row.append(timed(lambda: counted(disc.levels, prepared.image, prepared.int_mask, centres, np.array([r] * 3),
                                     box, disc.n_levels, _steps(directions.VOLUME, tuple(box)), *work),
                     args["repeats"])[0])
    row += [timed(lambda: call((part,)), args["repeats"])[0] for part in PARTS]
    rows.append(row)
print(json.dumps({"columns": ["radius", "all", "gather only", "gather + 13 GLCM counts", *PARTS], "rows": rows}))
"""


def run(code: str, args: dict, threads: int) -> dict:
    env = {**os.environ, "NUMBA_NUM_THREADS": str(threads), "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", code, json.dumps(args)], capture_output=True, text=True, env=env,
                          check=False)
    if done.returncode != 0:
        raise SystemExit(f"benchmark child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def grey_levels(box, bin_width: float) -> int:
    """N_g of PyRadiomics' discretisation of the ROI (the levels present)."""
    import numpy as np
    import SimpleITK as sitk

    image = sitk.GetArrayFromImage(sitk.ReadImage(str(PHANTOM / "image" / "phantom.nii.gz")))
    roi = sitk.GetArrayFromImage(sitk.ReadImage(str(PHANTOM / "mask" / "mask.nii.gz"))) > 0
    z0, z1, y0, y1, x0, x1 = box
    values = image[z0:z1, y0:y1, x0:x1][roi[z0:z1, y0:y1, x0:x1]].astype(np.float64)
    low = values.min() - values.min() % bin_width
    return int(np.unique(np.floor((values - low) / bin_width)).size)


def compare(ours: Path, theirs: Path, timed_voxels: int, roi_voxels: int) -> tuple[int, int, list[str]]:
    """(maps compared, voxels differing at rel 1e-4, maps PyRadiomics has and radcore not)."""
    import numpy as np

    a, b = np.load(ours), np.load(theirs)
    differing = 0
    for name in a.files:
        if name not in b.files:
            continue
        x, y = a[name], b[name]
        if timed_voxels < roi_voxels:  # only the sub-sample was computed by PyRadiomics: compare its voxels
            done = y != 0
            x, y = x[done], y[done]
        differing += int((~np.isclose(x, y, rtol=1e-4, atol=1e-9, equal_nan=True)).sum())
    return len(set(a.files) & set(b.files)), differing, sorted(set(b.files) - set(a.files))


def _seconds(found: dict) -> str:
    return f"{found['seconds']:.2f} s ({found['cpu_seconds']:.2f} s of CPU)"


def _second_core(found: dict) -> str:
    return f"a plain parallel loop ran {found['second_core']:.2f}x faster on two threads than on one just before"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--box", type=int, nargs=6, default=[20, 35, 60, 100, 60, 95],
                        metavar=("Z0", "Z1", "Y0", "Y1", "X0", "X1"), help="the ROI: the mask inside this box")
    parser.add_argument("--pyradiomics-voxels", type=int, default=1000,
                        help="time PyRadiomics on this many voxels and extrapolate (default 1000; 0: the whole ROI, "
                             "estimated from 1,000 voxels at about 11 minutes and 17 GB here)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--bin-width", type=float, default=25.0, help="binWidth (default 25 HU)")
    parser.add_argument("--whole", action="store_true", help="also radcore on the phantom's whole ROI")
    parser.add_argument("--breakdown", action="store_true",
                        help="also the IBSI profile's compiled loop part by part, radius 1 to 3, one thread")
    parser.add_argument("--reference-voxels", type=int, default=1000,
                        help="voxels of the IBSI profile's reference path timed (default 1000; 0: none)")
    args = parser.parse_args()
    base = {"image": str(PHANTOM / "image" / "phantom.nii.gz"), "mask": str(PHANTOM / "mask" / "mask.nii.gz"),
            "box": args.box, "classes": list(CLASSES), "root": str(ROOT), "repeats": args.repeats,
            "bin_width": args.bin_width}
    with tempfile.TemporaryDirectory() as tmp:
        theirs_file, ours_file = Path(tmp) / "pyradiomics.npz", Path(tmp) / "radcore.npz"
        theirs = run(PYRADIOMICS, {**base, "radius": 1, "voxels": args.pyradiomics_voxels,
                                   "out": str(theirs_file)}, 1)
        ours = run(RADCORE, {**base, "radius": 1, "parallel": False, "out": str(ours_file)}, 1)
        compared, differing, missing = compare(ours_file, theirs_file, theirs["timed_voxels"], theirs["voxels"])
    voxels = theirs["voxels"]
    their_seconds = theirs["seconds"] * voxels / theirs["timed_voxels"]
    extrapolated = theirs["timed_voxels"] < voxels
    two = run(RADCORE, {**base, "radius": 1, "parallel": True, "out": ""}, 2)
    wider = {r: run(RADCORE, {**base, "radius": r, "parallel": False, "out": ""}, 1) for r in (2, 3)}
    figures = {
        "ROI": f"{voxels} voxels of the IBSI CT phantom, {grey_levels(args.box, args.bin_width)} grey levels "
               f"(binWidth {args.bin_width:g}), {ours['maps']} maps (six classes), kernel radius 1",
        "PyRadiomics 3.1.4, one thread": (f"{their_seconds:.1f} s" + (
            f" (extrapolated from {theirs['timed_voxels']} voxels timed: {theirs['seconds']:.1f} s)"
            if extrapolated else "") + f", peak {theirs['peak_mb']:.0f} MB"),
        "radcore, one thread": f"{_seconds(ours)}, peak {ours['peak_mb']:.0f} MB",
        "ratio, one thread each": f"{their_seconds / ours['seconds']:.0f}x",
        "radcore, two threads": f"{_seconds(two)}, peak {two['peak_mb']:.0f} MB "
                                f"({their_seconds / two['seconds']:.0f}x; {_second_core(two)})",
        **{f"radcore, radius {r}, one thread": f"{_seconds(w)}, peak {w['peak_mb']:.0f} MB" for r, w in wider.items()},
        "maps compared with PyRadiomics'": f"{compared}, {differing} voxel values differing (rel 1e-4)",
    }
    ibsi = {(r, threads): run(IBSI, {**base, "radius": r, "parallel": threads == 2,
                                     "reference_voxels": args.reference_voxels if (r, threads) == (1, 1) else 0},
                              threads)
            for r, threads in ((1, 1), (1, 2), (2, 1), (3, 1))}
    figures["radcore IBSI profile"] = (f"{ibsi[1, 1]['maps']} maps (stat, ih and the six texture families, 3D_avg "
                                       "and 3D_comb), the compiled loop")
    for (r, threads), found in ibsi.items():
        label = f"radcore IBSI profile, radius {r}, {'one thread' if threads == 1 else 'two threads'}"
        figures[label] = (f"{_seconds(found)}, {found['seconds'] / found['voxels'] * 1e3:.3f} ms per voxel, peak "
                          f"{found['peak_mb']:.0f} MB" + (f" ({_second_core(found)})" if threads == 2 else ""))
    reference = ibsi[1, 1]["reference"]
    if reference:
        per_voxel = reference["cpu_seconds"] / reference["voxels"] * 1e3
        figures["IBSI profile, each family's own code per voxel (the reference), radius 1, one thread"] = (
            f"{per_voxel:.2f} ms of CPU per voxel ({reference['voxels']} voxels timed): "
            f"{per_voxel / (ibsi[1, 1]['cpu_seconds'] / ibsi[1, 1]['voxels'] * 1e3):.0f}x the compiled loop's CPU time")
    if args.whole:
        whole = run(RADCORE, {**base, "box": None, "radius": 1, "parallel": False, "out": ""}, 1)
        figures["radcore, whole phantom ROI, radius 1, one thread"] = (
            f"{whole['voxels']} voxels, {whole['seconds']:.1f} s, peak {whole['peak_mb']:.0f} MB")
    table = None
    if args.breakdown:
        table = run(BREAKDOWN, {**base, "radius": 1}, 1)
        table["rows"] = [[row[0], *(f"{s:.3f} s" for s in row[1:])] for row in table["rows"]]
        print("IBSI profile's compiled loop, one thread, median seconds:", table["columns"])
        for row in table["rows"]:
            print("   ", row)
    for label, value in figures.items():
        print(f"{label}: {value}")
    notes = [f"PyRadiomics' maps radcore does not make: {', '.join(missing)} (its per-voxel MCC fails on this "
             "ROI, leaving the map at initValue)."] if missing else []
    if extrapolated:
        notes.append("PyRadiomics' time is extrapolated per voxel from the voxels timed, as the figure says.")
    if table:
        notes.append("The table: the IBSI profile's compiled loop on this ROI, one thread, median seconds: every "
                     "part, the gathering of each neighbourhood alone (its layout, ranks and clearing), that plus "
                     "counting its 13 co-occurrence matrices (the work a window sliding from voxel to voxel could "
                     "share), and each part alone (gathering included).")
    record("maps", figures, table=table, notes=notes)
    return 0 if differing == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
