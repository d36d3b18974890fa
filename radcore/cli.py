"""The radcore command: extract (one case), maps (voxel feature maps), filter (response maps), robustness (ICC
of a dataset); ingest, run, demo, compact, serve (cohorts)."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading

from radcore.cli_arguments import label_argument
from radcore.errors import RadcoreError


def _add_extract(sub) -> None:
    p = sub.add_parser("extract", help="features of one case (image + mask)")
    p.add_argument("image", help="image file (NIfTI, NRRD, MHA) or DICOM series folder; a path or URL")
    p.add_argument("mask", help="mask file on the image's grid, or a DICOM RTSTRUCT or SEG file; a path or URL")
    p.add_argument("--config", help="radcore settings YAML or a PyRadiomics params YAML")
    p.add_argument("--label", type=label_argument, default=None,
                   help="mask label of the ROI, or 'all' for every label (default: settings, 1)")
    p.add_argument("--roi", action="append", default=None,
                   help="ROI name of an RTSTRUCT mask or segment of a SEG mask (repeat for several: one result "
                        "each; default: its only one)")
    p.add_argument("--series", help="SeriesInstanceUID to read when the image folder holds several series "
                                     "(default: the one an RTSTRUCT or SEG mask refers to)")
    p.add_argument("--naming", choices=["native", "ibsi", "pyradiomics"], default="native")
    p.add_argument("--out", type=_output_file, help="output file: .csv, .json or .parquet (default: JSON on stdout)")
    p.set_defaults(func=_run_extract)


def _output_file(text: str) -> str:
    if not text.lower().endswith((".csv", ".json", ".parquet")):
        raise argparse.ArgumentTypeError(f"must end in .csv, .json or .parquet, got {text!r}")
    return text


def _run_extract(args) -> int:
    from radcore import extract
    from radcore.io.results import write_features, write_label_features

    roi = args.roi if args.roi is None or len(args.roi) > 1 else args.roi[0]
    values = extract(args.image, args.mask, config=args.config, label=args.label, naming=args.naming, roi=roi,
                     series=args.series)
    if values and isinstance(next(iter(values.values())), dict):  # one set of features per label or ROI
        write_label_features(values, args.out)
    else:
        write_features(values, args.out)
    return 0


def _add_filter(sub) -> None:
    p = sub.add_parser("filter", help="response maps of the settings' image types on a whole image")
    p.add_argument("image", help="image file (NIfTI, NRRD, MHA) or DICOM series folder; a path or URL")
    p.add_argument("--config", required=True, help="radcore settings YAML naming the filters (image_types)")
    p.add_argument("--out", required=True,
                   help="map file (.nii.gz, .nii, .nrrd, .mha) or .zarr group; several maps go to "
                        "<stem>_<map name><suffix> (one array each in a .zarr group)")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32", help="voxel type written")
    p.set_defaults(func=_run_filter)


def _run_filter(args) -> int:
    from radcore.io.config import load_settings
    from radcore.io.fetch import fetched
    from radcore.io.images import read_image, to_volume
    from radcore.io.maps import check_map_path, write_maps
    from radcore.response_maps import response_maps

    check_map_path(args.out)
    with fetched(args.image, "image") as image:
        volume = to_volume(read_image(image))
    maps = response_maps(volume, load_settings(args.config))
    for path in write_maps(maps, args.out, args.dtype):
        print(path)
    return 0


def _add_robustness(sub) -> None:
    from radcore.robustness.study import DEFAULT_ICC_TYPE, DEFAULT_THRESHOLD

    p = sub.add_parser("robustness", help="ICC of every feature over the perturbed versions of a robustness run")
    p.add_argument("dataset", help="the --out folder of a `radcore run` with perturbations in its config")
    p.add_argument("--settings-hash", help="the partition (default: the dataset's one with perturbed versions)")
    p.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD,
                   help=f"a feature passes when its ICC's 95%% lower bound reaches this (default {DEFAULT_THRESHOLD})")
    p.add_argument("--icc-type", choices=["ICC(1,1)", "ICC(A,1)", "ICC(C,1)"], default=DEFAULT_ICC_TYPE,
                   help=f"the ICC judged for passing (default {DEFAULT_ICC_TYPE}); all three are written")
    p.set_defaults(func=_run_robustness)


def _run_robustness(args) -> int:
    from radcore.robustness.study import robustness_study

    result = robustness_study(args.dataset, args.settings_hash, args.threshold, args.icc_type)
    print(f"{len(result.passing)} of {result.features} features pass ({result.icc_type} 95% lower bound >= "
          f"{result.threshold:g}) over {result.n_cases} cases x {len(result.versions)} versions: {result.path}")
    return 0


def _add_maps(sub) -> None:
    p = sub.add_parser("maps", help="voxel feature maps of one case (PyRadiomics' voxel-based extraction)")
    p.add_argument("image", help="image file (NIfTI, NRRD, MHA) or DICOM series folder; a path or URL")
    p.add_argument("mask", help="mask file on the image's grid; a path or URL")
    p.add_argument("--config", required=True,
                   help="PyRadiomics params YAML (its voxelSetting: kernelRadius, maskedKernel, initValue, voxelBatch)")
    p.add_argument("--out", required=True,
                   help="a folder (one <map name>.<format> file per map) or a .zarr group (one array per map)")
    p.add_argument("--format", choices=["nrrd", "nii.gz", "nii", "mha"], default="nrrd",
                   help="file format in a folder (default nrrd)")
    p.add_argument("--label", type=int, default=None, help="mask label of the ROI (default: settings, 1)")
    p.add_argument("--naming", choices=["native", "pyradiomics"], default="pyradiomics")
    p.add_argument("--dtype", choices=["float32", "float64"], default="float32", help="voxel type written")
    p.add_argument("--threads", choices=["all", "one"], default="all",
                   help="numba's threads (NUMBA_NUM_THREADS) or one")
    p.set_defaults(func=_run_maps)


def _run_maps(args) -> int:
    from radcore import extract_maps
    from radcore.io.images import to_volume
    from radcore.io.maps import write_map_folder, write_maps

    maps = extract_maps(args.image, args.mask, config=args.config, label=args.label, naming=args.naming,
                        parallel=args.threads == "all")
    volumes = {name: to_volume(image, name) for name, image in maps.items()}
    if args.out.lower().rstrip("/").endswith(".zarr"):
        write_maps(volumes, args.out.rstrip("/"), args.dtype)
    else:
        write_map_folder(volumes, args.out, args.format, args.dtype)
    print(f"{len(maps)} maps -> {args.out}")
    return 0


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line that names the problem and where to look (exit 2)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    from radcore import __version__

    parser = _Parser(prog="radcore", description=__doc__)
    parser.add_argument("--version", action="version", version=f"radcore {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _add_extract(sub)
    _add_maps(sub)
    _add_filter(sub)
    _add_robustness(sub)
    try:
        from radcore.cli_cohort import add_cohort_commands
    except ModuleNotFoundError as exc:
        if exc.name != "radcore.cli_cohort":
            raise
    else:
        add_cohort_commands(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except RadcoreError as exc:
        print(f"radcore {args.command}: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


def console() -> None:
    """The ``radcore`` command: :func:`main`, then a quick exit.

    The interpreter's teardown of the modules a cohort command loads (Prefect, Dask, numba, Arrow) took
    about 0.8 s at the end of every run here, and does nothing a finished command needs. So, once the
    command has returned, the steps of an exit that do matter run as the interpreter would run them (the
    threads' exit callbacks, e.g. Prefect sending its last logs; joining the threads; the ``atexit``
    handlers: logging flushed, child processes reaped), and the process then ends without the teardown.
    An exception from the command leaves by the usual way. Zarr's exit handler is left out: it only closes
    its event loop, which an ending process need not, and on a loaded machine its 0.2 s wait for the loop's
    thread ran out and printed a traceback after a run that had succeeded.
    """
    code = main()
    zarr_sync = sys.modules.get("zarr.core.sync")
    if zarr_sync is not None and hasattr(zarr_sync, "cleanup_resources"):
        atexit.unregister(zarr_sync.cleanup_resources)
    try:
        threading._shutdown()  # what the interpreter does first at exit
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001 - then exit the usual way
        sys.exit(code)
    os._exit(code)


if __name__ == "__main__":  # pragma: no cover
    console()
