"""IBSI-1 conformance through the command line: digital phantom and CT phantom configurations A to E.

Each case runs once (``radcore extract ... --naming ibsi --out features.csv``); the tests then compare
its columns with the IBSI reference values (tests/reference.py has the matching rule). The full counts
are what a complete IBSI implementation reaches; the per-family tests show which family falls short.
"""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from radcore.cli import main
from tests.reference import CONFIGS, CT_PHANTOM, CT_PHANTOM_DICOM, DIGITAL_PHANTOM, compare, reference

#: reference table -> (image and mask, config file)
CASES = {
    "dig_phantom": (DIGITAL_PHANTOM, CONFIGS / "digital_phantom.yaml"),
    **{f"chest_config_{c}": (CT_PHANTOM, CONFIGS / f"config_{c}.yaml") for c in "abcde"},
}
#: the CT phantom through the DICOM route: the CT series and its RTSTRUCT, rasterised by radcore
DICOM_CASES = {f"chest_config_{c}": (CT_PHANTOM_DICOM, CONFIGS / f"config_{c}.yaml") for c in "abcde"}
#: every reference tag with a value matches in a complete implementation
FULL_COUNTS = {
    "dig_phantom": 482, "chest_config_a": 406, "chest_config_b": 406,
    "chest_config_c": 270, "chest_config_d": 270, "chest_config_e": 270,
}
#: radcore family -> prefixes of its IBSI reference tags
FAMILY_PREFIXES = {
    "diagnostics": ("img_", "vox_", "mean_int_", "min_int_", "max_int_", "int_mask_", "morph_mask_"),
    "morph": ("morph_",),
    "local_intensity": ("loc_",),
    "stat": ("stat_",),
    "ih": ("ih_",),
    "ivh": ("ivh_",),
    "glcm": ("cm_",),
    "glrlm": ("rlm_",),
    "glszm": ("szm_",),
    "gldzm": ("dzm_",),
    "ngtdm": ("ngt_",),
    "ngldm": ("ngl_",),
}


def family_of(tag: str) -> str:
    """The radcore family a reference tag belongs to."""
    if tag.startswith("morph_mask_"):
        return "diagnostics"
    return next(name for name, prefixes in FAMILY_PREFIXES.items() if tag.startswith(prefixes))


@pytest.fixture(scope="module")
def extracted(tmp_path_factory):
    """reference name -> {column: value} from one CLI run per case (run on first use)."""
    cache: dict[str, dict[str, float]] = {}

    def run(name: str, route: str = "nifti") -> dict[str, float]:
        if (name, route) not in cache:
            (image, mask), config = (CASES if route == "nifti" else DICOM_CASES)[name]
            out = tmp_path_factory.mktemp(name) / "features.csv"
            code = main(["extract", str(image), str(mask), "--config", str(config), "--naming", "ibsi",
                         "--out", str(out)])
            assert code == 0, f"radcore extract failed on {name}"
            with out.open() as fh:
                cache[name, route] = {row["feature"]: float(row["value"]) for row in csv.DictReader(fh)}
        return cache[name, route]

    return run


def _family_tags(name: str, fam: str) -> list[str]:
    return [t for t in reference(name) if family_of(t) == fam]


def test_reference_tables_have_the_full_counts():
    for name, count in FULL_COUNTS.items():
        assert len(reference(name)) == count, name


@pytest.mark.parametrize("name", list(CASES))
def test_all_reference_values_match(extracted, name):
    values = extracted(name)
    ok, bad = compare(values, name)
    by_family = Counter(family_of(b.split(":")[0]) for b in bad)
    assert len(ok) == FULL_COUNTS[name], (
        f"{name}: {len(ok)}/{FULL_COUNTS[name]} match; mismatches per family {dict(by_family)}"
    )


PER_FAMILY = [
    pytest.param(name, fam, id=f"{name}-{fam}")
    for name in CASES
    for fam in FAMILY_PREFIXES
    if _family_tags(name, fam)
]


@pytest.mark.parametrize("name, fam", PER_FAMILY)
def test_family_matches_reference(extracted, name, fam):
    values = extracted(name)
    tags = set(_family_tags(name, fam))
    ok, bad = compare({t: v for t, v in values.items() if t in tags}, name)
    ok = [t for t in ok if t in tags]
    bad = [b for b in bad if b.split(":")[0] in tags]
    assert not bad, f"{name} {fam}: {len(ok)}/{len(tags)} match; first mismatches:\n" + "\n".join(bad[:15])
    assert len(ok) == len(tags)


def test_ct_mask_reproduces_the_reference_roi(extracted):
    values = extracted("chest_config_a")
    assert values["int_mask_vox_count_init_roi"] == 125256
    bbox = (values["int_mask_bb_dim_x_init_roi"], values["int_mask_bb_dim_y_init_roi"],
            values["int_mask_bb_dim_z_init_roi"])
    assert bbox == (100, 99, 26)


@pytest.mark.parametrize("name", list(DICOM_CASES))
def test_dicom_series_and_rtstruct_match_every_reference_value(extracted, name):
    values = extracted(name, "dicom")
    ok, bad = compare(values, name)
    assert len(ok) == FULL_COUNTS[name], f"{name} via DICOM: {len(ok)}/{FULL_COUNTS[name]}; first mismatches {bad[:10]}"
    assert values["int_mask_vox_count_init_roi"] == 125256
