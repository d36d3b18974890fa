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
