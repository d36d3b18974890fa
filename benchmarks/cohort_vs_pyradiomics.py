"""A cohort through ``radcore run`` against PyRadiomics' own batch mode (``pyradiomics cases.csv -j N``).

    python benchmarks/cohort_vs_pyradiomics.py [--cases 20] [--workers 2] [--params FILE] [--repeats 1]
                                               [--per-case 4] [--unique U] [--phantom]

Needs the optional extra ``pyradiomics`` (its ``pyradiomics`` command). The cohort: clinical-sized CTs
(``benchmarks/_realistic.py``: each its own 512 x 512 x 100-300 int16 volume as ``.nii.gz``, lesions of
10^3-10^5 voxels), or with ``--phantom`` the IBSI CT radiomics phantom (a real chest CT, 204 x 201 x 60
voxels of 0.98 x 0.98 x 3 mm) written once per case with a different ROI each: the GTV for the first,
then spheres of 10-25 mm radius at seeded positions inside the body (one small image read again and
again, which hides what real cohorts cost). Params (unless ``--params``): Original + LoG (sigma 1, 3,
5 mm) + Wavelet (coif1), B-spline resampling to 1 mm, binWidth 25, every default feature class: the
configuration of the issue that asked for this benchmark.

Timed, wall clock, each from a fresh output folder unless said:

0. one case at a time (``--per-case`` of them, after a warm-up case), in one process of one thread:
   PyRadiomics' ``RadiomicsFeatureExtractor.execute`` and ``radcore.extract`` on the same files, reading
   included;
1. ``pyradiomics cases.csv -o out.csv -f csv -j N`` (N = ``--workers``);
2. ``radcore run manifest.csv --config params --out A --workers N`` on a machine without a Prefect server
   (a fresh ``RADCORE_HOME``): the newcomer's first run, which starts the local Prefect server and the
   local workers radcore keeps between runs (:mod:`radcore.cli_server`, :mod:`radcore.cohort.kept_workers`);
3. the same again on A: nothing left to do;
4. with that server and those workers running: ``radcore run ... --out B`` (every later run; ``--repeats``
   times, each into a new folder, the median shown), then again on B;
5. the same with the server running but no workers kept (``RADCORE_KEEP_WORKERS=0``): the run starts and
   ends its own cluster;
6. ``radcore run ... --out C --temporary-prefect``: Prefect's temporary API, started and stopped with the
   run, and a cluster of the run's own. The server and the workers are stopped at the end.

Each radcore output folder (its dataset and store) is removed once its runs are timed, so that a cohort of
200 realistic cases fits on a disk. Prints each time and the ratio PyRadiomics / radcore. The machine's other load slows both; run it on a
quiet machine and compare ratios.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _realistic import describe, write_realistic_cohort
from _record import record

import numpy as np
import SimpleITK as sitk
import yaml

ROOT = Path(__file__).resolve().parents[1]
PHANTOM = ROOT / "tests" / "data" / "ibsi1" / "ct_phantom" / "nifti"
PARAMS = {
    "setting": {"binWidth": 25, "resampledPixelSpacing": [1, 1, 1], "interpolator": "sitkBSpline",
                "label": 1},
    "imageType": {"Original": {}, "LoG": {"sigma": [1.0, 3.0, 5.0]}, "Wavelet": {}},
    "featureClass": {"shape": None, "firstorder": None, "glcm": None, "glrlm": None, "glszm": None,
                     "gldm": None, "ngtdm": None},
}


def write_cohort(folder: Path, n: int) -> list[tuple[str, Path, Path]]:
    """n cases: the phantom CT (one file per case) with the GTV, then seeded spheres inside the body."""
    image = sitk.ReadImage(str(PHANTOM / "image" / "phantom.nii.gz"))
    gtv = sitk.ReadImage(str(PHANTOM / "mask" / "mask.nii.gz"))
    values = sitk.GetArrayFromImage(image)
    spacing = np.array(image.GetSpacing()[::-1])  # z, y, x
    body = values > -300
    rng = np.random.default_rng(0)
    zz, yy, xx = np.indices(values.shape)
    cases = []
    for k in range(n):
        case = f"ct{k:02d}"
        img_path, mask_path = folder / f"{case}_image.nii.gz", folder / f"{case}_mask.nii.gz"
        sitk.WriteImage(image, str(img_path), useCompression=True)
        if k == 0:
            mask = gtv
        else:
            radius = rng.uniform(10.0, 25.0)
            while True:
                centre = np.array([rng.integers(0, s) for s in values.shape])
                margin = np.ceil(radius / spacing).astype(int) + 1
                inside = np.all(centre >= margin) and np.all(centre < np.array(values.shape) - margin)
                if inside and body[tuple(centre)]:
                    break
            dist2 = sum(((g - c) * s) ** 2 for g, c, s in zip((zz, yy, xx), centre, spacing))
            mask = sitk.GetImageFromArray((dist2 <= radius**2).astype(np.uint8))
            mask.CopyInformation(image)
        sitk.WriteImage(mask, str(mask_path), useCompression=True)
        cases.append((case, img_path, mask_path))
    return cases


def timed(cmd: list[str], env: dict[str, str], log: Path) -> float:
    start = time.perf_counter()
    with log.open("w") as out:
        done = subprocess.run(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - start
    if done.returncode not in (0,):
        raise SystemExit(f"{' '.join(cmd)} failed ({done.returncode}); see {log}:\n{log.read_text()[-3000:]}")
    return seconds


#: one thread each for the per-case comparison (set in its own process, before numba and ITK load)
ONE_THREAD = {name: "1" for name in ("NUMBA_NUM_THREADS", "ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS",
                                     "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}


def per_case(pairs: list[tuple[str, str]], params: Path, env: dict[str, str], log: Path) -> list[tuple[float, float]]:
    """Seconds of PyRadiomics' ``execute`` and of ``radcore.extract`` on each (image, mask) file pair, one
    after the other in one process of one thread (after a warm-up case of each), reading included."""
    done = subprocess.run([sys.executable, __file__, "--per-case-child", str(params), json.dumps(pairs)],
                          env={**env, **ONE_THREAD}, capture_output=True, text=True)
    log.write_text(done.stdout + done.stderr)
    if done.returncode:
        raise SystemExit(f"the per-case comparison failed; see {log}:\n{done.stderr[-3000:]}")
    return [tuple(t) for t in json.loads(done.stdout.strip().splitlines()[-1])]


def _per_case_child(params: str, pairs: str) -> None:
    import logging

    import radiomics
    from radiomics import featureextractor

    import radcore
    from radcore.io.config import load_settings

    radiomics.setVerbosity(logging.ERROR)
    extractor, settings = featureextractor.RadiomicsFeatureExtractor(params), load_settings(params)
    pairs = json.loads(pairs)
    radcore.extract(*pairs[0], config=settings)
    extractor.execute(*pairs[0])
    seconds = []
    for image, mask in pairs[1:]:
        start = time.perf_counter()
        extractor.execute(image, mask)
        middle = time.perf_counter()
        radcore.extract(image, mask, config=settings)
        seconds.append((middle - start, time.perf_counter() - middle))
    print(json.dumps(seconds))


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--per-case-child"]:
        return _per_case_child(*argv[1:3])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--params", help="a PyRadiomics params file (default: see the module docstring)")
    parser.add_argument("--keep", help="keep the work folder here")
    parser.add_argument("--repeats", type=int, default=1, help="runs with the server and workers running (median)")
    parser.add_argument("--per-case", type=int, default=4, metavar="K",
                        help="cases compared one at a time on one thread (after one warm-up case; 0: none)")
    parser.add_argument("--unique", type=int, default=0, metavar="U",
                        help="make only U realistic cases and copy their files for the others (0: all made)")
    parser.add_argument("--phantom", action="store_true",
                        help="the IBSI CT phantom written once per case rather than realistic CT volumes")
    args = parser.parse_args(argv)
    if shutil.which("pyradiomics") is None:
        raise SystemExit("needs the pyradiomics command: pip install 'radcore[pyradiomics]'")
    work = Path(args.keep or tempfile.mkdtemp(prefix="radcore-vs-pyradiomics-"))
    work.mkdir(parents=True, exist_ok=True)
    if args.phantom:
        cases = write_cohort(work, args.cases)
        what = f"{args.cases} cases of the IBSI CT phantom (204 x 201 x 60)"
    else:
        cases = write_realistic_cohort(work, args.cases, unique=args.unique)
        made = f"; {args.unique} made, the others copies of their files" if 0 < args.unique < args.cases else ""
        what = f"{args.cases} realistic CT cases ({describe(cases[: args.unique or None])}{made})"
    params = Path(args.params) if args.params else work / "params.yaml"
    if not args.params:
        params.write_text(yaml.safe_dump(PARAMS))
    with (work / "pyradiomics.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Image", "Mask"])
        w.writerows([[str(i), str(m)] for _, i, m in cases])
    with (work / "manifest.csv").open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["case_id", "image", "mask"])
        w.writerows([[c, str(i), str(m)] for c, i, m in cases])

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "RADCORE_"))}
    env["RADCORE_HOME"] = str(work / "radcore-home")  # no local Prefect server yet: a newcomer's machine
    times: dict[str, float] = {}
    one_case = per_case([(str(i), str(m)) for _, i, m in cases[: args.per_case + 1]], params, env,
                        work / "per-case.log") if args.per_case else []
    times["pyradiomics"] = timed(
        ["pyradiomics", str(work / "pyradiomics.csv"), "-o", str(work / "pyradiomics_out.csv"), "-f", "csv",
         "-j", str(args.workers), "--param", str(params)], env, work / "pyradiomics.log")
    run = [sys.executable, "-m", "radcore.cli", "run", str(work / "manifest.csv"), "--config", str(params),
           "--workers", str(args.workers), "--dashboard", "127.0.0.1:0"]
    try:
        times["radcore, first run (starts server, workers)"] = timed(run + ["--out", str(work / "A")], env,
                                                                      work / "A.log")
        times["radcore, rerun, nothing to do"] = timed(run + ["--out", str(work / "A")], env, work / "A2.log")
        shutil.rmtree(work / "A")  # each run's dataset and store go once timed: 200 cases' stores fill a disk
        later = [timed(run + ["--out", str(work / f"B{k}")], env, work / f"B{k}.log") for k in range(args.repeats)]
        times["radcore, server and workers up"] = statistics.median(later)
        times["radcore, same, nothing to do"] = timed(run + ["--out", str(work / "B0")], env, work / "B0-again.log")
        for k in range(args.repeats):
            shutil.rmtree(work / f"B{k}")
        times["radcore, server up, own cluster"] = timed(run + ["--out", str(work / "D")],
                                                         {**env, "RADCORE_KEEP_WORKERS": "0"}, work / "D.log")
        shutil.rmtree(work / "D")
        times["radcore, temporary Prefect"] = timed(run + ["--out", str(work / "C"), "--temporary-prefect"], env,
                                                    work / "C.log")
    finally:
        subprocess.run([sys.executable, "-m", "radcore.cli", "server", "stop"], env=env, capture_output=True)
    base = times["pyradiomics"]
    print(f"{what}, {args.workers} workers, {params.name}")
    figures = {}
    if one_case:
        ratios = [a / b for a, b in one_case]
        pyrad, mine = (statistics.median(t) for t in zip(*one_case))
        line = (f"PyRadiomics {pyrad:.1f} s, radcore {mine:.2f} s per case (medians of {len(one_case)}); "
                f"ratio {min(ratios):.1f}-{max(ratios):.1f}x, median {statistics.median(ratios):.1f}x")
        print(f"{'one case at a time, one thread, reading included':44s} {line}")
        figures["one case at a time, one thread"] = line
    for name, seconds in times.items():
        ratio = "" if name == "pyradiomics" else f"  {base / seconds:5.1f}x"
        print(f"{name:44s} {seconds:7.1f} s{ratio}")
    if args.repeats > 1:
        print("server and workers up, each run: " + ", ".join(f"{t:.1f}" for t in later) + " s")
    record("cohort_vs_pyradiomics",
           figures | {name: f"{seconds:.1f} s" + ("" if name == "pyradiomics" else f" ({base / seconds:.1f}x)")
                      for name, seconds in times.items()},
           notes=[f"{what}, {args.workers} workers, params {params.name}, from the manifest, ingest included."]
                 + (["Server and workers up, each run: " + ", ".join(f"{t:.1f}" for t in later) + " s."]
                    if args.repeats > 1 else []))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
