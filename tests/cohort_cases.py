"""Small synthetic cohorts for the store, worker and flow tests: good cases and the four broken kinds."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import SimpleITK as sitk

from radcore.cohort.synthetic import ct_like_case
from radcore.io.images import to_image
from radcore.io.manifest import CaseEntry, write_manifest

SMALL = (16, 48, 48)
#: families kept small so the cohort tests stay fast; the pipeline itself does not care which run
CONFIG = "families: [stat]\n"


def write_good_case(folder: Path, case_id: str, seed: int, shape=SMALL) -> CaseEntry:
    image, mask = ct_like_case(shape, seed=seed, lesion_radius_mm=6.0)
    paths = folder / f"{case_id}_image.nii.gz", folder / f"{case_id}_mask.nii.gz"
    sitk.WriteImage(to_image(image), str(paths[0]))
    sitk.WriteImage(to_image(mask), str(paths[1]))
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
    shifted = sitk.GetImageFromArray(sitk.GetArrayFromImage(mask)[:, :-2, :])  # smaller, at another origin
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


#: case ids a user may well write: kept verbatim, never used as a path
ODD_IDS = ["case 01", "../escape", ".hidden", "a/b\\c", "comma, inside", "ünï 病例", ".."]


def write_odd_cohort(folder: Path) -> tuple[Path, dict[str, str], dict[int, str]]:
    """A manifest of oddly named good cases, damaged files and unrunnable rows.

    Returns (manifest, case id -> expected outcome: "ok" or the failure stage, manifest row -> reason text).
    """
    import csv

    folder.mkdir(parents=True, exist_ok=True)
    rows, expected = [], {}
    for i, case_id in enumerate(ODD_IDS):
        entry = write_good_case(folder, f"odd{i}", i)
        rows.append([case_id, entry.image, entry.mask, "", f"s{i % 2}"])
        expected[case_id] = "ok"
    template = write_good_case(folder, "template", 42)
    data = Path(template.image).read_bytes()
    (folder / "truncated.nii.gz").write_bytes(data[: len(data) // 3])
    rows.append(["truncated gz", str(folder / "truncated.nii.gz"), template.mask, "", "x"])
    expected["truncated gz"] = "read"
    image = sitk.ReadImage(template.image, sitk.sitkFloat32)
    values = sitk.GetArrayFromImage(image)
    values[0, 0, 0] = np.nan
    nan_image = sitk.GetImageFromArray(values)
    nan_image.CopyInformation(image)
    sitk.WriteImage(nan_image, str(folder / "nan.nii.gz"))
    rows.append(["nan voxels", str(folder / "nan.nii.gz"), template.mask, "", "x"])
    expected["nan voxels"] = "read"
    for case_id, (entry, stage) in write_broken_cases(folder).items():
        rows.append([case_id, entry.image, entry.mask, "", "x"])
        expected[case_id] = stage
    problems = {
        len(rows) + 2: "the case id is empty",
        len(rows) + 3: "label must be an integer or 'all'",
        len(rows) + 4: "image and mask must both be given",
    }
    rows += [["", template.image, template.mask, "", "x"],
             ["bad label", template.image, template.mask, "one", "x"],
             ["no mask", template.image, "", "", "x"]]
    manifest = folder / "manifest.csv"
    with manifest.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["case_id", "image", "mask", "label", "site"])
        w.writerows(rows)
    return manifest, expected, problems


#: the report's cohort: shape, intensity and a volume feature, still fast
REPORT_CONFIG = ("families: [morph, stat, ih]\nresegmentation: {range: [-1000, 400]}\n"
                 "discretisation: {method: fixed_bin_size, bin_size: 25}\n")


def write_report_cohort(folder: Path, n_good: int = 8) -> tuple[Path, dict[str, str]]:
    """Good cases from sites ``north`` and ``south``, two planted problems and the four broken kinds.

    - ``shifted``: a north case whose mask is moved 8 voxels (6.4 mm, about the lesion's radius) along x,
      off its lesion onto the tissue and lung beside it (the image is right, the contour is not);
    - ``east01``: the only case of site ``east``, whose scanner reads 120 HU high (every voxel offset).

    Returns (manifest, case id -> "good", "shifted mask", "outlying site" or the failure stage).
    """
    import dataclasses

    folder.mkdir(parents=True, exist_ok=True)
    entries, kinds = [], {}
    for i in range(n_good):
        entry = write_good_case(folder, f"case{i:02d}", i)
        entries.append(dataclasses.replace(entry, metadata={"site": ("north", "south")[i % 2]}))
        kinds[entry.case_id] = "good"
    image, mask = ct_like_case(SMALL, seed=50, lesion_radius_mm=6.0)
    moved = dataclasses.replace(mask, array=np.roll(mask.array, 8, axis=2))
    assert not (moved.array.astype(bool) & mask.array.astype(bool)).all()
    entries.append(_write(folder, "shifted", image, moved, "north"))
    kinds["shifted"] = "shifted mask"
    image, mask = ct_like_case(SMALL, seed=51, lesion_radius_mm=6.0)
    bright = dataclasses.replace(image, array=(image.array.astype(np.int32) + 120).astype(np.int16))
    entries.append(_write(folder, "east01", bright, mask, "east"))
    kinds["east01"] = "outlying site"
    for case_id, (entry, stage) in write_broken_cases(folder).items():
        entries.append(entry)
        kinds[case_id] = stage
    manifest = folder / "manifest.csv"
    write_manifest(entries, manifest)
    return manifest, kinds


def _write(folder: Path, case_id: str, image, mask, site: str) -> CaseEntry:
    paths = folder / f"{case_id}_image.nii.gz", folder / f"{case_id}_mask.nii.gz"
    sitk.WriteImage(to_image(image), str(paths[0]))
    sitk.WriteImage(to_image(mask), str(paths[1]))
    return CaseEntry(case_id, str(paths[0]), str(paths[1]), None, {"site": site})
