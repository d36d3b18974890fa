"""IBSI-2 separable wavelets: undecimated, à trous, with boundary conditions and rotation invariance.

The filters are those of :func:`radcore.filters.wavelet.filter_bank` (``DEC_LO`` and its quadrature
mirror ``H[k] = (-1)^(k+1) L[n-1-k]``); an even-length filter gets a trailing 0 so its centre is the
middle tap. A sub-band such as ``LHL`` names the filter along x, y (and z): L = low-pass, H = high-pass;
two letters filter each axial slice (2D). At level N the image is convolved N - 1 times with the all-L
filter, the taps spread apart each time (à trous: level l uses taps ``2^(l-1)`` voxels apart), then once
with the sub-band filter at spacing ``2^(N-1)``:

    y = F_band^(N) * L^(N-1) * ... * L^(1) * I,    F^(l)[k 2^(l-1)] = F[k]

No down-sampling: the map has the image's shape. With rotation invariance the whole cascade, pre-filters
included, runs in each orientation of :func:`radcore.filters.convolution.orientations` and the maps are
averaged (``pooling``). Orientations that put the same filters on every axis are computed once
(:func:`radcore.filters.convolution.orientation_classes`: HHH has 8 classes of 24), and the cascades of
different classes share the passes they begin with (:func:`radcore.filters.convolution.separable_responses`).

This is the operation of PyRadiomics' wavelet (:mod:`radcore.filters.wavelet`) with three parameters
changed: the boundary (PyRadiomics: periodic with an odd axis wrapped to even length), the dilation of the
filters at higher levels (PyRadiomics repeats the undilated one-level transform) and the orientations.
Both take their coefficients from :data:`radcore.filters.wavelet_filters.DEC_LO`.
"""

from __future__ import annotations

import numpy as np

from radcore.errors import SettingsError
from radcore.filter_options import check_subband
from radcore.filters.convolution import orientation_classes, pool_classes, separable_responses
from radcore.filters.wavelet import filter_bank


def odd_filters(wavelet: str) -> tuple[np.ndarray, np.ndarray]:
    """``(L, H)`` of ``wavelet``, an even-length pair extended by a trailing 0 to odd length."""
    lo, hi = filter_bank(wavelet)
    if lo.size % 2 == 0:
        lo, hi = np.append(lo, 0.0), np.append(hi, 0.0)
    return lo, hi


def wavelet_filter(
    image: np.ndarray,
    wavelet: str,
    subband: str,
    level: int = 1,
    boundary: str = "mirror",
    rotation_invariance: bool = False,
    pooling: str = "mean",
) -> np.ndarray:
    """The undecimated ``wavelet`` sub-band ``subband`` at ``level`` of ``image`` (z, y, x), float64.

    Parameters
    ----------
    image : ndarray (z, y, x)
    wavelet : str
        A key of :data:`radcore.filters.wavelet_filters.DEC_LO` (``haar``, ``db3``, ``coif1`` ...).
    subband : str
        ``LHL`` (3D) or ``LH`` (2D, per axial slice): filters along x, y[, z].
    level : int
        Decomposition level, >= 1.
    boundary : {"zero", "nearest", "periodic", "mirror"}
    rotation_invariance : bool
        Average (``pooling``) over the 24 (3D) or 4 (2D) orientations.
    pooling : {"mean", "max", "min"}

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(4.0).reshape(1, 1, 4) * np.ones((1, 2, 1))
    >>> # H along x: (x[i] - x[i+1]) / sqrt 2; L along y, on rows that are all alike: times sqrt 2
    >>> np.round(wavelet_filter(x, "haar", "HL", 1, "nearest")[0, 0], 12).tolist()
    [-1.0, -1.0, -1.0, 0.0]
    """
    band = check_subband(subband)
    if int(level) < 1:
        raise SettingsError(f"wavelet level must be >= 1, got {level}")
    lo, hi = odd_filters(wavelet)
    dimensions = "3D" if len(band) == 3 else "2D"
    band_filters = [lo if c == "L" else hi for c in band]
    sets = [[lo] * len(band), band_filters] if int(level) > 1 else [band_filters]  # pre-filters, sub-band
    classes = orientation_classes(sets, dimensions, rotation_invariance)

    def cascade(c) -> list[tuple[int, np.ndarray, int]]:
        """The passes of one class: the pre-filters at levels 1 .. N-1, then the sub-band filters."""
        passes = [(axis, k, 2 ** (lev - 1)) for lev in range(1, int(level)) for axis, k in c.kernels[0].items()]
        return passes + [(axis, k, 2 ** (int(level) - 1)) for axis, k in c.kernels[-1].items()]

    maps = separable_responses(image, [cascade(c) for c in classes], boundary)
    return pool_classes(classes, maps, pooling)


def reach_voxels(wavelet: str, level: int = 1) -> int:
    """Voxels the cascade reaches from its centre: ``sum_l 2^(l-1) * half`` over levels 1..N."""
    half = odd_filters(wavelet)[0].size // 2
    return half * (2 ** int(level) - 1)
