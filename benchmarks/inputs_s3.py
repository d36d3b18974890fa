"""Ingesting a cohort whose manifest and images are in a bucket, against the same cohort on local disk:
cases/s, and the requests and bytes each case costs, first with an empty input cache, then for a rerun
(every case current in the store) with the cache full, and with its data evicted.

An S3 server (moto's, on 127.0.0.1) stands in for the bucket, so the seconds are those of a server on this
machine; the request counts and bytes are what a real bucket bills. ``--cases`` synthetic CT-like cases
(:func:`radcore.cohort.synthetic.ct_like_case`, ``.nii.gz``) are ingested one after the other, as
``radcore ingest`` does (:func:`radcore.io.store.ingest_case`), each into a fresh store for the first pass.

    python benchmarks/inputs_s3.py --cases 20 --shape 64 256 256

For scale, the cases/s of a plain download of the images (``s3fs`` ``get``) from the same server is printed
too: the first pass from the bucket costs that download plus the ingest from disk.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _moto import moto_server  # noqa: E402
from _record import record  # noqa: E402


def _counting(fs) -> tuple[Counter, Counter]:
    """Count the S3 operations ``fs`` (s3fs) sends, by name, and the bytes of the objects it gets."""
    counts: Counter = Counter()
    got: Counter = Counter()
    fs.connect(refresh=False)
    fs.s3.meta.events.register("before-call.s3", lambda model, **_: counts.update([model.name]))
    fs.s3.meta.events.register("after-call.s3.GetObject",
                               lambda parsed, **_: got.update(bytes=int(parsed.get("ContentLength") or 0)))
    return counts, got


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20)
    parser.add_argument("--shape", type=int, nargs=3, default=(64, 256, 256), help="z y x voxels")
    args = parser.parse_args()

    server, endpoint = moto_server()
    tmp = tempfile.TemporaryDirectory()
    folder = Path(tmp.name)
    os.environ.update(AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="benchmark", AWS_SECRET_ACCESS_KEY="benchmark",
                      AWS_DEFAULT_REGION="us-east-1", RADCORE_CACHE=str(folder / "cache"))
    import SimpleITK as sitk

    from radcore.cohort.synthetic import ct_like_case
    from radcore.io import remote
    from radcore.io.fetch import BYTES_VARIABLE
    from radcore.io.images import to_image
    from radcore.io.manifest import read_manifest
    from radcore.io.store import ingest_case

    (folder / "cohort" / "images").mkdir(parents=True)
    lines = ["case_id,image,mask"]
    for i in range(args.cases):
        image, mask = ct_like_case(tuple(args.shape), seed=i)
        for what, volume in (("image", image), ("mask", mask)):
            sitk.WriteImage(to_image(volume), str(folder / "cohort" / "images" / f"c{i}_{what}.nii.gz"))
        lines.append(f"c{i},images/c{i}_image.nii.gz,images/c{i}_mask.nii.gz")
    (folder / "cohort" / "cases.csv").write_text("\n".join(lines) + "\n")
    input_bytes = sum(p.stat().st_size for p in (folder / "cohort" / "images").iterdir()) / args.cases
    fs, _ = remote.filesystem("s3://x")
    fs.mkdir("radcore-benchmark")
    fs.put(str(folder / "cohort"), "radcore-benchmark/cohort", recursive=True)
    start = time.perf_counter()
    fs.get("radcore-benchmark/cohort/images", str(folder / "copy"), recursive=True)
    download = time.perf_counter() - start
    counts, got = _counting(fs)

    def ingest(entries, store: Path) -> float:
        start = time.perf_counter()
        for entry in entries:
            ingest_case(store, entry)
        return time.perf_counter() - start

    figures: dict[str, object] = {"cases": args.cases, "shape (z, y, x)": " x ".join(map(str, args.shape)),
                                  "input MB per case (image + mask, .nii.gz)": round(input_bytes / 1e6, 2),
                                  "plain download of the images (s3fs get), cases/s": round(args.cases / download, 2)}
    print(f"plain download of the images: {args.cases / download:.2f} cases/s")
    rows = []
    passes = [("local disk", str(folder / "cohort" / "cases.csv"), "first", None),
              ("local disk", str(folder / "cohort" / "cases.csv"), "rerun", None),
              ("S3 (moto)", "s3://radcore-benchmark/cohort/cases.csv", "first", None),
              ("S3 (moto)", "s3://radcore-benchmark/cohort/cases.csv", "rerun, cache full", None),
              ("S3 (moto)", "s3://radcore-benchmark/cohort/cases.csv", "rerun, cache data evicted", "0")]
    for where, manifest, kind, bound in passes:
        entries = read_manifest(manifest).entries
        if bound is not None:
            os.environ[BYTES_VARIABLE] = bound
            ingest(entries, folder / "evicting.zarr")  # a pass that evicts every entry's data as it goes
        store = folder / f"{where.split()[0]}.zarr"
        counts.clear(), got.clear()
        seconds = ingest(entries, store)
        per_case = {op: round(n / args.cases, 2) for op, n in sorted(counts.items())}
        mb = got["bytes"] / args.cases / 1e6
        rows.append([where, kind, f"{args.cases / seconds:.2f}", ", ".join(f"{op} {n:g}" for op, n in per_case.items())
                     or "-", f"{mb:.2f}" if where != "local disk" else "-"])
        figures[f"{where}, {kind}: cases/s"] = round(args.cases / seconds, 2)
        if where != "local disk":
            figures[f"{where}, {kind}: requests per case"] = per_case
            figures[f"{where}, {kind}: MB fetched per case"] = round(mb, 2)
        print(f"{where:10s} {kind:26s} {args.cases / seconds:6.2f} cases/s  requests/case {per_case}  "
              f"MB fetched/case {mb:.2f}")
    server.stop()
    tmp.cleanup()
    record("inputs_s3", figures, table={
        "columns": ["inputs", "pass", "cases/s", "requests per case", "MB fetched per case"], "rows": rows,
    }, notes=[f"{args.cases} cases ingested one after the other in one process; each object is fetched once "
              "into the input cache (radcore.io.fetch) and its digest kept with its ETag.",
              "The S3 server is moto on this machine: its seconds are not a bucket's; the request counts and bytes "
              "are."])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
