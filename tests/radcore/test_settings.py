import pytest

from radcore.errors import SettingsError
from radcore.io.config import load_settings as load
from radcore.settings import Settings, from_mapping, settings_hash, to_mapping


def test_defaults_round_trip_through_mapping():
    s = Settings()
    assert from_mapping(to_mapping(s)) == s


def test_nested_values_are_typed():
    s = from_mapping({"interpolation": {"spacing": [2, 2, 2], "image_order": 3},
                      "resegmentation": {"range": [-1000, 400]}})
    assert s.interpolation.spacing == (2.0, 2.0, 2.0)
    assert s.resegmentation.range == (-1000.0, 400.0)
    assert from_mapping(to_mapping(s)) == s


def test_hash_is_stable_and_sensitive():
    a = settings_hash(Settings())
    assert a == settings_hash(from_mapping({}))
    assert len(a) == 16
    assert a != settings_hash(from_mapping({"discretisation": {"bin_number": 16}}))


def test_unknown_key_is_named():
    with pytest.raises(SettingsError, match="binWidht"):
        from_mapping({"discretisation": {"binWidht": 3}})


def test_wrong_type_is_named():
    with pytest.raises(SettingsError, match=r"discretisation.bin_number: expected an integer"):
        from_mapping({"discretisation": {"bin_number": "many"}})


def test_bad_literal_is_named():
    with pytest.raises(SettingsError, match="discretisation.method"):
        from_mapping({"discretisation": {"method": "quantile"}})


@pytest.mark.parametrize(
    "mapping, match",
    [
        ({"families": ["glcm", "texture"]}, "unknown family"),
        ({"texture": {"matrix_aggregations": ["4D"]}}, "matrix_aggregations"),
        ({"interpolation": {"spacing": [1, 0, 1]}}, "spacing"),
        ({"discretisation": {"bin_size": -1.0}}, "bin_size"),
    ],
)
def test_invalid_values_rejected(mapping, match):
    with pytest.raises(SettingsError, match=match):
        from_mapping(mapping)


def test_settings_are_frozen():
    s = Settings()
    with pytest.raises(Exception):
        s.label = 2


def test_load_reads_yaml(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("discretisation:\n  method: fixed_bin_size\n  bin_size: 10\n")
    assert load(p).discretisation.bin_size == 10.0
    with pytest.raises(SettingsError, match="does not exist"):
        load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("discretisation: [1, 2\n")
    with pytest.raises(SettingsError, match="not valid YAML"):
        load(bad)


def test_perturbations_round_trip_and_enter_the_hash_only_when_present(tmp_path):
    from radcore.io.config import write_settings_file
    from radcore.settings import PerturbationSettings

    plain = Settings()
    assert "perturbation" not in to_mapping(plain)  # settings without perturbations keep their hash
    robust = load({"perturbation": {"rotation_angles": [-15, 0, 15], "noise_repetitions": 2}})
    assert robust.perturbation == PerturbationSettings(rotation_angles=(-15.0, 0.0, 15.0), noise_repetitions=2)
    assert settings_hash(robust) != settings_hash(plain)
    reseeded = load({"perturbation": {"rotation_angles": [-15, 0, 15], "noise_repetitions": 2, "seed": 1}})
    assert settings_hash(reseeded) != settings_hash(robust)
    write_settings_file(robust, tmp_path / "robust.yaml")
    assert load(tmp_path / "robust.yaml") == robust


def test_perturbations_in_the_pyradiomics_profile():
    settings = load({"profile": "pyradiomics", "pyradiomics": {"setting": {"binWidth": 25}},
                              "perturbation": {"volume_adaptations": [-0.1, 0.0, 0.1]}})
    assert settings.profile == "pyradiomics" and settings.perturbation.volume_adaptations == (-0.1, 0.0, 0.1)
    with pytest.raises(SettingsError, match="perturbation.translations"):
        load({"profile": "pyradiomics", "perturbation": {"translations": [1.5]}})


@pytest.mark.parametrize("mapping, match", [
    ({"rotation_angles": []}, "at least one value"),
    ({"volume_adaptations": [0.1, 0.1]}, "holds a value twice"),
    ({"volume_adaptations": [-1.0]}, "must be > -1"),
    ({"translations": [1.0]}, r"fractions of a voxel in \(-1, 1\)"),
    ({"noise_repetitions": -1}, "noise_repetitions must be >= 0"),
    ({"noise_level": 0}, "noise_level must be > 0"),
    ({"image_order": 2}, "expected one of"),
])
def test_invalid_perturbations_are_named(mapping, match):
    with pytest.raises(SettingsError, match=match):
        load({"perturbation": mapping})
