"""PyRadiomics' preprocessing: mask selection, normalisation, resampling, cropping, checks, resegmentation
and grey-level discretisation, with PyRadiomics 3.1 semantics.

Order (as PyRadiomics' extractor runs it):

1. mask: channel ``label_channel`` of a vector mask; the ROI is ``mask == label``.
2. ``normalize``: ``f(x) = s (x - mu) / sigma`` over the whole image (mu, sigma: mean and sample standard
   deviation of every voxel), values clipped to ``+-removeOutliers`` before scaling by ``s = normalizeScale``.
3. resampling (``interpolator`` and ``resampledPixelSpacing`` both set): a grid aligned to the mask's
   origin corner, spacing ``resampledPixelSpacing`` (0 = keep; axes where the ROI is one voxel thick keep
   the mask spacing), covering the ROI bounding box plus ``padDistance`` new voxels, clipped to the mask's
   extent; the image is interpolated with ``interpolator`` into its own pixel type, the mask with nearest
   neighbour. Otherwise, with ``preCrop``, the image is cropped to the bounding box plus ``padDistance``.
4. checks: image and mask grids must agree (``geometryTolerance``), else the mask is resampled onto the
   image (``correctMask``) or the case fails; the ROI must span ``minimumROIDimensions`` axes and hold more
   than ``minimumROISize`` voxels.
5. ``resegmentRange`` (1 or 2 thresholds, closed range) in ``resegmentMode`` absolute, relative (times the
   ROI maximum) or sigma (mean + t * sd of the ROI, population sd); the bounding box becomes that of the
   resegmented ROI. Shape uses the resegmented ROI only with ``resegmentShape``.

Every step can run on a crop of the whole image described by a
:class:`~radcore.pyradiomics.window.Window` (:func:`prepare`): the statistics come from the window, grids
and regions are computed in the whole image's index space and cut from the crop, so the crop gives the
whole image's values bit for bit (when it holds :func:`~radcore.pyradiomics.window.source_box`).

Discretisation (:func:`discretise`): fixed bin width ``w`` gives edges ``min - (min mod w) + k w`` and
levels ``floor(x / w) - floor(min / w) + 1``; ``binCount`` ``n`` gives ``n`` equal bins over
``[min, max]`` with the maximum in the top bin.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import SimpleITK as sitk

from radcore.crop import grown_box
from radcore.errors import EmptyROIError, GeometryMismatchError, LabelNotFoundError
from radcore.kernels import pyrad_bspline as bspline
from radcore.kernels.labels import label_box
from radcore.kernels.matrices import digitize
from radcore.pyradiomics.settings import PyRadiomicsSetting
from radcore.pyradiomics.window import Window, box_xyz, cut


@dataclass(frozen=True)
class Prepared:
    """A case after PyRadiomics' preprocessing.

    image       the preprocessed image (z, y, x) in its pixel type (as PyRadiomics' filters see it), or a
                crop of it (``whole_shape``, ``offset``)
    spacing     voxel size (z, y, x) mm
    mask        bool, the ROI of first-order and texture classes (resegmented when resegmentRange is set)
    shape_mask  bool, the ROI of the shape classes
    box         the bounding box of ``mask`` (slices (z, y, x)); every class sees the arrays cut to it
    whole_shape the shape (z, y, x) of the image the filters see, of which ``image`` starts at ``offset``
    whole_range (min, max) of that image when ``image`` is a crop of it (None: ``image`` is all of it)
    origin, direction  the geometry of ``image``'s first voxel and axes (ITK order: x, y, z; direction
                row-major), which voxel maps are placed on
    """

    image: np.ndarray
    spacing: tuple[float, float, float]
    mask: np.ndarray
    shape_mask: np.ndarray
    box: tuple[slice, slice, slice]
    whole_shape: tuple[int, int, int] | None = None
    offset: tuple[int, int, int] = (0, 0, 0)
    whole_range: tuple[float, float] | None = None
    origin: tuple[float, float, float] | None = None
    direction: tuple[float, ...] | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        """The shape of the image the filters see (the whole one when ``image`` is a crop)."""
        return self.whole_shape if self.whole_shape is not None else self.image.shape


def select_mask(mask: sitk.Image, setting: PyRadiomicsSetting) -> sitk.Image:
    """The label map (an integer pixel type, UInt32 unless it already has one): channel ``label_channel``
    of a vector mask; fails if ``label`` is absent."""
    if mask.GetNumberOfComponentsPerPixel() > 1:
        n = mask.GetNumberOfComponentsPerPixel()
        if setting.label_channel >= n:
            raise LabelNotFoundError(f"label_channel {setting.label_channel} requested, the mask has {n} channels")
        mask = sitk.VectorIndexSelectionCast(mask, int(setting.label_channel))
    if mask.GetPixelID() not in _INTEGER_PIXELS:  # integer label maps keep their type (same labels)
        mask = sitk.Cast(mask, sitk.sitkUInt32)
    view = sitk.GetArrayViewFromImage(mask)
    if _label_count(view, setting.label) == 0:
        labels = np.unique(view)
        present = ", ".join(str(v) for v in labels[labels != 0][:10])
        raise LabelNotFoundError(f"label {setting.label} does not occur in the mask (labels present: {present})")
    return mask


def normalize(image: sitk.Image, setting: PyRadiomicsSetting, stats: tuple[float, float] | None = None) -> sitk.Image:
    """Whole-image z-score as ITK's ``Normalize`` computes it, float64 ``(x + (-mu)) * (1 / sigma)``, outliers
    clipped at +-removeOutliers, times normalizeScale. ``stats`` (mu, sigma) are the whole image's (for a
    crop); without them ITK's ``StatisticsImageFilter`` computes them from ``image``."""
    mean, sigma = stats if stats is not None else normalize_stats(image)
    arr = sitk.GetArrayViewFromImage(image).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        arr += -mean
        arr *= np.float64(1.0) / np.float64(sigma)
    if setting.removeOutliers is not None:
        np.clip(arr, -setting.removeOutliers, setting.removeOutliers, out=arr)
    out = sitk.GetImageFromArray(arr)
    out.CopyInformation(image)
    return out * float(setting.normalizeScale)


def normalize_stats(image: sitk.Image) -> tuple[float, float]:
    """(mean, sample standard deviation) of every voxel, as ITK's ``StatisticsImageFilter`` (which
    ``Normalize`` runs) computes them."""
    stats = sitk.StatisticsImageFilter()
    stats.Execute(image)
    return stats.GetMean(), stats.GetSigma()


_INTEGER_PIXELS = frozenset((
    sitk.sitkUInt8, sitk.sitkInt8, sitk.sitkUInt16, sitk.sitkInt16, sitk.sitkUInt32, sitk.sitkInt32,
    sitk.sitkUInt64, sitk.sitkInt64,
))


def _label_count(view: np.ndarray, label: int) -> int:
    """Voxels of the label map ``view`` equal to ``label``."""
    if view.ndim == 3 and np.issubdtype(view.dtype, np.integer):
        return label_box(view, label)[2]
    return int(np.count_nonzero(view == label))


def _label_box_xyz(mask: sitk.Image, label: int) -> tuple[np.ndarray, np.ndarray]:
    """(first index, size) of the label's bounding box, (x, y, z) order."""
    view = sitk.GetArrayViewFromImage(mask)
    if view.ndim == 3 and np.issubdtype(view.dtype, np.integer):
        lo, hi, count = label_box(view, label)
        if count == 0:
            raise EmptyROIError(f"label {label} holds no voxel")
        return lo[::-1].copy(), (hi - lo + 1)[::-1].copy()
    roi = view == label
    along = [np.flatnonzero(roi.any(axis=tuple(a for a in range(roi.ndim) if a != k))) for k in range(roi.ndim)]
    if along[0].size == 0:
        raise EmptyROIError(f"label {label} holds no voxel")
    lo = np.array([i[0] for i in along][::-1])
    hi = np.array([i[-1] for i in along][::-1])
    return lo, hi - lo + 1


def _check_roi_inside(image: sitk.Image, mask: sitk.Image, label: int, window: Window | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """The ROI's bounding box in the mask (whole-image index with a ``window``, whose crops share one
    grid); fails when it reaches outside the image's physical extent."""
    lo, size = _label_box_xyz(mask, label)
    if window is not None:
        lo = lo + np.asarray(window.offset)
        image = mask = window.geometry()
    corners = (
        mask.TransformContinuousIndexToPhysicalPoint((lo - 0.5).tolist()),
        mask.TransformContinuousIndexToPhysicalPoint((lo + size - 0.5).tolist()),
    )
    bounds = np.array([image.TransformPhysicalPointToContinuousIndex(c) for c in corners])
    full = _size(image, window)
    tol = 1e-3
    if np.any(bounds.min(axis=0) < -0.5 - tol) or np.any(bounds.max(axis=0) > full - 0.5 + tol):
        raise GeometryMismatchError(
            f"the ROI's bounding box reaches outside the image (ROI bounds in image index space {bounds.tolist()}, "
            f"image size {tuple(full.tolist())})"
        )
    return lo, size


def _size(image: sitk.Image, window: Window | None) -> np.ndarray:
    """The size (x, y, z) of the whole image: ``image`` itself, or the one ``window`` is a crop of."""
    return np.array(window.size if window is not None else image.GetSize())


def _interpolator(value: str | int) -> int:
    return getattr(sitk, value) if isinstance(value, str) else int(value)


def _crop(image: sitk.Image, mask: sitk.Image, lo: np.ndarray, size: np.ndarray, pad: int,
          window: Window | None = None) -> tuple[sitk.Image, sitk.Image]:
    """Image and mask cropped to the box (x, y, z; whole-image index) grown by ``pad`` voxels, clipped to
    the image (:func:`radcore.crop.grown_box`)."""
    box = grown_box(box_xyz(lo, lo + size), (pad,) * 3, tuple(_size(mask, window)[::-1]))
    lower, upper = [b.start for b in box[::-1]], [b.stop for b in box[::-1]]
    return cut(image, lower, upper, window), cut(mask, lower, upper, window)


def output_grid(geometry: sitk.Image, full: np.ndarray, lo: np.ndarray, size: np.ndarray, setting: PyRadiomicsSetting
                ) -> tuple[np.ndarray, list[int], tuple[float, ...]]:
    """PyRadiomics' resampled grid (spacing, size, origin; x, y, z) for the ROI box (``lo``, ``size``) of
    the mask whose geometry ``geometry`` has and whose size is ``full``: see the module docstring."""
    mask_spacing = np.array(geometry.GetSpacing())
    target = np.array(setting.resampledPixelSpacing, dtype=float)
    target = np.where(target == 0, mask_spacing, target)
    target = np.where(size != 1, target, mask_spacing)
    ratio = mask_spacing / target
    new_lo = np.floor((lo - 0.5) * ratio - setting.padDistance)
    new_hi = np.ceil((lo + size - 0.5) * ratio + setting.padDistance)
    max_hi = np.ceil(full * ratio) - 1
    new_lo = np.where(new_lo < 0, 0, new_lo)
    new_hi = np.where(new_hi > max_hi, max_hi, new_hi)
    new_size = np.array(new_hi - new_lo + 1, dtype=int).tolist()
    origin_index = 0.5 * (target - mask_spacing) / mask_spacing + new_lo / ratio
    return target, new_size, geometry.TransformContinuousIndexToPhysicalPoint(origin_index.tolist())


def resample(image: sitk.Image, mask: sitk.Image, setting: PyRadiomicsSetting, window: Window | None = None
             ) -> tuple[sitk.Image, sitk.Image]:
    """PyRadiomics' resampling of image and mask to ``resampledPixelSpacing`` (see module docstring); with
    a ``window`` image and mask are crops of one grid and the results are the whole image's."""
    label = setting.label
    lo, size = _check_roi_inside(image, mask, label, window)
    geometry = mask if window is None else window.geometry()
    target, new_size, origin = output_grid(geometry, _size(mask, window), lo, size, setting)
    if np.allclose(np.array(image.GetSpacing()), target):
        if window is None:  # a window's mask is on the image grid already
            mask = sitk.Resample(mask, image, sitk.Transform(), sitk.sitkNearestNeighbor)
            lo, size = _label_box_xyz(mask, label)
        return _crop(image, mask, lo, size, setting.padDistance, window)
    image_geometry = image if window is None else geometry
    lower, upper = source_bounds(image_geometry, _size(image, window), origin, target, new_size, mask.GetDirection())
    rif = sitk.ResampleImageFilter()
    rif.SetOutputSpacing(target.tolist())
    rif.SetOutputDirection(mask.GetDirection())
    rif.SetSize(new_size)
    rif.SetOutputOrigin(origin)
    rif.SetOutputPixelType(image.GetPixelID())
    rif.SetInterpolator(_interpolator(setting.interpolator))
    region = cut(image, lower, upper, window)
    if _fast_bspline(image, setting):
        out_image = _bspline(region, origin, target, new_size, mask.GetDirection())
    else:
        out_image = rif.Execute(region)
    rif.SetOutputPixelType(mask.GetPixelID())
    rif.SetInterpolator(sitk.sitkNearestNeighbor)
    shared = window is not None or _same_grid(image, mask, 0.0)  # the image's region is the mask's too
    out_mask = rif.Execute(cut(mask, lower, upper, window) if shared else mask)
    return out_image, out_mask


#: input voxels kept around the output grid before interpolating, for the image and the mask alike:
#: B-spline coefficients come from a recursive prefilter whose influence falls by 0.268 per voxel (20
#: voxels: ~1e-11), windowed sincs reach a few voxels, nearest neighbour one; crops that reach the image
#: border keep ITK's own border handling there. Whole image or crop, the interpolator reads this region,
#: so a crop holding it gives the whole image's values bit for bit.
RESAMPLE_MARGIN = 20


#: pixel types the numba B-spline port reproduces ITK's values for (ITK computes in double and casts to
#: the pixel type); float64 images differ from ITK in the last bit of about a quarter of the samples, so
#: they stay with ITK
_BSPLINE_TYPES = (
    sitk.sitkUInt8, sitk.sitkInt8, sitk.sitkUInt16, sitk.sitkInt16, sitk.sitkUInt32, sitk.sitkInt32,
    sitk.sitkFloat32,
)


def _fast_bspline(image: sitk.Image, setting: PyRadiomicsSetting) -> bool:
    """Whether the numba port of ITK's B-spline resampling applies (3D scalar image, sitkBSpline)."""
    return (
        _interpolator(setting.interpolator) == sitk.sitkBSpline
        and image.GetDimension() == 3
        and image.GetPixelID() in _BSPLINE_TYPES
    )


def _bspline(region: sitk.Image, origin, spacing: np.ndarray, size: list[int], direction) -> sitk.Image:
    """ITK's cubic B-spline resampling of ``region`` (the part :func:`source_bounds` of the image) onto
    (origin, spacing, size, direction) via :func:`radcore.kernels.pyrad_bspline.resample` (same values as
    ``ResampleImageFilter``). The samples are cast to the pixel type as ITK casts them: rounded to nearest
    for float32, clamped to the type's range and truncated toward zero for integers."""
    view = sitk.GetArrayViewFromImage(region)
    values = bspline.resample(view, region.GetOrigin(), region.GetSpacing(), region.GetDirection(), origin, spacing, size)
    if np.issubdtype(view.dtype, np.integer):
        info = np.iinfo(view.dtype)
        values = np.clip(values, info.min, info.max)
    out = sitk.GetImageFromArray(values.astype(view.dtype, copy=False))
    out.SetOrigin(tuple(float(o) for o in origin))
    out.SetSpacing(tuple(float(s) for s in spacing))
    out.SetDirection(tuple(float(d) for d in direction))
    return out


def source_bounds(
    geometry: sitk.Image, full: np.ndarray, origin, spacing: np.ndarray, size: list[int], direction
) -> tuple[np.ndarray, np.ndarray]:
    """(lower, upper) index bounds (x, y, z; upper exclusive) of the image (geometry ``geometry``, size
    ``full``) an output grid (origin, spacing, size, direction) reads from, widened by
    :data:`RESAMPLE_MARGIN` and clipped to the image; the whole image when the grid reads nothing inside it."""
    d = np.array(direction).reshape(3, 3)
    corners = []
    for corner in np.ndindex(2, 2, 2):
        index = np.array(corner) * (np.array(size) - 1)
        point = np.array(origin) + d @ (index * spacing)
        corners.append(geometry.TransformPhysicalPointToContinuousIndex(point.tolist()))
    corners = np.array(corners)
    lower = np.clip(np.floor(corners.min(axis=0)).astype(int) - RESAMPLE_MARGIN, 0, full)
    upper = np.clip(np.ceil(corners.max(axis=0)).astype(int) + RESAMPLE_MARGIN + 1, 0, full)
    if np.any(upper <= lower):
        return np.zeros(3, int), np.array(full)
    return lower, upper


def _same_grid(image: sitk.Image, mask: sitk.Image, tolerance: float | None) -> bool:
    """ITK's check that two images occupy the same physical space (coordinate tolerance scaled by the
    first spacing, direction tolerance absolute; 1e-6 unless ``geometryTolerance`` is set)."""
    if image.GetSize() != mask.GetSize():
        return False
    tol = 1e-6 if tolerance is None else tolerance
    coord = tol * image.GetSpacing()[0]
    return (
        np.allclose(image.GetOrigin(), mask.GetOrigin(), rtol=0, atol=coord)
        and np.allclose(image.GetSpacing(), mask.GetSpacing(), rtol=0, atol=coord)
        and np.allclose(image.GetDirection(), mask.GetDirection(), rtol=0, atol=tol)
    )


def check_mask(image: sitk.Image, mask: sitk.Image, setting: PyRadiomicsSetting) -> tuple[sitk.Image, np.ndarray, np.ndarray]:
    """PyRadiomics' mask checks; returns the (possibly corrected) mask and the ROI box (x, y, z) lo, size."""
    if not _same_grid(image, mask, setting.geometryTolerance):
        if not setting.correctMask:
            tolerance = setting.geometryTolerance if setting.geometryTolerance is not None else "1e-6 (unset)"
            raise GeometryMismatchError(
                "image and mask grids differ (size, origin, spacing or direction beyond geometryTolerance "
                f"{tolerance}); enable correctMask to resample the mask onto the image"
            )
        _check_roi_inside(image, mask, setting.label)
        mask = sitk.Resample(mask, image, sitk.Transform(), sitk.sitkNearestNeighbor)
    lo, size = _label_box_xyz(mask, setting.label)
    _check_extent(size, _label_count(sitk.GetArrayViewFromImage(mask), setting.label), setting)
    return mask, lo, size


def _check_extent(size: np.ndarray, count: int, setting: PyRadiomicsSetting) -> None:
    ndims = int(np.sum(size > 1))
    if ndims == 0:
        raise EmptyROIError("the ROI is a single voxel; PyRadiomics extracts no features from one voxel")
    if ndims < setting.minimumROIDimensions:
        raise EmptyROIError(
            f"the ROI spans {ndims} dimension(s); minimumROIDimensions requires {setting.minimumROIDimensions}"
        )
    if setting.minimumROISize is not None and count <= setting.minimumROISize:
        raise EmptyROIError(f"the ROI holds {count} voxels; minimumROISize requires more than {setting.minimumROISize}")


def resegment(values: np.ndarray, roi: np.ndarray, setting: PyRadiomicsSetting) -> np.ndarray:
    """The ROI restricted to the resegmentation range (closed), thresholds per ``resegmentMode``."""
    rng = sorted(setting.resegmentRange)
    inside = values[roi]
    if setting.resegmentMode == "relative":
        top = np.max(inside)
        thresholds = [top * t for t in rng]
    elif setting.resegmentMode == "sigma":
        mean, sd = np.mean(inside), np.std(inside)
        thresholds = [mean + sd * t for t in rng]
    else:
        thresholds = rng
    out = roi.copy()
    out[out] = values[out] >= thresholds[0]
    if len(thresholds) == 2:
        out[out] = values[out] <= thresholds[1]
    kept = int(np.count_nonzero(out))
    if kept <= 1:
        raise EmptyROIError(f"resegmentation {setting.resegmentRange} ({setting.resegmentMode}) kept {kept} voxel(s)")
    return out


def _box_slices(lo_xyz: np.ndarray, size_xyz: np.ndarray) -> tuple[slice, slice, slice]:
    lo = lo_xyz[::-1]
    size = size_xyz[::-1]
    return tuple(slice(int(a), int(a + n)) for a, n in zip(lo, size))


def prepare(image: sitk.Image, mask: sitk.Image, setting: PyRadiomicsSetting, window: Window | None = None) -> Prepared:
    """Run PyRadiomics' preprocessing on one case (image and mask as read, any pixel types).

    With a ``window``, image and mask are crops (on one grid) of a whole image holding
    :func:`~radcore.pyradiomics.window.source_box`; the result is the whole image's (the prepared image a
    crop of it when neither resampling nor ``preCrop`` cut it).
    """
    mask = select_mask(mask, setting)
    whole_range = None if window is None else (window.minimum, window.maximum)
    if setting.normalize:
        stats = None
        if window is not None:
            if window.mean is None or window.sigma is None:
                raise ValueError("normalize on a crop needs the whole image's mean and sigma (Window.mean, sigma)")
            stats = (window.mean, window.sigma)
            whole_range = _normalized_range(image, whole_range, setting, stats)
        image = normalize(image, setting, stats)
    if setting.interpolator is not None and setting.resampledPixelSpacing is not None:
        image, mask = resample(image, mask, setting, window)
        window = None
    elif setting.preCrop:
        mask, lo, size = check_mask(image, mask, setting)
        image, mask = _crop(image, mask, lo + (window.offset if window else 0), size, setting.padDistance, window)
        window = None
    mask, lo, size = check_mask(image, mask, setting)
    values = sitk.GetArrayFromImage(image)
    roi = sitk.GetArrayViewFromImage(mask) == setting.label
    shape_roi = roi
    if setting.resegmentRange is not None:
        reseg = resegment(values, roi, setting)
        nz = np.nonzero(reseg)
        lo = np.array([i.min() for i in nz][::-1])
        size = np.array([i.max() for i in nz][::-1]) - lo + 1
        _check_extent(size, int(nz[0].size), setting)
        if setting.resegmentShape:
            shape_roi = reseg
        roi = reseg
    spacing = tuple(float(s) for s in image.GetSpacing()[::-1])
    whole = {} if window is None else dict(
        whole_shape=tuple(int(n) for n in window.size[::-1]), offset=tuple(int(n) for n in window.offset[::-1]),
        whole_range=whole_range)
    return Prepared(values, spacing, np.ascontiguousarray(roi), np.ascontiguousarray(shape_roi), _box_slices(lo, size),
                    origin=tuple(image.GetOrigin()), direction=tuple(image.GetDirection()), **whole)


def _normalized_range(image: sitk.Image, whole_range: tuple[float, float], setting: PyRadiomicsSetting,
                      stats: tuple[float, float]) -> tuple[float, float]:
    """The whole image's (min, max) after :func:`normalize`: the same arithmetic on the two voxels (it is
    monotone, so they stay the extremes)."""
    pair = np.array(whole_range).astype(sitk.GetArrayViewFromImage(image).dtype).reshape(1, 1, 2)
    values = sitk.GetArrayViewFromImage(normalize(sitk.GetImageFromArray(pair), setting, stats)).ravel()
    return float(values[0]), float(values[1])


def discretise(values: np.ndarray, roi: np.ndarray, setting: PyRadiomicsSetting) -> tuple[np.ndarray, int]:
    """PyRadiomics' grey levels of ``values`` inside ``roi``: (int32 levels, 0 outside; highest level).

    ``values`` keeps its pixel type, so the edges are computed in that type as PyRadiomics computes them.
    """
    inside = values[roi]
    if setting.binCount is not None:
        edges = np.histogram(inside, setting.binCount)[1]
        edges[-1] += 1
    else:
        width = setting.binWidth
        low = np.min(inside)
        high = np.max(inside)
        low_bound = low - (low % width)
        edges = np.arange(low_bound, high + 2 * width, width)
        if len(edges) == 1:
            edges = [edges[0] - 0.5, edges[0] + 0.5]
    return digitize(values, roi, np.asarray(edges))
