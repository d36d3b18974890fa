"""IBSI-2 options: completed with their defaults, checked with their vocabularies, without a filter loaded."""

import pytest

from radcore.errors import SettingsError
from radcore.filter_options import check_subband, gabor_angle_count, laws_parts, options, wavelets
from radcore.filters.wavelet_filters import DEC_LO


def test_options_are_completed_with_defaults():
    assert options("laws", {"kernel": "L5S5"}) == {
        "kernel": "L5S5", "rotation_invariance": False, "pooling": "max", "energy_delta": None, "boundary": "mirror"}


def test_vocabularies():
    assert laws_parts("e5l5s5") == ["E5", "L5", "S5"]
    assert gabor_angle_count(22.5) == 16
    assert check_subband("lhl") == "LHL"
    assert wavelets() == tuple(DEC_LO)
    with pytest.raises(SettingsError, match="must chain"):
        laws_parts("E5")
    with pytest.raises(SettingsError, match="divide 360"):
        gabor_angle_count(50.0)
