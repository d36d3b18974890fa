"""Writes the reference feature maps: PyRadiomics' voxel-based extraction on three small ROIs.

Run with PyRadiomics 3.1.4 installed (the ``pyradiomics`` extra): ``python make_reference.py``.
For every ROI of :data:`CASES` and every voxel setting of :data:`VOXEL_SETTINGS` (``kernelRadius`` 1 and 2,
``maskedKernel`` true and false) it runs ``RadiomicsFeatureExtractor.execute(..., voxelBased=True)`` with
all six classes PyRadiomics maps (firstorder, glcm, glrlm, glszm, gldm, ngtdm: their default features) and
writes ``<case>_r<radius>_<masked|unmasked>.npz`` (and ``mr_filters_r1_masked.npz``: the MR ROI with the
image types of :data:`FILTERS`; ``mr_resampled_r2_unmasked.npz``: resampled and normalised, :data:`RESAMPLED`): one float64 array per map (z, y, x), keyed by
PyRadiomics' name, ``__origin``, ``__spacing``, ``__direction`` (ITK order) of the maps' grid and
``__params`` (the params mapping, as JSON).
The ROIs are small boxes of the sample images' masks (:data:`CASES`), written beside as
``<case>_image.nrrd`` / ``<case>_mask.nrrd`` so the tests read exactly what PyRadiomics read:

- ``ct``: the IBSI-1 CT radiomics phantom (``tests/data/ibsi1/ct_phantom``), its mask inside a box across
  the ROI's edge (HU, ``binWidth`` 25);
- ``mr``: PyRadiomics' sample brain1 (T1 MR, ``tests/data/pyradiomics``), its mask inside a box
  (``binWidth`` 25);
- ``phantom``: the IBSI-1 digital phantom (synthetic, 5 x 4 x 4, ``binWidth`` 1).
"""

import json
import logging
from pathlib import Path

import numpy as np
import radiomics
import SimpleITK as sitk
from radiomics import featureextractor

HERE = Path(__file__).parent
DATA = HERE.parent
#: case -> (image, mask, ROI box (z, y, x) slices or None for the whole mask, binWidth)
CASES = {
    "ct": ("ibsi1/ct_phantom/nifti/image/phantom.nii.gz", "ibsi1/ct_phantom/nifti/mask/mask.nii.gz",
           (slice(28, 32), slice(95, 105), slice(60, 72)), 25.0),
    "mr": ("pyradiomics/brain1_image.nrrd", "pyradiomics/brain1_label.nrrd",
           (slice(12, 16), slice(100, 110), slice(168, 180)), 25.0),
    "phantom": ("ibsi1/digital_phantom/nifti/image/phantom.nii.gz", "ibsi1/digital_phantom/nifti/mask/mask.nii.gz",
                None, 1.0),
}
CLASSES = ("firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm")
#: one more reference, ``mr_filters_r1_masked.npz``: PyRadiomics' filtered image types on the MR ROI
FILTERS = {"Original": {}, "LoG": {"sigma": [1.0]}, "Wavelet": {}, "Square": {}}
FILTER_CLASSES = ("firstorder", "glcm", "ngtdm")
#: and ``mr_resampled_r2_unmasked.npz``: resampled to 1 x 1 x 2 mm (B-spline), normalised, with LoG
RESAMPLED = {"resampledPixelSpacing": [1.0, 1.0, 2.0], "interpolator": "sitkBSpline", "normalize": True,
             "normalizeScale": 100}
VOXEL_SETTINGS = [{"kernelRadius": r, "maskedKernel": m} for r in (1, 2) for m in (True, False)]


def case_images(case: str) -> tuple[sitk.Image, sitk.Image]:
    """The image and the boxed mask (label 1) of ``case``, as written beside this script."""
    image_path, mask_path, box, _ = CASES[case]
    image = sitk.ReadImage(str(DATA / image_path))
    mask = sitk.ReadImage(str(DATA / mask_path))
    array = (sitk.GetArrayFromImage(mask) > 0).astype(np.uint8)
    if box is not None:
        kept = np.zeros_like(array)
        kept[box] = array[box]
        array = kept
    # the image cut to the ROI's box plus 4 voxels: small files, every kernel and PyRadiomics' crop inside
    where = np.nonzero(array)
    lo = [max(int(w.min()) - 4, 0) for w in where]
    hi = [min(int(w.max()) + 5, n) for w, n in zip(where, array.shape)]
    cut = tuple(slice(a, b) for a, b in zip(lo, hi))
    out_mask = sitk.GetImageFromArray(array[cut])
    out_image = sitk.GetImageFromArray(sitk.GetArrayFromImage(image)[cut])
    for out in (out_mask, out_image):
        out.SetSpacing(image.GetSpacing())
        out.SetDirection(image.GetDirection())
        out.SetOrigin(image.TransformIndexToPhysicalPoint([int(v) for v in lo[::-1]]))
    return out_image, out_mask


def params(case: str, voxel: dict, image_types=None, classes=CLASSES) -> dict:
    return {"setting": {"binWidth": CASES[case][3], "label": 1}, "imageType": image_types or {"Original": {}},
            "featureClass": {name: None for name in classes}, "voxelSetting": dict(voxel)}


def write_reference(name: str, image: sitk.Image, mask: sitk.Image, settings: dict) -> None:
    """``name``.npz: every map PyRadiomics makes with ``settings``, its grid and the settings."""
    result = featureextractor.RadiomicsFeatureExtractor(settings).execute(image, mask, voxelBased=True)
    maps = {k: v for k, v in result.items() if isinstance(v, sitk.Image)}
    first = next(iter(maps.values()))
    arrays = {k: sitk.GetArrayFromImage(v).astype(np.float64) for k, v in maps.items()}
    arrays.update(__origin=np.array(first.GetOrigin()), __spacing=np.array(first.GetSpacing()),
                  __direction=np.array(first.GetDirection()), __params=np.array(json.dumps(settings)))
    np.savez_compressed(HERE / name, **arrays)
    print(name, len(maps), "maps", first.GetSize())


def main() -> None:
    radiomics.setVerbosity(logging.ERROR)
    for case in CASES:
        image, mask = case_images(case)
        sitk.WriteImage(image, str(HERE / f"{case}_image.nrrd"), useCompression=True)
        sitk.WriteImage(mask, str(HERE / f"{case}_mask.nrrd"), useCompression=True)
        for voxel in VOXEL_SETTINGS:
            name = f"{case}_r{voxel['kernelRadius']}_{'masked' if voxel['maskedKernel'] else 'unmasked'}.npz"
            write_reference(name, image, mask, params(case, voxel))
    write_filters()


def write_filters() -> None:
    image, mask = case_images("mr")
    voxel = {"kernelRadius": 1, "maskedKernel": True}
    write_reference("mr_filters_r1_masked.npz", image, mask, params("mr", voxel, FILTERS, FILTER_CLASSES))
    settings = params("mr", {"kernelRadius": 2, "maskedKernel": False}, {"Original": {}, "LoG": {"sigma": [1.0]}},
                      FILTER_CLASSES)
    settings["setting"].update(RESAMPLED)
    write_reference("mr_resampled_r2_unmasked.npz", image, mask, settings)


if __name__ == "__main__":
    main()
