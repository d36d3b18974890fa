"""GLSZM, GLDZM, NGTDM and NGLDM on the IBSI CT phantom, configurations A to E (chest_config_*.csv)."""

import dataclasses

import pytest

import radcore
from radcore.io.config import load_settings
from tests.reference import CONFIGS, CT_PHANTOM, compare

FAMILIES = ("glszm", "gldzm", "ngtdm", "ngldm")
PREFIXES = ("szm_", "dzm_", "ngt_", "ngl_")


@pytest.mark.parametrize("config", ["a", "b", "c", "d", "e"])
def test_ct_phantom_matches_ibsi_reference(config):
    path = CONFIGS / f"config_{config}.yaml"
    if not path.exists():
        pytest.skip(f"{path} not present")
    settings = dataclasses.replace(load_settings(path), families=FAMILIES)
    values = radcore.extract(*CT_PHANTOM, config=settings, naming="ibsi")
    ok, bad = [], []
    for prefix in PREFIXES:
        o, b = compare(values, f"chest_config_{config}", prefix=prefix)
        ok += o
        bad += b
    assert not bad
    assert len(ok) + len(bad) == (54 if config in "cde" else 108)
