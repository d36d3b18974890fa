"""radcore's own image types other than the IBSI-2 filters: their maps, names and reach.

Each works on the whole of a :class:`radcore.roi.RoiImage`, the preprocessed image (interpolated and
rounded) cropped to the ROI's bounding box plus the margin the filters reach (:mod:`radcore.image_types`):

- ``original``  the image itself
- ``log``       PyRadiomics' scale-normalised Laplacian of Gaussian (:mod:`radcore.filters.log`), one map
  per ``sigma`` (mm), named ``log_sigma_<sigma>_mm``
- ``wavelet``   PyRadiomics' undecimated wavelet (:mod:`radcore.filters.wavelet`), 7 detail maps + LLL per
  level, named ``wavelet_<sub-band>`` (``_level_<n>`` with ``level`` > 1)
- ``gradient``  the gradient magnitude with spacing in mm (:mod:`radcore.filters.gradient`)
- the point-wise maps of :mod:`radcore.filters.simple`, rescaled by M = max |x| over the ROI's intensities

The IBSI-2 filters are :class:`radcore.filters.ibsi2.Ibsi2`.
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from radcore.filters import gradient, log, simple, wavelet
from radcore.filters.ibsi2 import column_number
from radcore.image_types import Filter, sigmas
from radcore.roi import RoiImage


class Original(Filter):
    def names(self) -> list[str]:
        return ["original"]

    def reach(self, spacing, shape=None) -> float:
        return 0.0

    def responses(self, roi: RoiImage) -> Iterator[tuple[str, np.ndarray]]:
        yield "original", roi.image


class LoG(Filter):
    def names(self) -> list[str]:
        return [f"log_sigma_{column_number(sigma)}_mm" for sigma in sigmas(self.options)]

    def reach(self, spacing, shape=None) -> float:
        return log.MARGIN_SIGMAS * max(sigmas(self.options)) + max(spacing)

    def responses(self, roi: RoiImage) -> Iterator[tuple[str, np.ndarray]]:
        image = roi.image.astype(np.float32)
        for name, sigma in zip(self.names(), sigmas(self.options)):
            yield name, log.laplacian_of_gaussian(image, roi.spacing, sigma).astype(np.float64)


class Wavelet(Filter):
    def names(self) -> list[str]:
        return [self._name(index, dec) for index, dec in wavelet.decomposition_names(3, self._level)]

    def reach(self, spacing, shape=None) -> float:
        voxel = max(spacing)
        return wavelet.margin(self._wavelet, 0, self._level) * voxel + voxel

    def responses(self, roi: RoiImage) -> Iterator[tuple[str, np.ndarray]]:
        for index, dec, response in wavelet.decompositions(roi.image, self._wavelet, 0, self._level):
            yield self._name(index, dec), response

    @property
    def _wavelet(self) -> str:
        return self.options.get("wavelet", "coif1")

    @property
    def _level(self) -> int:
        return int(self.options.get("level", 1))

    def _name(self, index: int, decomposition: str) -> str:
        return f"wavelet_{decomposition.lower()}" + (f"_level_{index}" if self._level > 1 else "")


class Gradient(Filter):
    def names(self) -> list[str]:
        return ["gradient"]

    def reach(self, spacing, shape=None) -> float:
        return gradient.MARGIN * max(spacing)

    def responses(self, roi: RoiImage) -> Iterator[tuple[str, np.ndarray]]:
        yield "gradient", gradient.gradient_magnitude(roi.image, roi.spacing).astype(np.float64)


class Pointwise(Filter):
    def names(self) -> list[str]:
        return [self.name]

    def reach(self, spacing, shape=None) -> float:
        return 0.0

    def responses(self, roi: RoiImage) -> Iterator[tuple[str, np.ndarray]]:
        scale = float(np.max(np.abs(roi.values))) or 1.0
        yield self.name, getattr(simple, self.name)(roi.image, scale)
