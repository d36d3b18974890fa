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

import math

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
    voxel_volume = float(np.prod(inputs.spacing))
    stat = dict(zip(STAT_NAMES, firstorder_stats(np.sort(x), float(setting.voxelArrayShift)).tolist()))
    m2, m3, m4 = stat["m2"], stat["m3"], stat["m4"]
    formulas = {
        "Energy": lambda: stat["sum_sq"],
        "TotalEnergy": lambda: voxel_volume * stat["sum_sq"],
        "Entropy": lambda: ih.entropy(histogram, EPS),
        "Minimum": lambda: stat["minimum"],
        "10Percentile": lambda: stat["p10"],
        "90Percentile": lambda: stat["p90"],
        "Maximum": lambda: stat["maximum"],
        "Mean": lambda: stat["mean"],
        "Median": lambda: stat["p50"],
        "InterquartileRange": lambda: stat["p75"] - stat["p25"],
        "Range": lambda: stat["maximum"] - stat["minimum"],
        "MeanAbsoluteDeviation": lambda: stat["mad"],
        "RobustMeanAbsoluteDeviation": lambda: stat["rmad"],
        "RootMeanSquared": lambda: math.sqrt(stat["sum_sq"] / x.size),
        "Skewness": lambda: 0.0 if m2 == 0 else m3 / m2**1.5,
        "Kurtosis": lambda: 0.0 if m2 == 0 else m4 / m2**2,
        "Variance": lambda: m2,
        "Uniformity": lambda: ih.uniformity(histogram),
        "StandardDeviation": lambda: math.sqrt(m2),
    }
    return {name: formulas[name]() for name in names}
