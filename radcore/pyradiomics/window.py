"""A window of a whole image: PyRadiomics' preprocessing on a crop, with the whole image's results.

PyRadiomics reads few whole-image facts: ``normalize`` uses the image's mean and standard deviation, the
resampled grid is placed in the whole image's index space (the ROI's bounding box plus ``padDistance``,
clipped to the image), and without resampling or ``preCrop`` the filters run on the whole image, so the
point-wise filters scale by its largest ``|x|``, the LoG checks its size and the wavelets wrap around its
border. Everything else reads a neighbourhood of the ROI. A :class:`Window` carries those facts beside a
crop; :func:`radcore.pyradiomics.extractor.source_box` says which crop gives the same features as the
whole image:

- resampling (``interpolator`` and ``resampledPixelSpacing``): the output grid's corners in the whole
  image's continuous index space, widened by
  :data:`~radcore.pyradiomics.preprocess.RESAMPLE_MARGIN` voxels (the region the interpolator reads in the
  whole-image computation too, so the values are the same bit for bit); when the spacing already is the
  target's, the bounding box plus ``padDistance``;
- ``preCrop``: the bounding box plus ``padDistance``;
- otherwise: the bounding box plus the widest reach of the enabled image types
  (the ``reach`` of :mod:`radcore.pyradiomics.image_types`; a wavelet axis whose reach passes the border
  takes the whole axis).

Resegmentation, discretisation and the feature classes read only the ROI's box.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk


@dataclass(frozen=True)
class Window:
    """Where a crop lies in its whole image, and the whole image's facts a crop cannot give.

    size, offset         the whole image's size and the index of the crop's first voxel (x, y, z)
    origin, spacing, direction  the whole image's geometry (ITK order: x, y, z; direction row-major)
    mean, sigma          ITK's mean and sample standard deviation of the whole image (``normalize``);
                         None when not known
    minimum, maximum     the whole image's smallest and largest intensity (as read)
    """

    size: tuple[int, int, int]
    offset: tuple[int, int, int]
    origin: tuple[float, float, float]
    spacing: tuple[float, float, float]
    direction: tuple[float, ...]
    minimum: float
    maximum: float
    mean: float | None = None
    sigma: float | None = None

    def geometry(self) -> sitk.Image:
        """:func:`geometry_image` of the whole image."""
        return geometry_image(self.origin, self.spacing, self.direction)

    def cut(self, image: sitk.Image, lower: np.ndarray, upper: np.ndarray) -> sitk.Image:
        """The part [lower, upper) (whole-image index, x, y, z) of ``image``, the crop this window describes,
        with the origin the whole image's ``RegionOfInterest`` gives it."""
        start = np.asarray(lower) - np.asarray(self.offset)
        stop = np.asarray(upper) - np.asarray(self.offset)
        if np.any(start < 0) or np.any(stop > np.array(image.GetSize())):
            raise ValueError(
                f"the region [{list(lower)}, {list(upper)}) of the whole image is not inside the crop at "
                f"{list(self.offset)} of size {list(image.GetSize())}: the crop read is too small"
            )
        out = sitk.RegionOfInterest(image, (stop - start).tolist(), start.tolist())
        out.SetOrigin(self.geometry().TransformIndexToPhysicalPoint([int(v) for v in lower]))
        return out


def geometry_image(origin, spacing, direction) -> sitk.Image:
    """A one-voxel image with this geometry (x, y, z): its index/physical transforms are those of any image
    of that geometry, computed by ITK with the same arithmetic."""
    ref = sitk.Image([1, 1, 1], sitk.sitkUInt8)
    ref.SetOrigin(tuple(float(v) for v in origin))
    ref.SetSpacing(tuple(float(v) for v in spacing))
    ref.SetDirection(tuple(float(v) for v in direction))
    return ref


def cut(image: sitk.Image, lower: np.ndarray, upper: np.ndarray, window: Window | None) -> sitk.Image:
    """[lower, upper) (whole-image index, x, y, z) of ``image``: the whole image, or the crop of ``window``."""
    if window is None:
        return sitk.RegionOfInterest(image, (np.asarray(upper) - np.asarray(lower)).tolist(),
                                     [int(v) for v in lower])
    return window.cut(image, lower, upper)


def box_xyz(lower: np.ndarray, upper: np.ndarray) -> tuple[slice, slice, slice]:
    """Array slices (z, y, x) of the index bounds [lower, upper) (x, y, z)."""
    return tuple(slice(int(a), int(b)) for a, b in zip(lower[::-1], upper[::-1]))
