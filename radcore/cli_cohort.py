"""Cohort subcommands of ``radcore``: ingest, run, demo, report, compact, serve, deploy.

``run`` and ``demo`` are a face over :class:`radcore.cohort.run.CohortRun`: the run is made (its inputs
read and checked) before anything starts, then handed to the cohort flow. Prefect is imported only inside
``run``, ``demo`` and ``serve`` (from ``flows/``, installed as ``radcore_flows``), after the environment for
Prefect's embedded mode is set for this process: without a Prefect server (no ``PREFECT_API_URL``) the
flow runs against the local server radcore keeps, or a temporary API with ``--temporary-prefect``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from radcore.cli_arguments import label_argument, positive_int
from radcore.cli_server import add_server_command

def add_cohort_commands(sub) -> None:
    """Add ``ingest``, ``run``, ``demo``, ``report``, ``compact``, ``serve``, ``deploy`` and ``server`` to the
    ``radcore`` subcommand parser."""
    p = sub.add_parser("ingest", help="read a manifest's images and masks into a Zarr cohort store")
    p.add_argument("manifest", help="CSV: case_id,image,mask[,label,metadata...] or PyRadiomics Image,Mask; a path "
                                    "or URL (s3://bucket/cases.csv), its images too")
    p.add_argument("--store", required=True,
                   help="Zarr cohort store: a folder or a URL such as s3://bucket/cohort.zarr (created if missing)")
    p.set_defaults(func=_run_ingest)

    p = sub.add_parser("run", help="extract a cohort into a Parquet dataset (Prefect flow over Dask)")
    p.add_argument("manifest", nargs="?", help="CSV manifest, a path or URL (cases are ingested into the store as "
                                               "they run)")
    p.add_argument("--store", default="", help="Zarr cohort store, a folder or a URL such as s3://bucket/cohort.zarr "
                                                 "(default with a manifest: OUT/cohort.zarr)")
    p.add_argument("--config", default="",
                   help="settings YAML (radcore or PyRadiomics params); default: radcore defaults")
    p.add_argument("--out", required=True, help="output dataset folder")
    p.add_argument("--label", type=label_argument, default=None,
                   help="mask label of the ROI, or 'all' for every label (default: settings, 1)")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="local Dask worker processes (default: one per core this machine or job gives)")
    p.add_argument("--scheduler", default="", help="address of a running Dask scheduler (tcp://host:8786)")
    _add_job_arguments(p)
    p.add_argument("--batch-size", type=positive_int, default=None, help="cases per batch (default: automatic)")
    p.add_argument("--naming", choices=["native", "ibsi", "pyradiomics"], default="native")
    p.add_argument("--dashboard", default=None,
                   help="local cluster's dashboard address (default 127.0.0.1:8787: this machine only; "
                        "0.0.0.0:8787 shows it to the network; 'off' starts none, as on a machine other users "
                        "reach: it shows case ids); kept workers keep the one they started with")
    p.add_argument("--no-qc-pictures", dest="qc_pictures", action="store_false",
                   help="do not draw each ROI on its image (OUT/qc/*.png)")
    p.add_argument("--temporary-prefect", action="store_true",
                   help="leave nothing running: without PREFECT_API_URL, use Prefect's temporary API rather than "
                        "start (or reuse) the local Prefect server that stays up between runs, and a cluster of "
                        "this run's own rather than the local workers kept warm (see `radcore server`)")
    p.add_argument("--report", action="store_true",
                   help="write the cohort report (OUT/report.html) at the end and print its path")
    p.add_argument("--maps", action="store_true",
                   help="also write each case's voxel feature maps (PyRadiomics params' voxelSetting, or the settings' maps "
                        "section) to "
                        "OUT/maps/settings_hash=<h>/<case>_label<n>.zarr")
    p.add_argument("--map", dest="map_picture", default="", metavar="NAME",
                   help="with --maps: draw this map of each case (e.g. original_glcm_Contrast) to "
                        "OUT/qc/<case>_label<n>_map.png")
    p.set_defaults(func=_run_run)

    p = sub.add_parser("demo", help="build a small synthetic cohort and run the whole pipeline on it")
    p.add_argument("--dir", default="radcore-demo", help="folder for the demo cohort (default ./radcore-demo)")
    p.add_argument("--cases", type=positive_int, default=6, help="number of synthetic cases (default 6)")
    p.add_argument("--workers", type=positive_int, default=None,
                   help="local Dask worker processes (default: one per core this machine or job gives)")
    p.add_argument("--config", default="",
                   help="settings YAML (radcore or PyRadiomics params); default: an IBSI CT configuration")
    p.add_argument("--dashboard", default=None,
                   help="local cluster's dashboard address (default 127.0.0.1:8787; 'off' starts none)")
    p.add_argument("--temporary-prefect", action="store_true",
                   help="leave nothing running: Prefect's temporary API rather than the local Prefect server, "
                        "and no local workers kept warm")
    p.set_defaults(func=_run_demo)

    p = sub.add_parser("report", help="one self-contained HTML page of a dataset: failures, QC pictures, "
                                      "outliers, batch effects, redundancy, provenance")
    p.add_argument("dataset", help="the dataset folder (radcore run --out)")
    p.add_argument("--out", help="HTML file to write (default DATASET/report.html)")
    p.add_argument("--group", help="metadata column to group cases by (default: site, scanner, ... if present)")
    p.add_argument("--settings-hash", help="settings partition to analyse (default: the one with most rows)")
    p.add_argument("--max-thumbnails", type=int, default=None,
                   help="QC pictures shown at most (flagged cases first, then a sample; default 200)")
    p.set_defaults(func=_run_report)

    p = sub.add_parser("compact", help="rewrite a dataset's batch files as a few large files sorted by case")
    p.add_argument("dataset", help="the dataset folder (radcore run --out)")
    p.add_argument("--settings-hash", help="one settings partition (default: every one)")
    p.set_defaults(func=_run_compact)

    p = sub.add_parser("serve", help="register the cohort flow as a Prefect deployment and serve its runs")
    p.add_argument("--name", default="radcore-cohort", help="deployment name (default radcore-cohort)")
    p.add_argument("--api-url", help="Prefect API (default: the one `radcore run` uses: PREFECT_API_URL, else the "
                                     "local Prefect server, started if it does not run)")
    p.set_defaults(func=_run_serve)

    p = sub.add_parser("deploy", help="register the cohort flow as a Prefect deployment on a work pool, for "
                                      "`prefect worker` processes to run")
    p.add_argument("--pool", required=True, help="work pool (a 'process' pool; made if missing)")
    p.add_argument("--name", default="radcore-cohort", help="deployment name (default radcore-cohort)")
    p.add_argument("--api-url", help="Prefect API (default: the one `radcore run` uses)")
    p.add_argument("--param", action="append", metavar="KEY=VALUE",
                   help="a default of the form, e.g. manifest=/data/cohort.csv (repeat; a schedule needs manifest "
                        "and out)")
    p.add_argument("--cron", help="run on this schedule (cron expression, e.g. '0 2 * * *'): each run does the "
                                  "cases not yet done")
    p.set_defaults(func=_run_deploy)

    add_server_command(sub)


def _add_job_arguments(p) -> None:
    """``run``'s options of worker jobs on a batch system (dask-jobqueue: :mod:`radcore.cohort.jobqueue`)."""
    jobs = p.add_argument_group("worker jobs on SLURM or PBS (pip install \"radcore[slurm]\"; see infra/slurm)")
    jobs.add_argument("--cluster", choices=["slurm", "pbs"], default="",
                      help="submit the workers as jobs of this batch system; they are cancelled at the end")
    jobs.add_argument("--jobs", type=positive_int, default=1, help="worker jobs kept running (a lost one is replaced)")
    jobs.add_argument("--queue", default="", help="SLURM partition or PBS queue (default: the site's)")
    jobs.add_argument("--account", default="", help="account (project) the jobs are charged to")
    jobs.add_argument("--walltime", default="", help="each job's time limit, e.g. 04:00:00 (default: dask-jobqueue's, 00:30:00)")
    jobs.add_argument("--job-memory", default="", help="memory of each job, e.g. 16GB (default 4GB)")
    jobs.add_argument("--job-cores", type=positive_int, default=None,
                      help="cores of each job: one single-threaded worker process each (default 1)")
    jobs.add_argument("--job-interface", default="",
                      help="network interface the scheduler and workers listen on, one the jobs reach (e.g. ib0)")
    jobs.add_argument("--cluster-config", default="", metavar="FILE",
                      help="YAML of dask-jobqueue keyword arguments (job_extra_directives, local_directory, ...); "
                           "the options above win over it")
    jobs.add_argument("--job-start-timeout", type=float, default=3600.0, metavar="SECONDS",
                      help="give up when no worker job has started after this long (default 3600)")


def _job_parameters(args) -> dict:
    """``run``'s worker-job options as cohort parameters (none without ``--cluster``)."""
    if not args.cluster:
        given = [option for option, value in (("--jobs", args.jobs != 1), ("--queue", args.queue),
                                              ("--account", args.account), ("--walltime", args.walltime),
                                              ("--job-memory", args.job_memory), ("--job-cores", args.job_cores),
                                              ("--job-interface", args.job_interface),
                                              ("--cluster-config", args.cluster_config)) if value]
        if given:
            from radcore.errors import SettingsError

            raise SettingsError(f"{', '.join(given)}: {'options' if len(given) > 1 else 'an option'} of worker jobs; "
                                "give --cluster slurm (or pbs) too")
        return {}
    return {"cluster": args.cluster, "jobs": args.jobs, "queue": args.queue, "account": args.account,
            "walltime": args.walltime, "job_memory": args.job_memory, "job_cores": args.job_cores or 0,
            "job_interface": args.job_interface, "cluster_config": args.cluster_config,
            "job_start_timeout": args.job_start_timeout}


# ---------------------------------------------------------------- ingest


def _run_ingest(args) -> int:
    from radcore.cohort.progress import ProgressBar
    from radcore.errors import RadcoreError
    from radcore.io import remote
    from radcore.io.manifest import read_manifest
    from radcore.io.store import case_info, ingest_case

    manifest = read_manifest(args.manifest)
    counts = {"written": 0, "unchanged": 0, "failed": len(manifest.problems)}
    for problem in manifest.problems:
        print(f"manifest: {problem.reason}", file=sys.stderr)
    with ProgressBar(len(manifest.entries), "ingesting") as bar:
        for entry in manifest.entries:
            try:
                counts[ingest_case(args.store, entry)] += 1
                mismatch = case_info(args.store, entry.case_id).geometry_mismatch
                if mismatch:
                    print(f"case {entry.case_id!r}: stored, but {mismatch}: IBSI settings will refuse it, "
                          "PyRadiomics params only with correctMask (or a wider geometryTolerance)", file=sys.stderr)
            except RadcoreError as exc:
                counts["failed"] += 1
                print(f"case {entry.case_id!r}: {type(exc).__name__}: {exc}", file=sys.stderr)
            bar.advance()
    print(f"{remote.shown(args.store)}: {counts['written']} written, {counts['unchanged']} unchanged, {counts['failed']} failed")
    return 1 if counts["failed"] else 0


# ---------------------------------------------------------------- run


def embedded_prefect_env() -> None:
    """Let Prefect start its temporary local API when no server is configured, and keep its state under
    ``RADCORE_HOME`` (:func:`radcore.cli_server.keep_prefect_state_home`): this process only."""
    from radcore.cli_server import keep_prefect_state_home

    keep_prefect_state_home()
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_ENABLED", "true")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")


def _run_run(args) -> int:
    if not args.manifest and not args.store:
        print("radcore run: give a MANIFEST or --store STORE", file=sys.stderr)
        return 2
    if args.scheduler and args.cluster:
        print("radcore run: give --scheduler (a running cluster) or --cluster (worker jobs of its own), not both",
              file=sys.stderr)
        return 2
    summary = run_cohort(
        manifest=args.manifest or "", store=args.store, config=args.config, out=args.out, workers=args.workers or 0,
        scheduler=args.scheduler, **_job_parameters(args), batch_size=args.batch_size or 0, naming=args.naming,
        label="" if args.label is None else str(args.label), qc_pictures=args.qc_pictures, report=args.report,
        maps=args.maps, map_picture=args.map_picture,
        temporary_prefect=args.temporary_prefect, **({"dashboard": args.dashboard} if args.dashboard else {}),
    )
    print(f"{args.out}: {summary.done} rows written, {summary.failed} failed, {summary.skipped} already done "
          f"({summary.seconds:.1f} s)")
    _print_failures(summary)
    if summary.report_path:
        print(f"report: {summary.report_path}")
    return 1 if summary.failed else 0


#: failures a command prints at its end (all of them are in the dataset's errors partition)
FAILURES_PRINTED = 10


def _print_failures(summary) -> None:
    """Up to :data:`FAILURES_PRINTED` failures (case, label, stage, reason), and where the rest are."""
    if not summary.failed:
        return
    for f in summary.failures[:FAILURES_PRINTED]:
        label = "" if f["label"] is None else f" label {f['label']}"
        print(f"  failed: case {f['case_id']!r}{label} at {f['stage']}: {f['error_type']}: {f['reason']}",
              file=sys.stderr)
    from radcore.io import remote

    more = f"the other {summary.failed - FAILURES_PRINTED} and " if summary.failed > FAILURES_PRINTED else ""
    print(f"  {more}every failure with its reason: {remote.shown(remote.join(summary.dataset, 'errors'))} "
          f"(settings_hash={summary.settings_hash})", file=sys.stderr)


def run_cohort(temporary_prefect: bool = False, **parameters):
    """Run a cohort in this process: make its :class:`~radcore.cohort.run.CohortRun` (which reads and checks
    the settings, the output folder and the manifest or store, so a bad one fails in a line before Prefect
    or Dask start), then run the cohort flow on it against the Prefect API
    :func:`radcore.cli_server.begin_prefect` picks (a configured one, the local server it starts and keeps,
    or Prefect's temporary API).

    Without ``scheduler`` the local Dask cluster starts (and warms its workers) in the background while
    Prefect is imported and reached, not after; unless ``temporary_prefect``, its workers are kept warm for
    later runs, and workers an earlier run kept are used (:mod:`radcore.cohort.kept_workers`). Until the
    flow starts (Prefect's import, a local Prefect server's start: its first takes longest), the workers
    ingest the manifest's cases ahead, and their batches do not ingest them again. With ``cluster`` (slurm,
    pbs) the workers are jobs of that batch system (:class:`~radcore.cohort.jobqueue.JobCluster`), submitted
    in the same way while Prefect starts, and cancelled at the end. A cohort with nothing left to do
    (:meth:`~radcore.cohort.run.CohortRun.already_done`) returns at once, without Prefect.
    """
    from radcore.cli_server import begin_prefect
    from radcore.cohort.parameters import CohortParameters
    from radcore.cohort.run import CohortRun, handed_over
    from radcore.errors import SettingsError

    try:
        params = CohortParameters(**parameters)
    except ValueError as exc:  # pydantic's ValidationError: the fields and what is wrong with them
        raise SettingsError(_validation_message(exc)) from None
    start = time.perf_counter()
    run = CohortRun(params)
    run.show_progress = True
    done = run.done()
    finished = run.already_done(done)
    if finished is not None:
        finished.setup_seconds = time.perf_counter() - start
        print(f"radcore: nothing left to do: {params.out} holds every case of settings {run.settings_hash} "
              "(no flow run started)", file=sys.stderr)
        return finished
    cluster = None
    if not params.scheduler and run.may_have_work(done):
        from radcore.cohort.background import BackgroundCluster

        if params.cluster:
            from radcore.cohort.jobqueue import JobCluster, job_workers

            cluster = BackgroundCluster(run.settings, job_workers(params), jobs=JobCluster(params))
        else:
            from radcore.cohort.cluster import local_workers
            from radcore.cohort.kept_workers import keep_workers

            cluster = BackgroundCluster(run.settings, local_workers(params.workers),
                                        keep=keep_workers(temporary_prefect), dashboard=params.dashboard)
        run.ingest_ahead(cluster, done)
    try:
        embedded_prefect_env()
        line, ready = begin_prefect(temporary_prefect)
        print(f"radcore: Prefect: {line}", file=sys.stderr)
        import dask.config

        from radcore_flows.cohort import cohort_flow

        api = ready()
        client_config = {}
        if cluster is not None:
            ahead = run.stop_ingesting(cluster)
            if ahead:
                print(f"radcore: ingested {ahead} cases while Prefect started", file=sys.stderr)
            run.use_scheduler(cluster.address())
            client_config = cluster.client_config()
            if cluster.kept is not None:
                print(f"radcore: workers: {_kept_line(cluster.kept)}", file=sys.stderr)
            if cluster.jobs is not None:
                print(f"radcore: workers: {_jobs_line(cluster.jobs)}", file=sys.stderr)
        with dask.config.set(client_config), handed_over(run):
            if api is None:
                return cohort_flow(run.params)
            with prefect_at(api):
                return cohort_flow(run.params)
    finally:
        if cluster is not None:
            cluster.close()


def prefect_at(api: str):
    """Prefect's settings for this process pointed at ``api``, with the local server's authentication string
    when it asks for one (:func:`radcore.cli_server.begin_prefect` put it in ``PREFECT_API_AUTH_STRING``)."""
    from prefect.settings import PREFECT_API_AUTH_STRING, PREFECT_API_URL, temporary_settings

    auth = os.environ.get("PREFECT_API_AUTH_STRING")
    return temporary_settings(updates={PREFECT_API_URL: api, **({PREFECT_API_AUTH_STRING: auth} if auth else {})})


def _validation_message(exc: ValueError) -> str:
    errors = getattr(exc, "errors", None)
    if errors is None:
        return str(exc)
    return "; ".join(f"{'.'.join(str(p) for p in e['loc']) or 'parameters'}: {e['msg'].removeprefix('Value error, ')}"
                     for e in errors())


def _jobs_line(jobs) -> str:
    ids = ", ".join(jobs.job_ids())
    return (f"{jobs.jobs} {jobs.kind.upper()} jobs ({ids}); the first worker connected "
            f"{jobs.first_worker_seconds:.1f} s after submission; the jobs are cancelled at the end")


def _kept_line(kept) -> str:
    from radcore.cohort.kept_workers import idle_minutes

    how = "started" if kept.started else "using"
    return (f"{how} {kept.workers} local workers kept warm for later runs (dashboard {kept.dashboard}; they end "
            f"after {idle_minutes():g} idle minutes or with `radcore server stop`)")


# ---------------------------------------------------------------- demo


def _run_demo(args) -> int:
    from radcore.cohort.synthetic import write_cohort
    from radcore.cohort.run import check_output_folder
    from radcore.io.config import write_settings_file
    from radcore.settings import DiscretisationSettings, ResegmentationSettings, Settings

    folder = Path(args.dir).resolve()
    if args.config:
        from radcore.io.config import load_settings

        load_settings(args.config)  # a bad one fails here, before anything is written
    check_output_folder(str(folder), "--dir")
    print(f"radcore demo: writing {args.cases} synthetic CT cases with lesion masks to {folder}/inputs")
    manifest = write_cohort(folder / "inputs", args.cases)
    if args.config:
        config = Path(args.config).resolve()
    else:
        config = folder / "settings.yaml"
        write_settings_file(
            Settings(resegmentation=ResegmentationSettings(range=(-1000.0, 400.0)),
                     discretisation=DiscretisationSettings(method="fixed_bin_size", bin_size=25.0)),
            config,
        )
    store = folder / "cohort.zarr"
    print(f"radcore demo: ingesting into {store}")
    status = _run_ingest(_Args(manifest=str(manifest), store=str(store)))
    out = folder / "dataset"
    workers = f"{args.workers} Dask workers" if args.workers else "one Dask worker per core"
    print(f"radcore demo: extracting with {config.name} on {workers} into {out}")
    summary = run_cohort(store=str(store), config=str(config), out=str(out), workers=args.workers or 0, report=True,
                         temporary_prefect=args.temporary_prefect,
                         **({"dashboard": args.dashboard} if args.dashboard else {}))
    _print_summary(out, summary.settings_hash)
    print(f"\nradcore demo: the cohort report (QC pictures, outliers, redundancy): {summary.report_path}\n"
          f"  open it in a browser; `radcore report {out}` writes it again")
    return status or (1 if summary.failed else 0)


class _Args:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _print_summary(out: Path | str, settings_hash: str) -> None:
    from radcore.io import remote
    from radcore.io.dataset import features_glob, partition

    duckdb = remote.duckdb_connection(out)
    features = f"read_parquet('{features_glob(out)}', hive_partitioning=true, union_by_name=true)"
    catalogue = remote.join(partition(out, "catalogue", settings_hash), "catalogue.parquet")
    columns: list[str] = []
    n_features = 0
    if remote.glob(partition(out, "catalogue", settings_hash), "catalogue.parquet"):
        rows = duckdb.sql(f"select \"column\", family from read_parquet('{catalogue}', file_row_number = true) "
                          "where image_type = 'original' order by file_row_number").fetchall()  # catalogue order
        n_features = duckdb.sql(f"select count(*) from '{catalogue}'").fetchall()[0][0]
        families: set[str] = set()
        for column, family in rows:  # the first feature of the first three families (diagnostics are not features)
            if family != "diagnostics" and family not in families and len(families) < 3:
                families.add(family)
                columns.append(column)
    shown = ", ".join(["case_id", "label", "site"] + [f'round("{c}", 2) as "{c.removeprefix("original_")}"'
                                                      for c in columns])
    print(f"\nDuckDB: {n_features} feature columns per row; a few of them:")
    duckdb.sql(f"select {shown} from {features} where settings_hash = '{settings_hash}' order by case_id").show()
    print(f"query it yourself:\n  duckdb.sql(\"select * from {features}\")\n"
          f"  pandas.read_parquet('{out}/features')")


# ---------------------------------------------------------------- report


def _run_report(args) -> int:
    from radcore.report import build_report

    extra = {"max_thumbnails": args.max_thumbnails} if args.max_thumbnails is not None else {}
    summary = build_report(args.dataset, out=args.out, group=args.group, settings_hash=args.settings_hash, **extra)
    group = f", grouped by {summary.group_column}" if summary.group_column else ""
    print(f"{summary.path}: {summary.cases} rows, {summary.failed} failed, {len(summary.flagged)} flagged{group} "
          f"(settings {summary.settings_hash}; {summary.size_bytes / 1e6:.1f} MB in {summary.seconds:.1f} s)")
    return 0


# ---------------------------------------------------------------- compact


def _run_compact(args) -> int:
    from radcore.io.compact import compact

    from radcore.io import remote

    folder = remote.join(args.dataset, "features")
    hashes = [args.settings_hash] if args.settings_hash else sorted(
        p.rstrip("/").rsplit("=", 1)[1] for p in remote.glob(folder, "settings_hash=*") if remote.is_dir(p))
    if not hashes:
        print(f"radcore compact: no settings partition in {folder}", file=sys.stderr)
        return 2
    for h in hashes:
        read, written = compact(args.dataset, h)
        print(f"settings {h}: {read} batch files rewritten as {written} sorted files")
    return 0


# ---------------------------------------------------------------- serve


def _prefect_for_deployments(command: str, api_url: str | None) -> str | None:
    """The Prefect API ``serve`` and ``deploy`` register on (:func:`radcore.cli_server.prefect_for_serving`),
    said on standard output; None (said on standard error) when the local server does not start."""
    from radcore.cli_server import keep_prefect_state_home, prefect_for_serving

    keep_prefect_state_home()
    if api_url:
        os.environ["PREFECT_API_URL"] = api_url
    try:
        line, api = prefect_for_serving()
    except RuntimeError as exc:
        print(f"radcore {command}: {exc}", file=sys.stderr)
        return None
    os.environ["PREFECT_API_URL"] = api  # for the processes of the runs served, too
    print(f"radcore {command}: Prefect: {line}", flush=True)
    return api


def _run_serve(args) -> int:
    api = _prefect_for_deployments("serve", args.api_url)
    if api is None:
        return 1
    from radcore_flows.deploy import serve

    print(f"radcore serve: deployment {args.name!r} registered on the Prefect API at {api}; its runs run here "
          "until Ctrl-C", flush=True)
    with prefect_at(api):
        serve(args.name)
    return 0


def _run_deploy(args) -> int:
    parameters = _form_defaults(args.param or [])
    api = _prefect_for_deployments("deploy", args.api_url)
    if api is None:
        return 1
    from radcore_flows.deploy import deploy_to_pool

    with prefect_at(api):
        deployment_id = deploy_to_pool(args.pool, args.name, parameters, args.cron)
    ui = api.removesuffix("/api")
    schedule = f", scheduled {args.cron!r}" if args.cron else ""
    print(f"radcore deploy: deployment 'radcore-cohort/{args.name}' on work pool {args.pool!r}{schedule}: "
          f"{ui}/deployments/deployment/{deployment_id}\n"
          f"  its runs wait for a worker: `prefect worker start --pool {args.pool}` on a machine with radcore "
          f"and the data (PREFECT_API_URL={api})")
    return 0


def _form_defaults(pairs: list[str]) -> dict:
    """``KEY=VALUE`` pairs as the form's defaults, each KEY a field of the form and VALUE of its type."""
    from pydantic import TypeAdapter, ValidationError

    from radcore.cohort.parameters import CohortParameters
    from radcore.errors import SettingsError

    fields = CohortParameters.model_fields
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or key not in fields:
            raise SettingsError(f"--param {pair!r}: give KEY=VALUE with KEY one of {sorted(fields)}")
        try:
            values[key] = TypeAdapter(fields[key].annotation).validate_python(value)
        except ValidationError as exc:
            raise SettingsError(f"--param {pair!r}: {exc.errors()[0]['msg']}") from None
    return values
