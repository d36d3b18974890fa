"""Ingest speed: a cohort of NIfTI cases into a Zarr store, in MB/s of input, against a plain ``cp``.

    python benchmarks/ingest.py [--cases 1000] [--shape 64 224 224] [--workers 1 2]

Writes ``--cases`` synthetic CT-like cases (:func:`radcore.cohort.synthetic.ct_like_case`, int16 image and
uint8 mask as ``.nii.gz``; ``--unique`` distinct ones copied to fill the cohort), then times, each on the
same files:

- ``cp -r`` of the case folder (the disk's and the page cache's speed for these bytes);
- ingest with 1, 2, ... worker processes (``radcore.io.store.ingest_case`` per case, as ``radcore ingest``
  and the cohort flow's workers run it), into a fresh store each time;
- per step, on a sample of cases in one process: the input digests (SHA-256 of both files), the integrity
  check (gzip CRC and length, voxel data length, finite floats) with SimpleITK's read of the decompressed
  copy, and the Zarr write (with the statistics and boxes recorded).

Every input was just written, so both ``cp`` and ingest read from the page cache: the comparison is of the
work done per byte, not of the disk. MB are 10^6 bytes of the compressed input files.
"""

from __future__ import annotations

import argparse
import os
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
from radcore.io.images import read_pair, to_volume  # noqa: E402
from radcore.io.manifest import CaseEntry  # noqa: E402
from radcore.io.store import file_digest, ingest_case, open_store, write_case  # noqa: E402


def write_cases(folder: Path, n: int, shape: tuple[int, int, int], unique: int) -> list[CaseEntry]:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(n):
        image, mask = folder / f"case{i:05d}_image.nii.gz", folder / f"case{i:05d}_mask.nii.gz"
        if i < unique:
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


def time_ingest(store: Path, entries: list[CaseEntry], workers: int) -> float:
    open_store(store, create=True)
    chunks = [entries[k::workers] for k in range(workers)]
    start = time.perf_counter()
    if workers == 1:
        _ingest_chunk((store, entries))
    else:
        with ProcessPoolExecutor(workers) as pool:
            assert sum(pool.map(_ingest_chunk, [(store, c) for c in chunks])) == len(entries)
    return time.perf_counter() - start


def steps(entries: list[CaseEntry], store: Path) -> dict[str, float]:
    """Seconds per case of each ingest step, over ``entries``."""
    totals = dict.fromkeys(("digests", "check and read", "write"), 0.0)
    open_store(store, create=True)
    for entry in entries:
        t0 = time.perf_counter()
        digests = {"image": file_digest(entry.image, "image"), "mask": file_digest(entry.mask, "mask")}
        t1 = time.perf_counter()
        image, mask = read_pair(entry.image, entry.mask)  # each file decompressed once, checked, read
        t2 = time.perf_counter()
        write_case(store, entry.case_id, to_volume(image, "image"), to_volume(mask, "mask"), digests=digests)
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
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR")) as tmp:
        root = Path(tmp)
        entries = write_cases(root / "cases", args.cases, tuple(args.shape), args.unique)
        size_mb = sum(Path(e.image).stat().st_size + Path(e.mask).stat().st_size for e in entries) / 1e6
        start = time.perf_counter()
        subprocess.run(["cp", "-r", str(root / "cases"), str(root / "copy")], check=True)
        cp = time.perf_counter() - start
        shutil.rmtree(root / "copy")
        print(f"{args.cases} cases of {tuple(args.shape)} voxels: {size_mb:.0f} MB of .nii.gz")
        print(f"cp -r            {cp:8.1f} s  {size_mb / cp:8.0f} MB/s")
        figures = {"cases": f"{args.cases} of {' x '.join(map(str, args.shape))}, {size_mb:.0f} MB of .nii.gz",
                   "cp -r": f"{size_mb / cp:.0f} MB/s ({cp:.1f} s)"}
        for workers in args.workers:
            store = root / f"store{workers}.zarr"
            seconds = time_ingest(store, entries, workers)
            print(f"ingest, {workers} proc   {seconds:8.1f} s  {size_mb / seconds:8.0f} MB/s  "
                  f"({args.cases / seconds:.1f} cases/s, {seconds / cp:.0f}x cp's time)")
            figures[f"ingest, {workers} process{'es' if workers > 1 else ''}"] = (
                f"{size_mb / seconds:.0f} MB/s ({seconds:.1f} s, {args.cases / seconds:.1f} cases/s)")
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
