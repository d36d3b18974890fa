"""PyRadiomics grey level run length matrix (GLRLM) features.

Matrices: one per offset a of :func:`radcore.pyradiomics.features.angles` at distance 1 (13 in 3D, 4 with
``force2D``; GLRLM ignores ``distances``), from
:func:`radcore.kernels.matrices.run_lengths` on the texture layout. An offset along which no line holds two ROI voxels (e.g. an
out-of-plane offset of a single-slice ROI) gives no matrix. Rows of absent grey levels and columns of
absent run lengths are dropped, so i runs over the grey levels present and j over the run lengths present.
With ``weightingNorm`` the matrices are summed with weights exp(-d^2) into one; otherwise empty ones are
dropped. Features are computed per matrix and averaged (NaN ignored).

P(i, j) is the number of runs of level i and length j. The formulas are the count-matrix formulas of
:mod:`radcore.features.count_matrix`, which the IBSI GLRLM shares, with log2(p + eps) in the entropy; the
registry records of the IBSI GLRLM name each formula's PyRadiomics feature.
"""

from __future__ import annotations

import numpy as np

from radcore.features import count_matrix
from radcore.kernels.matrices import run_lengths
from radcore.pyradiomics.features import EPS, angle_weights, angles, column_nanmeans, registry_columns, select

FEATURES = (
    "ShortRunEmphasis",
    "LongRunEmphasis",
    "GrayLevelNonUniformity",
    "GrayLevelNonUniformityNormalized",
    "RunLengthNonUniformity",
    "RunLengthNonUniformityNormalized",
    "RunPercentage",
    "GrayLevelVariance",
    "RunVariance",
    "RunEntropy",
    "LowGrayLevelRunEmphasis",
    "HighGrayLevelRunEmphasis",
    "ShortRunLowGrayLevelEmphasis",
    "ShortRunHighGrayLevelEmphasis",
    "LongRunLowGrayLevelEmphasis",
    "LongRunHighGrayLevelEmphasis",
)
OPTIONAL: tuple[str, ...] = ()


def has_line_pair(mask: np.ndarray, offset: np.ndarray) -> bool:
    """Whether two ROI voxels lie on one line along ``offset`` (v and v + n offset, n >= 1)."""
    n = 1
    while True:
        step = offset * n
        if np.any(np.abs(step) >= mask.shape):
            return False
        a = tuple(slice(max(0, -s), mask.shape[k] - max(0, s)) for k, s in enumerate(step))
        b = tuple(slice(max(0, s), mask.shape[k] - max(0, -s)) for k, s in enumerate(step))
        if np.any(mask[a] & mask[b]):
            return True
        n += 1


def matrices(inputs, setting) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run-length matrices (k, n_levels, n_lengths) over present levels and lengths, levels, lengths."""
    offsets = angles((1,), inputs.levels.shape, setting.force2D, setting.force2Ddimension)
    tex = inputs.texture(1)
    present = tex.present
    counts = run_lengths(tex.ranks, tex.roi, tex.steps(offsets), len(present), max(tex.shape))
    # a run of two voxels already is a pair on a line; otherwise look further along the line
    keep = [bool(counts[k, :, 1:].any()) or has_line_pair(inputs.mask, a) for k, a in enumerate(offsets)]
    offsets, counts = offsets[keep], counts[keep]
    if setting.weightingNorm is not None:
        weights = angle_weights(offsets, inputs.spacing, setting.weightingNorm)
        counts = np.tensordot(weights, counts, axes=1)[None]
    else:
        counts = counts[counts.sum(axis=(1, 2)) > 0]
    lengths = np.flatnonzero(counts.sum(axis=(0, 1)) > 0)
    return counts[:, :, lengths], present, (lengths + 1).astype(np.float64)


#: feature name -> column of :func:`radcore.features.count_matrix.evaluate`, from the IBSI GLRLM records
COLUMN = registry_columns("glrlm")


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The GLRLM features of ``inputs`` (ClassInputs) keyed by PyRadiomics name."""
    names = select("glrlm", FEATURES, OPTIONAL, enabled)
    P, i, j = matrices(inputs, setting)
    if P.shape[0] == 0:
        return {name: float("nan") for name in names}
    means = column_nanmeans(count_matrix.evaluate(P, i, j, EPS))
    return {name: float(means[COLUMN[name]]) for name in names}
