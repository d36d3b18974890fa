"""Ingest speed: a cohort of NIfTI cases into a Zarr store, in MB/s of input, against a plain ``cp``.

    python benchmarks/ingest.py [--cases 1000] [--shape 64 224 224] [--workers 1 2] [--realistic]

Writes ``--cases`` synthetic CT-like cases (:func:`radcore.cohort.synthetic.ct_like_case`, int16 image and
uint8 mask as ``.nii.gz``; ``--unique`` distinct ones copied to fill the cohort; with ``--realistic`` the
clinical-sized CTs of ``benchmarks/_realistic.py``, 512 x 512 x 100-300 voxels, instead of ``--shape``),
then times, each on the same files:

- ``cp -r`` of the case folder (the disk's and the page cache's speed for these bytes);
- ingest with 1, 2, ... worker processes (``radcore.io.store.ingest_case`` per case, as ``radcore ingest``
  and the cohort flow's workers run it), into a fresh store each time;
- per step, on a sample of cases in one process: the input digests (SHA-256 of both files), the integrity
  check (gzip CRC and length, voxel data length, finite floats) decoding the voxels into arrays, and the
  Zarr write (with the statistics and boxes recorded).

Every input was just written, so both ``cp`` and ingest read from the page cache: the comparison is of the
work done per byte, not of the disk. MB are 10^6 bytes of the compressed input files. Besides the wall
clock, each ingest prints MB per CPU-second of its processes (MB/s per busy core), which other load on
the machine disturbs least.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from _record import record

import SimpleITK as sitk

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from radcore.cohort.synthetic import ct_like_case  # noqa: E402
from radcore.io.images import read_volume  # noqa: E402
from radcore.io.manifest import CaseEntry  # noqa: E402
from radcore.io.store import file_digest, ingest_case, open_store, write_case  # noqa: E402


def write_cases(folder: Path, n: int, shape: tuple[int, int, int], unique: int,
                realistic: bool = False) -> list[CaseEntry]:
    folder.mkdir(parents=True, exist_ok=True)
    if realistic:
        from _realistic import write_realistic_cohort

        for case, image, mask in write_realistic_cohort(folder / "unique", min(unique, n)):
            k = int(case[2:])
            image.rename(folder / f"case{k:05d}_image.nii.gz")
            mask.rename(folder / f"case{k:05d}_mask.nii.gz")
    entries = []
    for i in range(n):
        image, mask = folder / f"case{i:05d}_image.nii.gz", folder / f"case{i:05d}_mask.nii.gz"
        if realistic and i < unique:
            pass
        elif i < unique:
            img, msk = ct_like_case(shape, seed=i)
            for vol, path in ((img, image), (msk, mask)):
                itk = sitk.GetImageFromArray(vol.array)
                itk.SetSpacing(tuple(float(s) for s in vol.spacing[::-1]))
                sitk.WriteImage(itk, str(path), useCompression=True)
        else:
            shutil.copyfile(folder / f"case{i % unique:05d}_image.nii.gz", image)
            shutil.copyfile(folder / f"case{i % unique:05d}_mask.nii.gz", mask)
        entries.append(CaseEntry(case_id=f"case{i:05d}", image=str(image), mask=str(mask)))
    return entries


def _ingest_chunk(args) -> int:
    store, entries = args
    for entry in entries:
        ingest_case(store, entry)
    return len(entries)


def time_ingest(store: Path, entries: list[CaseEntry], workers: int) -> tuple[float, float]:
    """Wall seconds and CPU seconds (of this process, or of the worker processes) of one ingest."""
    open_store(store, create=True)
    chunks = [entries[k::workers] for k in range(workers)]
    start, cpu = time.perf_counter(), _cpu_seconds()
    if workers == 1:
        _ingest_chunk((store, entries))
    else:
        with ProcessPoolExecutor(workers) as pool:
            assert sum(pool.map(_ingest_chunk, [(store, c) for c in chunks])) == len(entries)
    return time.perf_counter() - start, _cpu_seconds() - cpu


def _cpu_seconds() -> float:
    """CPU seconds of this process and of its ended children."""
    return sum(resource.getrusage(who).ru_utime + resource.getrusage(who).ru_stime
               for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))


def steps(entries: list[CaseEntry], store: Path) -> dict[str, float]:
    """Seconds per case of each ingest step, over ``entries``."""
    totals = dict.fromkeys(("digests", "check and read", "write"), 0.0)
    open_store(store, create=True)
    for entry in entries:
        t0 = time.perf_counter()
        digests = {"image": file_digest(entry.image, "image"), "mask": file_digest(entry.mask, "mask")}
        t1 = time.perf_counter()
        image, mask = read_volume(entry.image, "image"), read_volume(entry.mask, "mask")  # checked, decoded
        t2 = time.perf_counter()
        write_case(store, entry.case_id, image, mask, digests=digests)
        t3 = time.perf_counter()
        for key, dt in zip(totals, (t1 - t0, t2 - t1, t3 - t2)):
            totals[key] += dt
    return {k: v / len(entries) for k, v in totals.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--shape", type=int, nargs=3, default=(64, 224, 224))
    parser.add_argument("--unique", type=int, default=20)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--sample", type=int, default=20, help="cases timed step by step")
    parser.add_argument("--realistic", action="store_true",
                        help="clinical-sized CTs (benchmarks/_realistic.py) rather than --shape")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        root = Path(tmp)
        entries = write_cases(root / "cases", args.cases, tuple(args.shape), args.unique, args.realistic)
        size_mb = sum(Path(e.image).stat().st_size + Path(e.mask).stat().st_size for e in entries) / 1e6
        start = time.perf_counter()
        subprocess.run(["cp", "-r", str(root / "cases"), str(root / "copy")], check=True)
        cp = time.perf_counter() - start
        shutil.rmtree(root / "copy")
        what = "512 x 512 x 100-300 (realistic)" if args.realistic else " x ".join(map(str, args.shape))
        print(f"{args.cases} cases of {what} voxels: {size_mb:.0f} MB of .nii.gz")
        print(f"cp -r            {cp:8.1f} s  {size_mb / cp:8.0f} MB/s")
        figures = {"cases": f"{args.cases} of {what}, {size_mb:.0f} MB of .nii.gz",
                   "cp -r": f"{size_mb / cp:.0f} MB/s ({cp:.1f} s)"}
        for workers in args.workers:
            store = root / f"store{workers}.zarr"
            seconds, cpu = time_ingest(store, entries, workers)
            print(f"ingest, {workers} proc   {seconds:8.1f} s  {size_mb / seconds:8.0f} MB/s  "
                  f"({args.cases / seconds:.1f} cases/s, {seconds / cp:.0f}x cp's time; "
                  f"{size_mb / cpu:.0f} MB per CPU-second)")
            figures[f"ingest, {workers} process{'es' if workers > 1 else ''}"] = (
                f"{size_mb / seconds:.0f} MB/s ({seconds:.1f} s, {args.cases / seconds:.1f} cases/s; "
                f"{size_mb / cpu:.0f} MB per CPU-second)")
            shutil.rmtree(store)
        per_case = steps(entries[: args.sample], root / "steps.zarr")
        total = sum(per_case.values())
        print("per case, one process: " + ", ".join(
            f"{k} {1000 * v:.0f} ms ({100 * v / total:.0f} %)" for k, v in per_case.items()))
        figures |= {f"per case, one process: {k}": f"{1000 * v:.0f} ms ({100 * v / total:.0f} %)"
                    for k, v in per_case.items()}
    record("ingest", figures)


if __name__ == "__main__":
    main()
