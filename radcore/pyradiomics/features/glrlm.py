"""PyRadiomics grey level run length matrix (GLRLM) features.

Matrices: one per offset a of :func:`radcore.pyradiomics.features.angles` at distance 1 (13 in 3D, 4 with
``force2D``; GLRLM ignores ``distances``), from
:func:`radcore.kernels.pyrad_texture.run_lengths` on the texture layout. An offset along which no line holds two ROI voxels (e.g. an
out-of-plane offset of a single-slice ROI) gives no matrix. Rows of absent grey levels and columns of
absent run lengths are dropped, so i runs over the grey levels present and j over the run lengths present.
With ``weightingNorm`` the matrices are summed with weights exp(-d^2) into one; otherwise empty ones are
dropped. Features are computed per matrix and averaged (NaN ignored).

Notation: P(i, j) the number of runs of level i and length j; N_r = sum P the number of runs;
N_p = sum_ij j P(i, j) the number of voxels; p_g(i) = sum_j P(i, j), p_r(j) = sum_i P(i, j);
p(i, j) = P(i, j) / N_r, mu_i = sum p(i, j) i, mu_j = sum p(i, j) j.
"""

from __future__ import annotations

import numpy as np

from radcore.kernels.pyrad_formulas import RUN_NAMES, run_features
from radcore.kernels.pyrad_texture import run_lengths
from radcore.pyradiomics.features import EPS, angle_weights, angles, column_nanmeans, select

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


class RunStats:
    """Marginals of a stack of (k, levels, lengths) matrices; shared by the GLSZM and GLDM formulas."""

    def __init__(self, P: np.ndarray, i: np.ndarray, j: np.ndarray):
        self.P = P
        self.i = i[None, :, None]
        self.j = j[None, None, :]
        self.nr = P.sum(axis=(1, 2))
        self.pg = P.sum(axis=2)
        self.pr = P.sum(axis=1)
        self.iv = i[None, :]
        self.jv = j[None, :]


def short_run_emphasis(g: RunStats) -> np.ndarray:
    """ShortRunEmphasis = sum_j p_r(j) / j^2 / N_r."""
    return np.sum(g.pr / g.jv**2, axis=1) / g.nr


def long_run_emphasis(g: RunStats) -> np.ndarray:
    """LongRunEmphasis = sum_j p_r(j) j^2 / N_r."""
    return np.sum(g.pr * g.jv**2, axis=1) / g.nr


def grey_level_non_uniformity(g: RunStats) -> np.ndarray:
    """GrayLevelNonUniformity = sum_i p_g(i)^2 / N_r."""
    return np.sum(g.pg**2, axis=1) / g.nr


def grey_level_non_uniformity_normalized(g: RunStats) -> np.ndarray:
    """GrayLevelNonUniformityNormalized = sum_i p_g(i)^2 / N_r^2."""
    return np.sum(g.pg**2, axis=1) / g.nr**2


def run_length_non_uniformity(g: RunStats) -> np.ndarray:
    """RunLengthNonUniformity = sum_j p_r(j)^2 / N_r."""
    return np.sum(g.pr**2, axis=1) / g.nr


def run_length_non_uniformity_normalized(g: RunStats) -> np.ndarray:
    """RunLengthNonUniformityNormalized = sum_j p_r(j)^2 / N_r^2."""
    return np.sum(g.pr**2, axis=1) / g.nr**2


def run_percentage(g: RunStats) -> np.ndarray:
    """RunPercentage = N_r / N_p, N_p = sum_j j p_r(j) (the voxels the matrix covers)."""
    return g.nr / np.sum(g.pr * g.jv, axis=1)


def _variance(P: np.ndarray, nr: np.ndarray, values: np.ndarray) -> np.ndarray:
    p = P / nr[:, None, None]
    mu = np.sum(p * values, axis=(1, 2))
    return np.sum(p * (values - mu[:, None, None]) ** 2, axis=(1, 2))


def grey_level_variance(g: RunStats) -> np.ndarray:
    """GrayLevelVariance = sum p(i, j) (i - mu_i)^2."""
    return _variance(g.P, g.nr, g.i)


def run_variance(g: RunStats) -> np.ndarray:
    """RunVariance = sum p(i, j) (j - mu_j)^2."""
    return _variance(g.P, g.nr, g.j)


def run_entropy(g: RunStats) -> np.ndarray:
    """RunEntropy = -sum p(i, j) log2(p(i, j) + eps)."""
    p = g.P / g.nr[:, None, None]
    return -np.sum(p * np.log2(p + EPS), axis=(1, 2))


def low_grey_level_run_emphasis(g: RunStats) -> np.ndarray:
    """LowGrayLevelRunEmphasis = sum_i p_g(i) / i^2 / N_r."""
    return np.sum(g.pg / g.iv**2, axis=1) / g.nr


def high_grey_level_run_emphasis(g: RunStats) -> np.ndarray:
    """HighGrayLevelRunEmphasis = sum_i p_g(i) i^2 / N_r."""
    return np.sum(g.pg * g.iv**2, axis=1) / g.nr


def _joint(g: RunStats, weight: np.ndarray) -> np.ndarray:
    return np.sum(g.P * weight, axis=(1, 2)) / g.nr


FORMULAS = {
    "ShortRunEmphasis": short_run_emphasis,
    "LongRunEmphasis": long_run_emphasis,
    "GrayLevelNonUniformity": grey_level_non_uniformity,
    "GrayLevelNonUniformityNormalized": grey_level_non_uniformity_normalized,
    "RunLengthNonUniformity": run_length_non_uniformity,
    "RunLengthNonUniformityNormalized": run_length_non_uniformity_normalized,
    "RunPercentage": run_percentage,
    "GrayLevelVariance": grey_level_variance,
    "RunVariance": run_variance,
    "RunEntropy": run_entropy,
    "LowGrayLevelRunEmphasis": low_grey_level_run_emphasis,
    "HighGrayLevelRunEmphasis": high_grey_level_run_emphasis,
    # ShortRunLowGrayLevelEmphasis = sum P(i, j) / (i^2 j^2) / N_r, and so on
    "ShortRunLowGrayLevelEmphasis": lambda g: _joint(g, 1.0 / (g.i**2 * g.j**2)),
    "ShortRunHighGrayLevelEmphasis": lambda g: _joint(g, g.i**2 / g.j**2),
    "LongRunLowGrayLevelEmphasis": lambda g: _joint(g, g.j**2 / g.i**2),
    "LongRunHighGrayLevelEmphasis": lambda g: _joint(g, g.i**2 * g.j**2),
}


#: feature name -> column of :func:`radcore.kernels.pyrad_formulas.run_features` (the compiled pass of the
#: formulas above, which are its reference)
COLUMN = {name: k for k, name in enumerate(RUN_NAMES)}


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The GLRLM features of ``inputs`` (ClassInputs) keyed by PyRadiomics name.

    ShortRunLowGrayLevelEmphasis = sum P / (i^2 j^2) / N_r, ShortRunHighGrayLevelEmphasis = sum P i^2 / j^2
    / N_r, LongRunLowGrayLevelEmphasis = sum P j^2 / i^2 / N_r, LongRunHighGrayLevelEmphasis = sum P i^2 j^2
    / N_r.
    """
    names = select("glrlm", FEATURES, OPTIONAL, enabled)
    P, i, j = matrices(inputs, setting)
    if P.shape[0] == 0:
        return {name: float("nan") for name in names}
    means = column_nanmeans(run_features(P, i, j, EPS))
    return {name: float(means[COLUMN[name]]) for name in names}
