import dataclasses

import numpy as np
import pytest
import SimpleITK as sitk

from radcore.cohort.margin import required_margin_mm
from radcore.io.images import Volume, load_case
from radcore.pipeline import extract_volumes
from radcore.preprocess import PEAK_RADIUS_MM
from radcore.preprocess.interpolate import source_margin_voxels
from radcore.settings import ImageType, InterpolationSettings, Settings, from_mapping


def test_margin_grows_with_interpolation_and_filters():
    assert required_margin_mm(Settings()) == pytest.approx(PEAK_RADIUS_MM)
    interp = InterpolationSettings(spacing=(2.0, 2.0, 2.0))
    expected = PEAK_RADIUS_MM + source_margin_voxels(interp) * 3.0 + 2 * 3.0
    assert required_margin_mm(Settings(interpolation=interp), (3.0, 1.0, 1.0)) == pytest.approx(expected)
    log = Settings(image_types=(ImageType(), ImageType("log", (("sigma", (1.0, 3.0)),))))
    assert required_margin_mm(log, (1.0, 1.0, 1.0)) > PEAK_RADIUS_MM + 3 * 3.0
    square = Settings(image_types=(ImageType("square"),))
    assert required_margin_mm(square, (1.0, 1.0, 1.0)) == pytest.approx(PEAK_RADIUS_MM)


def _crop(image: Volume, mask: Volume, margin_mm: float) -> tuple[Volume, Volume]:
    box = []
    for axis, sp in enumerate(image.spacing):
        idx = np.nonzero(mask.array.any(axis=tuple(a for a in range(3) if a != axis)))[0]
        m = int(np.ceil(margin_mm / sp)) + 1
        box.append(slice(max(idx[0] - m, 0), min(idx[-1] + 1 + m, mask.array.shape[axis])))
    box = tuple(box)
    offset = tuple(b.start for b in box)
    origin = tuple(np.array(image.origin) + np.array(offset[::-1]) * np.array(image.spacing[::-1]))
    kw = dict(spacing=image.spacing, origin=origin, direction=image.direction,
              full_shape=image.array.shape, offset=offset)
    return Volume(image.array[box], **kw), Volume(mask.array[box], **kw)


def test_a_crop_with_the_margin_gives_the_whole_image_features():
    rng = np.random.default_rng(3)
    shape = (40, 64, 64)
    array = rng.normal(40.0, 30.0, shape).round()
    img = sitk.GetImageFromArray(array)
    img.SetSpacing((0.8, 0.8, 2.5))
    m = np.zeros(shape, np.uint8)
    m[17:23, 28:38, 25:37] = 1
    msk = sitk.GetImageFromArray(m)
    msk.CopyInformation(img)
    image, mask = load_case(img, msk)
    settings = from_mapping({
        "families": ["stat", "glcm", "local_intensity"],
        "interpolation": {"spacing": [1.0, 1.0, 1.0], "image_order": 3, "round_intensities": True},
        "discretisation": {"method": "fixed_bin_number", "bin_number": 16},
        "image_types": [{"name": "original"}, {"name": "log", "options": {"sigma": [1.5]}},
                        {"name": "wavelet", "options": {"wavelet": "haar"}}, {"name": "gradient"}],
    })
    whole = extract_volumes(image, mask, settings)
    crop = extract_volumes(*_crop(image, mask, required_margin_mm(settings, image.spacing)), settings)
    assert len(whole) > 100 and whole.keys() == crop.keys()
    for key, value in whole.items():
        assert crop[key] == pytest.approx(value, rel=1e-6, abs=1e-6, nan_ok=True), key


@pytest.mark.parametrize("interpolate", [False, True])
def test_a_crop_with_the_reach_of_ibsi2_filters_gives_the_whole_image_features(interpolate):
    """ROI box + margin gives the whole image's responses inside the ROI: local filters with a finite
    reach (the Gabor kernel is as large as the image, cut where its envelope vanishes) and Simoncelli,
    global, whose infinite reach keeps the whole image."""
    rng = np.random.default_rng(5)
    shape = (30, 110, 100)
    array = rng.normal(40.0, 30.0, shape).round()
    img = sitk.GetImageFromArray(array)
    img.SetSpacing((0.8, 0.8, 2.0))
    m = np.zeros(shape, np.uint8)
    m[13:17, 50:60, 45:52] = 1
    msk = sitk.GetImageFromArray(m)
    msk.CopyInformation(img)
    image, mask = load_case(img, msk)
    filters = [
        {"name": "mean", "options": {"size": 5, "dimensions": "3D", "boundary": "nearest"}},
        {"name": "laplacian_of_gaussian", "options": {"sigma": 1.5, "dimensions": "2D"}},
        {"name": "laws", "options": {"kernel": "L5E5E5", "rotation_invariance": True, "energy_delta": 3}},
        {"name": "gabor", "options": {"sigma": 1.0, "gamma": 1.5, "wavelength": 2.0, "theta_step": 45.0,
                                      "planes": "all"}},
        {"name": "separable_wavelet", "options": {"wavelet": "db3", "subband": "HHH", "level": 2,
                                                  "rotation_invariance": True}},
        {"name": "simoncelli", "options": {"level": 2}},
    ]
    settings = from_mapping({
        "families": ["stat"],
        "interpolation": {"spacing": [1.0, 1.0, 1.0], "image_order": 3, "round_intensities": True}
        if interpolate else {"spacing": None},
        "image_types": filters,
    })
    margin = required_margin_mm(settings, image.spacing)
    assert margin == np.inf
    local = dataclasses.replace(settings, image_types=settings.image_types[:-1])
    local_margin = required_margin_mm(local, image.spacing)
    cropped = _crop(image, mask, local_margin)
    if not interpolate:  # (with interpolation the margin, counted in 2 mm voxels, takes the whole plane)
        assert cropped[0].array.shape[1] < shape[1] and cropped[0].array.shape[2] < shape[2]  # a real crop
    whole = extract_volumes(image, mask, local)
    crop = extract_volumes(*cropped, local)
    assert len(whole) == 18 * 5 and whole.keys() == crop.keys()
    for key, value in whole.items():
        assert crop[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
    with_simoncelli = extract_volumes(*_crop(image, mask, 1e9), settings)  # infinite reach: whole image
    assert with_simoncelli == pytest.approx(extract_volumes(image, mask, settings), rel=1e-12)
