"""A robustness study (perturbed versions of each case) with radcore and with MIRP, one thread each; then radcore's throughput on one and two workers.

Usage::

    python benchmarks/robustness.py --mirp-python /tmp/mirpvenv/bin/python [--cases 3] [--copies 4]

The cases are those of ``benchmarks/vs_mirp.py``: the IBSI-1 CT radiomics phantom and synthetic CT-like
cases (``synthetic0`` left out: MIRP takes some 160 s per version on it). Both tools compute every IBSI-1
family with configuration C on the same perturbation set: rotations of -15 and 15 degrees, the ROI shrunk
and grown by 10 % of its volume, and one repetition of noise at the level each estimates from the image,
i.e. 4 perturbed versions per case (radcore adds the unperturbed version ``none``, counted in its time).
MIRP runs in its own Python, one call per case with its perturbation settings; its time is measured in that
process after a warm-up call. radcore's time per case is its cohort worker's for the case's batch
(ingest of the NIfTI files into the store, one read of the ROI, every version, the Parquet file), in this
process after a warm-up case. The ratio is per case, and per version (MIRP's time per version over
radcore's). Then the cohort (``--copies`` copies of each case) runs through :class:`radcore.cohort.run.CohortRun`
on a local Dask cluster of one worker process and of two (the fan-out the flow uses, without Prefect's
server): cases x versions per hour.
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

from _record import record

os.environ.setdefault("NUMBA_NUM_THREADS", "1")
os.environ.setdefault("ITK_GLOBAL_DEFAULT_NUMBER_OF_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vs_mirp import CONFIG_C, MIRP_CONFIG_C, write_cases  # noqa: E402

#: the perturbation set, in radcore's settings and in MIRP's keyword arguments
ROTATIONS = [-15.0, 15.0]
ADAPTATIONS = [-0.1, 0.1]
PERTURBATION = {"rotation_angles": ROTATIONS, "volume_adaptations": ADAPTATIONS, "noise_repetitions": 1}
MIRP_PERTURBATION = dict(perturbation_rotation_angles=ROTATIONS, perturbation_roi_adapt_type="fraction",
                         perturbation_roi_adapt_size=ADAPTATIONS, perturbation_noise_repetitions=1)

#: run inside MIRP's Python: reads the case list on stdin, prints {"case": [seconds, versions]} as JSON
MIRP_RUNNER = r"""
import json, sys, time, warnings
warnings.filterwarnings("ignore")
import mirp
job = json.load(sys.stdin)
out = {}
for name, image, mask in job["cases"]:
    start = time.perf_counter()
    tables = mirp.extract_features(image=image, mask=mask, image_modality="CT", **job["config"])
    out[name] = [time.perf_counter() - start, sum(len(t) for t in tables)]
print(json.dumps(out))
"""


def time_mirp(python: str, cases) -> dict[str, list[float]]:
    job = json.dumps({"cases": cases, "config": {**MIRP_CONFIG_C, **MIRP_PERTURBATION}})
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    done = subprocess.run([python, "-c", MIRP_RUNNER], input=job, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"MIRP failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def study_config(folder: Path) -> Path:
    """Configuration C with the perturbation set, as a radcore settings file."""
    import yaml

    data = yaml.safe_load(CONFIG_C.read_text())
    data["perturbation"] = PERTURBATION
    path = folder / "robustness_c.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def time_radcore(cases, config: Path, folder: Path) -> dict[str, list[float]]:
    """Seconds and versions of each case through the cohort worker (its own batch), in this process."""
    from radcore.cohort.cluster import feature_columns
    from radcore.cohort.plan import cases_from_manifest, plan_batches
    from radcore.cohort.worker import JobSpec, run_batch
    from radcore.io.config import load_settings
    from radcore.io.manifest import CaseEntry, read_manifest, write_manifest
    from radcore.profiles import profile_of
    from radcore.settings import settings_hash

    settings = load_settings(str(config))
    h = settings_hash(settings)
    keys = profile_of(settings).feature_keys(settings)
    manifest = folder / "manifest.csv"
    write_manifest([CaseEntry(name, image, mask, None, {}) for name, image, mask in cases], manifest)
    shutil.rmtree(folder / "store", ignore_errors=True)
    shutil.rmtree(folder / "out", ignore_errors=True)
    spec = JobSpec(str(folder / "store"), str(folder / "out"), settings, h, ingest=True,
                   feature_columns=feature_columns(keys, "native"), qc_pictures=False)
    out = {}
    for job in cases_from_manifest(read_manifest(manifest), settings.label):
        (batch,) = plan_batches([job], h, set(), 1)
        start = time.perf_counter()
        report = run_batch(batch, spec)
        out[job.case_id] = [time.perf_counter() - start, report.done + report.failed]
    return out


def throughput(cases, config: Path, folder: Path, copies: int, workers: int) -> tuple[float, int, float]:
    """(seconds of the fan-out, (case, version) rows written, peak worker MB) of ``copies`` copies of each
    case on a local cluster of ``workers`` processes."""
    from distributed import Client

    from radcore.cohort.cluster import ensure_warm, local_cluster, local_cluster_kwargs
    from radcore.cohort.parameters import CohortParameters
    from radcore.cohort.run import CohortRun
    from radcore.io.manifest import CaseEntry, write_manifest

    run_folder = folder / f"workers{workers}"
    shutil.rmtree(run_folder, ignore_errors=True)
    run_folder.mkdir()
    entries = [CaseEntry(f"{name}-{k}", image, mask, None, {}) for k in range(copies) for name, image, mask in cases]
    write_manifest(entries, run_folder / "manifest.csv")
    run = CohortRun(CohortParameters(manifest=str(run_folder / "manifest.csv"), config=str(config),
                                     out=str(run_folder / "out"), workers=workers, qc_pictures=False))
    with local_cluster(**local_cluster_kwargs(workers, dashboard="127.0.0.1:0")) as cluster, Client(cluster) as client:
        ensure_warm(client, run.settings)
        with run.locked() as token:
            plan = run.plan(token, workers)
            summary = run.extract(plan, client)
            run.finish(plan, summary)
    return summary.fanout_seconds, summary.done + summary.failed, summary.peak_worker_rss_mb


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirp-python", required=True, help="the Python of a venv with mirp installed")
    parser.add_argument("--cases", type=int, default=3, help="cases: the CT phantom and synthetic ones")
    parser.add_argument("--copies", type=int, default=4, help="copies of each case in the throughput runs")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        written = write_cases(folder, args.cases + 1)
        cases = [written[0], *written[2:]]  # without synthetic0 (see the docstring)
        config = study_config(folder)
        time_radcore(cases[:1], config, folder)  # warm-up: numba compiles or loads its cache
        radcore_times = time_radcore(cases, config, folder)
        mirp_times = time_mirp(args.mirp_python, cases)
        runs = {w: throughput(cases, config, folder, args.copies, w) for w in (1, 2)}
    print("IBSI-1 configuration C with rotations -15/15, volume -10/+10 %, noise x1, one thread each")
    print(f"{'case':14s} {'radcore s':>10s} {'versions':>8s} {'MIRP s':>9s} {'versions':>8s} {'per case':>9s} "
          f"{'per version':>11s}")
    rows, ratios, version_ratios = [], [], []
    for name, _, _ in cases:
        (r, rv), (m, mv) = radcore_times[name], mirp_times[name]
        ratio, per_version = m / r, (m / mv) / (r / rv)
        ratios.append(ratio)
        version_ratios.append(per_version)
        print(f"{name:14s} {r:10.2f} {rv:8d} {m:9.2f} {mv:8d} {ratio:8.1f}x {per_version:10.1f}x")
        rows.append([name, f"{r:.2f}", str(rv), f"{m:.2f}", str(mv), f"{ratio:.1f}x", f"{per_version:.1f}x"])
    figures = {"median ratio per case (MIRP / radcore, one thread)": f"{statistics.median(ratios):.1f}x",
               "median ratio per version": f"{statistics.median(version_ratios):.1f}x"}
    for workers, (seconds, units, rss) in runs.items():
        rate = units / seconds * 3600.0
        print(f"{workers} worker(s): {units} case versions in {seconds:.1f} s = {rate:.0f} case versions/hour, "
              f"peak worker {rss:.0f} MB")
        figures[f"{workers} worker(s): case versions per hour"] = f"{rate:.0f} ({units} in {seconds:.1f} s)"
    figures["two workers over one"] = f"{runs[1][0] / runs[2][0]:.2f}x"
    record("robustness", figures,
           table={"columns": ["case", "radcore s", "versions", "MIRP s", "versions", "per case", "per version"],
                  "rows": rows},
           notes=["IBSI-1 configuration C; perturbations: rotations -15 and 15 degrees, ROI -10 % and +10 % of "
                  "its volume, one noise repetition (4 versions; radcore also writes the unperturbed one).",
                  f"Throughput: {args.copies} copies of each case through CohortRun's fan-out on a local Dask "
                  "cluster (one thread per worker process)."])


if __name__ == "__main__":
    main()
