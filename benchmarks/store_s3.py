"""The cohort store on object storage: bytes fetched per case against the compressed chunks of the ROI's box,
and cases/s from the store in a bucket against the same store on local disk.

    python benchmarks/store_s3.py [--cases 12] [--unique 4]

The cases are realistic CT volumes (``benchmarks/_realistic.py``: 512 x 512 x (100-300) int16, ROIs of
10^3-10^5 voxels; ``--unique`` of them made, the others copies under their own ids). Each is ingested
into a store on local disk and into one in a bucket (moto's S3 server on 127.0.0.1, its answers counted:
requests and bytes sent, by method). Then, per case and for each store, as a cohort worker reads a case
that is already stored:

- **read**: the case's attributes and the ROI's crop (:func:`radcore.io.store.read_roi`, 2 mm margin);
  the bytes the server sent against the compressed bytes of the inner chunks the crop's box touches
  (from the shard indexes, :func:`radcore.io.store.shards.box_chunk_bytes`) plus their shards' indexes;
- **worker**: :func:`radcore.cohort.worker.run_batch` of a one-case batch (reading, extracting with
  radcore's default settings, the QC picture, the batch file on local disk), one thread.

moto serves from a process of its own on this machine (no network between them); the request counts and
bytes are what a bucket bills, and what a bucket's latency (10-30 ms per request inside a region)
multiplies.
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
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import _one_thread  # noqa: E402, F401 - before numba and ITK load, as cohort workers run
from _realistic import describe, write_realistic_cohort  # noqa: E402
from _record import record  # noqa: E402

BUCKET = "radcore-benchmark"
MARGIN_MM = 2.0


#: the S3 server's process: moto's server, its answers counted; "clear" and "counts" on standard input
SERVER = """
import json, sys
from moto.server import ThreadedMotoServer
from tests.s3_server import Traffic
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
traffic = server._server.app = Traffic(server._server.app)
print(server.get_host_and_port()[1], flush=True)
for line in sys.stdin:
    if line.strip() == "clear":
        traffic.clear()
    print(json.dumps({"requests": traffic.requests, "received": traffic.received, "sent": traffic.sent}), flush=True)
server.stop()
"""


class Server:
    """moto's S3 server in a process of its own (so serving does not share this process's interpreter),
    counting what it answers (:class:`tests.s3_server.Traffic`)."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, "-c", SERVER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
        port = int(self.process.stdout.readline())
        os.environ.update(AWS_ENDPOINT_URL=f"http://127.0.0.1:{port}", AWS_ACCESS_KEY_ID="benchmark",
                          AWS_SECRET_ACCESS_KEY="benchmark", AWS_DEFAULT_REGION="us-east-1")

    def _ask(self, command: str) -> dict:
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.process.stdout.readline())

    def clear(self) -> None:
        self._ask("clear")

    def counts(self) -> dict:
        """``requests``, ``received`` and ``sent`` (bytes), each by method, since the last :meth:`clear`."""
        return self._ask("counts")

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def _roi_bytes(local_store: Path, case_id: str, box: tuple[slice, ...]) -> int:
    """The compressed bytes of the image's and mask's chunks ``box`` touches, with their shards' indexes."""
    import zarr

    from radcore.io.store import group_name
    from radcore.io.store.layout import IMAGE_PATH, MASK_PATH
    from radcore.io.store.shards import box_chunk_bytes

    total = 0
    for path in (IMAGE_PATH, MASK_PATH):
        folder = local_store / group_name(case_id) / path
        array = zarr.open_array(str(folder), mode="r")
        total += sum(box_chunk_bytes(array, box, lambda key, f=folder: (f / key).read_bytes()
                                     if (f / key).exists() else None))
    return total


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=12)
    parser.add_argument("--unique", type=int, default=4, help="cases made; the others are copies of them")
    args = parser.parse_args(argv)
    server = Server()
    work = Path(tempfile.mkdtemp(prefix="radcore-store-s3-"))
    try:
        from radcore.cohort import worker
        from radcore.cohort.cluster import feature_columns
        from radcore.cohort.plan import cases_from_store, plan_batches
        from radcore.io import remote
        from radcore.io.config import load_settings
        from radcore.io.manifest import CaseEntry
        from radcore.io.store import case_info, group_name, ingest_case, open_store, read_roi
        from radcore.profiles import profile_of
        from radcore.settings import settings_hash

        remote.filesystem(f"s3://{BUCKET}")[0].mkdir(BUCKET)
        cases = write_realistic_cohort(work / "images", args.cases, unique=args.unique)
        what = f"{args.cases} realistic CT cases ({describe(cases)}; {args.unique} made, the others copies)"
        stores = {"local disk": work / "cohort.zarr", "S3 (moto)": f"s3://{BUCKET}/cohort.zarr"}
        ingest: dict[str, float] = {}
        for where, store in stores.items():
            server.clear()
            start = time.perf_counter()
            for case_id, image, mask in cases:
                ingest_case(store, CaseEntry(case_id, str(image), str(mask), None, {}))
            ingest[where] = (time.perf_counter() - start) / len(cases)
        counts = server.counts()
        puts, put_mb = counts["requests"]["PUT"] / len(cases), counts["received"]["PUT"] / 1e6
        stored_mb = sum(p.stat().st_size for p in stores["local disk"].rglob("*") if p.is_file()) / 1e6 / len(cases)

        settings = load_settings(None)
        h = settings_hash(settings)
        keys = profile_of(settings).feature_keys(settings)
        rows, read_s, worker_s = [], {w: [] for w in stores}, {w: [] for w in stores}
        for n, (where, store) in enumerate(stores.items()):
            spec = worker.JobSpec(store=str(store), dataset=str(work / f"out-{n}"),
                                  settings=settings, settings_hash=h, feature_columns=feature_columns(keys, "native"),
                                  qc_pictures=True)
            batches = plan_batches(cases_from_store(store, settings.label), h, set(), 1)
            worker.run_batch(batches[0], spec)  # warm-up: numba's caches, imports, the connection
            for batch in batches:
                start = time.perf_counter()
                report = worker.run_batch(batch, spec)
                worker_s[where].append(time.perf_counter() - start)
                assert report.done == 1, report.failures
        for case_id, _, _ in cases:
            row = [case_id]
            for where, store in stores.items():
                server.clear()
                start = time.perf_counter()
                root = open_store(store)  # as a worker reads a stored case (radcore.cohort.worker)
                info = case_info(root, case_id)
                image, _ = read_roi(root, case_id, 1, MARGIN_MM)
                read_s[where].append(time.perf_counter() - start)
                if where.startswith("S3"):
                    box = tuple(slice(o, o + n) for o, n in zip(image.offset, image.array.shape))
                    roi = _roi_bytes(stores["local disk"], case_id, box)
                    counts = server.counts()
                    fetched = counts["sent"]["GET"]
                    stored = sum(p.stat().st_size for p in (stores["local disk"] / group_name(case_id)).rglob("*")
                                 if p.is_file())
                    row += [f"{info.shape[0]}", f"{image.array.shape}", f"{stored / 1e6:.1f}", f"{roi / 1e3:.1f}",
                            f"{fetched / 1e3:.1f}", f"{fetched / roi:.3f}", f"{fetched / stored:.3f}",
                            counts["requests"]["GET"]]
            rows.append(row)
        ratios = [float(r[6]) for r in rows]
        of_case = [float(r[7]) for r in rows]
        gets = [r[8] for r in rows]
        figures = {
            "stored per case (compressed)": f"{stored_mb:.1f} MB",
            "ingest per case: PUTs, bytes": f"{puts:.0f} PUT requests, {put_mb / len(cases):.1f} MB",
            "ingest s/case (local disk, S3)": f"{ingest['local disk']:.2f} s, {ingest['S3 (moto)']:.2f} s",
            "bytes fetched / ROI chunks (+ shard indexes), median (max)":
                f"{statistics.median(ratios):.3f} ({max(ratios):.3f})",
            "bytes fetched / the whole stored case, median (max)":
                f"{statistics.median(of_case):.3f} ({max(of_case):.3f})",
            "GETs per case read, median (max)": f"{statistics.median(gets):.0f} ({max(gets)})",
        }
        for where in stores:
            figures[f"read ROI, {where}"] = f"{len(cases) / sum(read_s[where]):.1f} cases/s"
        for where in stores:
            figures[f"worker (read + extract + picture), {where}"] = f"{len(cases) / sum(worker_s[where]):.2f} cases/s"
        print(what)
        for label, value in figures.items():
            print(f"{label:62s} {value}")
        record("store_s3", figures,
               table={"columns": ["case", "slices", "crop (z, y, x)", "stored (MB)", "ROI chunks + indexes (kB)",
                                  "fetched (kB)", "fetched / ROI chunks", "fetched / stored", "GETs"], "rows": rows},
               notes=[f"{what}; radcore's default settings, one thread, the batch files on local disk.",
                      "Fetched: the bytes of every GET the S3 server answered while one case's attributes and "
                      f"ROI crop ({MARGIN_MM:g} mm margin) were read, its zarr.json documents included; ROI "
                      "chunks: the compressed inner chunks of the image and mask the crop's box touches, plus "
                      "the index of each shard holding them (read first)."])
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
