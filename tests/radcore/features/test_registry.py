"""Walks the feature registry: every feature is documented, coded and tested against a reference."""

import re

import pytest

from radcore.features.registry import FAMILY_MODULES, all_features, family
from radcore.naming import FeatureKey, column_name
from tests.reference import reference

REFERENCE_TAGS = set()
for _name in ("dig_phantom", "chest_config_a", "chest_config_c"):
    REFERENCE_TAGS |= set(reference(_name))

#: features without an IBSI reference value, and the test that checks their value instead
TESTED_ELSEWHERE = {
    "morph_vol_dens_ombb": "tests/radcore/features/test_morph.py",
    "morph_area_dens_ombb": "tests/radcore/features/test_morph.py",
    "morph_vol_dens_mvee": "tests/radcore/features/test_morph.py",
    "morph_area_dens_mvee": "tests/radcore/features/test_morph.py",
    "ivh_auc": "tests/radcore/features/test_ivh.py",
}


@pytest.mark.parametrize("name", list(FAMILY_MODULES))
def test_every_family_module_defines_its_family(name):
    fam = family(name)
    assert fam.name == name and fam.features
    assert all(f.family == name for f in fam.features)


@pytest.mark.parametrize("feature", all_features(), ids=lambda f: f"{f.family}.{f.name}")
def test_feature_is_documented_coded_and_tested(feature):
    doc = (feature.function.__doc__ or "").strip()
    assert doc, f"{feature.family}.{feature.name} has no docstring with its formula"
    if feature.family != "diagnostics":
        assert re.search(r"[=:]", doc), f"{feature.name}: docstring gives no formula: {doc!r}"
    assert feature.ibsi_code or feature.no_code_reason, f"{feature.name}: no IBSI code and no reason"
    if feature.ibsi_code:
        assert re.fullmatch(r"[0-9A-Z]{4}", feature.ibsi_code), feature.ibsi_code
    tagged = any(t == feature.ibsi_tag or t.startswith(feature.ibsi_tag + "_") for t in REFERENCE_TAGS)
    if feature.family == "diagnostics":
        tagged = tagged or feature.ibsi_tag.startswith("morph_mask_")
    assert tagged or feature.ibsi_tag in TESTED_ELSEWHERE, f"{feature.ibsi_tag} has no tested value"


def test_every_reference_tag_has_a_feature():
    columns = set()
    for name in FAMILY_MODULES:
        fam = family(name)
        for f in fam.features:
            columns.add(f.ibsi_tag)
    for tag in REFERENCE_TAGS:
        stem = re.sub(r"_(2D|2_5D|3D)(_avg|_comb)?$", "", tag)
        assert stem in columns or tag in columns, f"reference tag {tag} has no registered feature"


def test_names_are_unique_per_naming():
    seen = {"native": set(), "ibsi": set()}
    for f in all_features():
        key = FeatureKey("original", f.family, f.name, "3D_avg" if family(f.family).aggregated else "")
        for naming, names in seen.items():
            name = column_name(key, naming)
            assert name not in names, f"duplicate {naming} column {name}"
            names.add(name)


@pytest.mark.parametrize("name", [n for n in FAMILY_MODULES if family(n).pyradiomics])
def test_pyradiomics_names_belong_to_the_family_class(name):
    from radcore.pyradiomics.features import feature_class

    fam = family(name)
    cls = feature_class(fam.pyradiomics)
    named = [f.pyradiomics for f in fam.features if f.pyradiomics]
    assert named and len(set(named)) == len(named)
    assert set(named) <= set(cls.FEATURES) | set(cls.OPTIONAL)
    sharing = {f.pyradiomics for n in FAMILY_MODULES if family(n).pyradiomics == fam.pyradiomics
               for f in family(n).features if f.pyradiomics}  # first-order: the stat and ih families
    own = set(getattr(cls, "PYRADIOMICS_ONLY", ()))
    conventions = getattr(cls, "CONVENTION_OF", {})
    assert set(conventions.values()) <= {f.name for f in fam.features} or fam.name != "stat"
    assert set(cls.FEATURES) <= sharing | own | set(conventions), "a default PyRadiomics feature has no record"
