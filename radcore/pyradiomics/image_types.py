"""PyRadiomics' image types (a params file's ``imageType``) on a prepared case: their images, names and reach.

Each filter runs on the ROI's bounding box grown by its reach (its region of ``Prepared.image``, which may
be a crop of the whole image) rather than on the whole image, which gives the same values inside the box,
and its images are cut back to the box. Names are PyRadiomics' image-type prefixes: ``original``,
``log-sigma-1-0-mm-3D``, ``wavelet-LLH``, ``square``, ``gradient``, ``lbp-2D``, ``lbp-3D-m1``,
``lbp-3D-k``. The options of each are the PyRadiomics settings it reads
(:data:`radcore.image_types.IMAGE_TYPES`).
"""

from __future__ import annotations

import logging
from typing import Iterator

import numpy as np

from radcore.crop import grown_box, inner_box
from radcore.filters import gradient, lbp, log, simple, wavelet
from radcore.image_types import Filter
from radcore.pyradiomics.naming import log_image_type, wavelet_image_type
from radcore.pyradiomics.preprocess import Prepared

log_ = logging.getLogger(__name__)

Reach = tuple[tuple[int, ...], bool]


class Original(Filter):
    def names(self) -> list[str]:
        return ["original"]

    def reach(self, spacing, shape=None) -> Reach:
        return (0, 0, 0), False

    def responses(self, prepared: Prepared) -> Iterator[tuple[str, np.ndarray]]:
        yield "original", prepared.image[prepared.box]


class LoG(Filter):
    """One image per sigma; a sigma too wide for the image is skipped with a warning, as PyRadiomics does."""

    def names(self) -> list[str]:
        return [log_image_type(sigma) for sigma in self.options["sigma"]]

    def reach(self, spacing, shape=None) -> Reach:
        margins = [log.margin(s, spacing) for s in self.options["sigma"] if log.applicable(shape, spacing, s)]
        return tuple(max((m[a] for m in margins), default=0) for a in range(3)), False

    def responses(self, prepared: Prepared) -> Iterator[tuple[str, np.ndarray]]:
        for sigma in self.options["sigma"]:
            if not log.applicable(prepared.shape, prepared.spacing, sigma):
                log_.warning("LoG sigma %g skipped: the image %s is too small", sigma, prepared.shape)
                continue
            region, inner = _region(prepared, log.margin(sigma, prepared.spacing))
            yield log_image_type(sigma), log.laplacian_of_gaussian(prepared.image[region], prepared.spacing, sigma, inner)


class Wavelet(Filter):
    """The wavelets wrap around the image's border: an axis whose grown box passes it is read whole."""

    def names(self) -> list[str]:
        o = self.options
        return [wavelet_image_type(index, dec)
                for index, dec in wavelet.decomposition_names(2 if o["force2D"] else 3, o["level"])]

    def reach(self, spacing, shape=None) -> Reach:
        o = self.options
        m = wavelet.margin(o["wavelet"], o["start_level"], o["level"])
        return tuple(0 if o["force2D"] and a == o["force2Ddimension"] else m for a in range(3)), True

    def responses(self, prepared: Prepared) -> Iterator[tuple[str, np.ndarray]]:
        o = self.options
        axes = [2, 1, 0]
        if o["force2D"]:
            axes.remove(o["force2Ddimension"])
        region, inner = _region(prepared, *self.reach(prepared.spacing, prepared.shape))
        dtype = np.float32 if prepared.image.dtype == np.float32 else np.float64
        for index, dec, arr in wavelet.decompositions(
            prepared.image[region], o["wavelet"], o["start_level"], o["level"], tuple(axes), float32=True
        ):
            yield wavelet_image_type(index, dec), arr[inner].astype(dtype, copy=False)


class Pointwise(Filter):
    """Scaled by ``max |x|`` over the whole image the filters see."""

    def names(self) -> list[str]:
        return [self.name.lower()]

    def reach(self, spacing, shape=None) -> Reach:
        return (0, 0, 0), False

    def responses(self, prepared: Prepared) -> Iterator[tuple[str, np.ndarray]]:
        if prepared.whole_range is None:
            scale = simple.max_abs(prepared.image)
        else:
            scale = float(max(abs(prepared.whole_range[0]), abs(prepared.whole_range[1])))
        key = self.name.lower()
        yield key, getattr(simple, key)(prepared.image[prepared.box], scale)


class Gradient(Filter):
    def names(self) -> list[str]:
        return ["gradient"]

    def reach(self, spacing, shape=None) -> Reach:
        return (gradient.MARGIN,) * 3, False

    def responses(self, prepared: Prepared) -> Iterator[tuple[str, np.ndarray]]:
        region, inner = _region(prepared, *self.reach(prepared.spacing))
        image = prepared.image[region]
        yield "gradient", gradient.gradient_magnitude(image, prepared.spacing, self.options["gradientUseSpacing"])[inner]


class LBP2D(Filter):
    """In the planes across axis ``force2Ddimension``."""

    def names(self) -> list[str]:
        return ["lbp-2D"]

    def reach(self, spacing, shape=None) -> Reach:
        m = lbp.margin_2d(self.options["lbp2DRadius"])
        return tuple(0 if a == self.options["force2Ddimension"] else m for a in range(3)), False

    def responses(self, prepared: Prepared) -> Iterator[tuple[str, np.ndarray]]:
        o = self.options
        image = prepared.image
        region, inner = _region(prepared, *self.reach(prepared.spacing))
        out = lbp.lbp_2d(image[region], o["lbp2DRadius"], o["lbp2DSamples"], o["lbp2DMethod"], o["force2Ddimension"])
        yield "lbp-2D", out[inner].astype(image.dtype, copy=False) if image.dtype != np.float64 else out[inner]


class LBP3D(Filter):
    """One image per level (``lbp-3D-m1`` ...) and the kurtosis image (``lbp-3D-k``)."""

    def names(self) -> list[str]:
        return [f"lbp-3D-m{n + 1}" for n in range(self.options["lbp3DLevels"])] + ["lbp-3D-k"]

    def reach(self, spacing, shape=None) -> Reach:
        return (lbp.margin_3d(self.options["lbp3DIcosphereRadius"]),) * 3, False

    def responses(self, prepared: Prepared) -> Iterator[tuple[str, np.ndarray]]:
        o = self.options
        region, inner = _region(prepared, *self.reach(prepared.spacing))
        images = lbp.lbp_3d(prepared.image[region], prepared.mask[region], o["lbp3DLevels"],
                            o["lbp3DIcosphereRadius"], o["lbp3DIcosphereSubdivision"])
        for name, arr in images:
            yield name, arr[inner]


def _region(prepared: Prepared, margins, whole_axis_on_border: bool = False) -> tuple[tuple[slice, ...], tuple[slice, ...]]:
    """(region of ``prepared.image``, box inside that region) for the box grown by ``margins`` (z, y, x)
    in the whole image (``prepared.image`` may be a crop of it, which must hold the region)."""
    offset = prepared.offset
    box = tuple(slice(b.start + o, b.stop + o) for b, o in zip(prepared.box, offset))
    grown = grown_box(box, margins, prepared.shape, whole_axis_on_border)
    region = tuple(slice(g.start - o, g.stop - o) for g, o in zip(grown, offset))
    if any(r.start < 0 or r.stop > n for r, n in zip(region, prepared.image.shape)):
        raise ValueError(f"a filter needs the region {grown} of the whole image, outside the crop at {offset} of "
                         f"shape {prepared.image.shape}: the crop read is too small")
    return region, inner_box(region, prepared.box)
