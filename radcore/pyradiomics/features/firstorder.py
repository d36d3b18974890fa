"""PyRadiomics first-order features.

X holds the N_p (filtered, not discretised) intensities inside the ROI; c is ``voxelArrayShift`` (added
only in Energy, TotalEnergy and RootMeanSquared, to keep them non-negative); p(i) = N(i) / N_p is the
histogram of the discretised grey levels present in the ROI; eps = numpy.spacing(1).

The formulas are the registry's (:mod:`radcore.features.stat` and :mod:`radcore.features.ih`, whose module
docstrings say which PyRadiomics feature each gives and under which convention); the intensity statistics
come from one compiled pass over the sorted ROI values
(:func:`radcore.kernels.pyrad_firstorder.firstorder_stats`), which is tested against them.
"""

from __future__ import annotations

import numpy as np

from radcore.features import ih
from radcore.kernels.pyrad_firstorder import STAT_NAMES, firstorder_stats
from radcore.pyradiomics.features import EPS, select

FEATURES = (
    "Energy",
    "TotalEnergy",
    "Entropy",
    "Minimum",
    "10Percentile",
    "90Percentile",
    "Maximum",
    "Mean",
    "Median",
    "InterquartileRange",
    "Range",
    "MeanAbsoluteDeviation",
    "RobustMeanAbsoluteDeviation",
    "RootMeanSquared",
    "Skewness",
    "Kurtosis",
    "Variance",
    "Uniformity",
)
OPTIONAL = ("StandardDeviation",)
#: default features that are a registry formula (its ``stat`` record) under PyRadiomics' conventions: of the
#: shifted intensities X + c, times the voxel volume, or not in excess
CONVENTION_OF = {"Energy": "energy", "TotalEnergy": "energy", "RootMeanSquared": "rms", "Kurtosis": "kurtosis"}


def compute(inputs, setting, enabled=None) -> dict[str, float]:
    """The first-order features of ``inputs`` (ClassInputs) keyed by PyRadiomics name."""
    names = select("firstorder", FEATURES, OPTIONAL, enabled)
    x = inputs.roi_values
    counts = inputs.texture().counts
    histogram = ih.Histogram(np.empty(0), counts.astype(np.float64))  # p only: over the levels present
    stat = dict(zip(STAT_NAMES, firstorder_stats(np.sort(x), float(setting.voxelArrayShift)).tolist()))
    values = from_statistics(names, stat, lambda: ih.entropy(histogram, EPS), lambda: ih.uniformity(histogram),
                             x.size, float(np.prod(inputs.spacing)))
    return {name: float(value) for name, value in values.items()}


def from_statistics(names, stat: dict, entropy, uniformity, n_voxels, voxel_volume: float) -> dict:
    """The features ``names`` from the statistics ``stat`` (name of
    :data:`radcore.kernels.pyrad_firstorder.STAT_NAMES` -> value, or array of values of many kernels, as
    voxel maps have them), ``entropy`` and ``uniformity`` (functions giving the histogram's), N_p and the
    voxel volume."""
    m2, m3, m4 = (np.asarray(stat[k], dtype=np.float64) for k in ("m2", "m3", "m4"))
    flat = m2 == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        formulas = {
            "Energy": lambda: stat["sum_sq"],
            "TotalEnergy": lambda: voxel_volume * np.asarray(stat["sum_sq"]),
            "Entropy": entropy,
            "Minimum": lambda: stat["minimum"],
            "10Percentile": lambda: stat["p10"],
            "90Percentile": lambda: stat["p90"],
            "Maximum": lambda: stat["maximum"],
            "Mean": lambda: stat["mean"],
            "Median": lambda: stat["p50"],
            "InterquartileRange": lambda: np.asarray(stat["p75"]) - stat["p25"],
            "Range": lambda: np.asarray(stat["maximum"]) - stat["minimum"],
            "MeanAbsoluteDeviation": lambda: stat["mad"],
            "RobustMeanAbsoluteDeviation": lambda: stat["rmad"],
            "RootMeanSquared": lambda: np.sqrt(np.asarray(stat["sum_sq"]) / n_voxels),
            "Skewness": lambda: np.where(flat, 0.0, m3 / np.where(flat, 1.0, m2) ** 1.5),
            "Kurtosis": lambda: np.where(flat, 0.0, m4 / np.where(flat, 1.0, m2) ** 2),
            "Variance": lambda: m2,
            "Uniformity": uniformity,
            "StandardDeviation": lambda: np.sqrt(m2),
        }
        return {name: formulas[name]() for name in names}
