"""Small synthetic cohorts for the store, worker and flow tests: good cases and the four broken kinds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from radcore.cohort.synthetic import ct_like_case, to_sitk
from radcore.io.manifest import CaseEntry, write_manifest

SMALL = (16, 48, 48)
#: families kept small so the cohort tests stay fast; the pipeline itself does not care which run
CONFIG = "families: [stat]\n"


def write_good_case(folder: Path, case_id: str, seed: int, shape=SMALL) -> CaseEntry:
    image, mask = ct_like_case(shape, seed=seed, lesion_radius_mm=6.0)
    paths = folder / f"{case_id}_image.nii.gz", folder / f"{case_id}_mask.nii.gz"
    sitk.WriteImage(to_sitk(image), str(paths[0]))
    sitk.WriteImage(to_sitk(mask), str(paths[1]))
    return CaseEntry(case_id, str(paths[0]), str(paths[1]), None, {"site": f"s{seed % 2}"})


def write_broken_cases(folder: Path) -> dict[str, tuple[CaseEntry, str]]:
    """case id -> (entry, expected failure stage): missing file, corrupt file, empty mask, wrong geometry."""
    good = write_good_case(folder, "template", 99)
    out = {}
    out["missing"] = (CaseEntry("missing", str(folder / "nowhere.nii.gz"), good.mask, None, {"site": "x"}), "read")
    corrupt = folder / "corrupt.nii.gz"
    corrupt.write_bytes(b"this is not a NIfTI file" * 10)
    out["corrupt"] = (CaseEntry("corrupt", str(corrupt), good.mask, None, {"site": "x"}), "read")
    mask = sitk.ReadImage(good.mask)
    empty = sitk.Image(mask.GetSize(), mask.GetPixelID())
    empty.CopyInformation(mask)
    sitk.WriteImage(empty, str(folder / "empty_mask.nii.gz"))
    out["empty"] = (CaseEntry("empty", good.image, str(folder / "empty_mask.nii.gz"), None, {"site": "x"}), "preprocess")
    shifted = sitk.GetImageFromArray(np.zeros(mask.GetSize()[::-1], np.uint8)[:, :-2, :])
    shifted.SetSpacing(mask.GetSpacing())
    sitk.WriteImage(shifted, str(folder / "small_mask.nii.gz"))
    out["mismatch"] = (CaseEntry("mismatch", good.image, str(folder / "small_mask.nii.gz"), None, {"site": "x"}), "ingest")
    return out


def write_cohort(folder: Path, n_good: int, broken: bool) -> tuple[Path, list[str], dict[str, str]]:
    """A manifest of ``n_good`` good cases (+ the broken ones); returns (manifest, good ids, broken id -> stage)."""
    folder.mkdir(parents=True, exist_ok=True)
    entries = [write_good_case(folder, f"case{i:02d}", i) for i in range(n_good)]
    stages = {}
    if broken:
        for case_id, (entry, stage) in write_broken_cases(folder).items():
            entries.append(entry)
            stages[case_id] = stage
    manifest = folder / "manifest.csv"
    write_manifest(entries, manifest)
    return manifest, [e.case_id for e in entries[:n_good]], stages
