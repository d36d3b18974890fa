"""Grey-level run-length matrix features (IBSI 3.7, family code TP0I).

Notation (IBSI): ``r_ij`` the number of runs of grey level i = 1..Ng and length j = 1..Nr;
``N_s = sum_ij r_ij`` the number of runs; ``r_i. = sum_j r_ij``, ``r_.j = sum_i r_ij``;
``p_ij = r_ij / N_s``; ``N_v`` the number of voxels the runs cover, ``N_v = sum_ij j r_ij`` (the ROI
voxel count times the number of directions merged into the matrix, as IBSI's note on merged matrices
asks). Entropies use log base 2; ``0 log 0 = 0``.

Each feature function takes a :class:`GlrlmSummary` of a stack of matrices (any leading shape) and
returns one value per matrix. Runs follow the 4 in-plane or 13 volumetric directions; the matrices are
aggregated as described in :mod:`radcore.features.directional`. Every non-empty matrix gives finite
values, also for a flat ROI.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from radcore.features.directional import SLICE_AGGREGATIONS, VOLUME_AGGREGATIONS, aggregate
from radcore.features.registry import Family, Feature
from radcore.kernels import directions
from radcore.kernels.texture import longest_possible_run, run_length_counts
from radcore.roi import Discretised

#: matrices per batch are limited to about this many elements (memory of the temporaries)
_BATCH_ELEMENTS = 1 << 21


@dataclass(frozen=True)
class GlrlmSummary:
    """A stack of run-length matrices, normalised, with the marginals every feature needs.

    p (..., Ng, Nr) = r_ij / N_s; p_grey = r_i. / N_s (..., Ng); p_run = r_.j / N_s (..., Nr);
    n_runs = N_s, n_voxels = N_v; ``grey`` = 1..Ng, ``run`` = 1..Nr.
    """

    p: np.ndarray
    p_grey: np.ndarray
    p_run: np.ndarray
    n_runs: np.ndarray
    n_voxels: np.ndarray
    grey: np.ndarray
    run: np.ndarray

    @classmethod
    def from_counts(cls, counts: np.ndarray) -> "GlrlmSummary":
        """Summary of run counts (..., Ng, Nr); every matrix must hold at least one run."""
        counts = np.asarray(counts, dtype=np.float64)
        n_runs = counts.sum(axis=(-2, -1))
        if np.any(n_runs <= 0):
            raise ValueError("every run-length matrix must hold at least one run")
        p = counts / n_runs[..., None, None]
        grey = np.arange(1, counts.shape[-2] + 1, dtype=np.float64)
        run = np.arange(1, counts.shape[-1] + 1, dtype=np.float64)
        p_run = p.sum(axis=-2)
        return cls(p, p.sum(axis=-1), p_run, n_runs, n_runs * (p_run @ run), grey, run)

    def weighted(self, grey_power: float, run_power: float) -> np.ndarray:
        """sum_ij i^grey_power j^run_power p_ij."""
        return np.einsum("...ij,i,j->...", self.p, self.grey**grey_power, self.run**run_power)


def short_runs_emphasis(s: GlrlmSummary) -> np.ndarray:
    """Short runs emphasis: 1/N_s sum_ij r_ij / j^2."""
    return s.p_run @ s.run**-2.0


def long_runs_emphasis(s: GlrlmSummary) -> np.ndarray:
    """Long runs emphasis: 1/N_s sum_ij r_ij j^2."""
    return s.p_run @ s.run**2


def low_grey_level_run_emphasis(s: GlrlmSummary) -> np.ndarray:
    """Low grey level run emphasis: 1/N_s sum_ij r_ij / i^2."""
    return s.p_grey @ s.grey**-2.0


def high_grey_level_run_emphasis(s: GlrlmSummary) -> np.ndarray:
    """High grey level run emphasis: 1/N_s sum_ij r_ij i^2."""
    return s.p_grey @ s.grey**2


def short_run_low_grey_level_emphasis(s: GlrlmSummary) -> np.ndarray:
    """Short run low grey level emphasis: 1/N_s sum_ij r_ij / (i^2 j^2)."""
    return s.weighted(-2.0, -2.0)


def short_run_high_grey_level_emphasis(s: GlrlmSummary) -> np.ndarray:
    """Short run high grey level emphasis: 1/N_s sum_ij r_ij i^2 / j^2."""
    return s.weighted(2.0, -2.0)


def long_run_low_grey_level_emphasis(s: GlrlmSummary) -> np.ndarray:
    """Long run low grey level emphasis: 1/N_s sum_ij r_ij j^2 / i^2."""
    return s.weighted(-2.0, 2.0)


def long_run_high_grey_level_emphasis(s: GlrlmSummary) -> np.ndarray:
    """Long run high grey level emphasis: 1/N_s sum_ij r_ij i^2 j^2."""
    return s.weighted(2.0, 2.0)


def grey_level_non_uniformity(s: GlrlmSummary) -> np.ndarray:
    """Grey level non-uniformity: 1/N_s sum_i r_i.^2."""
    return s.n_runs * np.sum(s.p_grey**2, axis=-1)


def normalised_grey_level_non_uniformity(s: GlrlmSummary) -> np.ndarray:
    """Normalised grey level non-uniformity: 1/N_s^2 sum_i r_i.^2."""
    return np.sum(s.p_grey**2, axis=-1)


def run_length_non_uniformity(s: GlrlmSummary) -> np.ndarray:
    """Run length non-uniformity: 1/N_s sum_j r_.j^2."""
    return s.n_runs * np.sum(s.p_run**2, axis=-1)


def normalised_run_length_non_uniformity(s: GlrlmSummary) -> np.ndarray:
    """Normalised run length non-uniformity: 1/N_s^2 sum_j r_.j^2."""
    return np.sum(s.p_run**2, axis=-1)


def run_percentage(s: GlrlmSummary) -> np.ndarray:
    """Run percentage: N_s / N_v."""
    return s.n_runs / s.n_voxels


def _variance(p: np.ndarray, x: np.ndarray) -> np.ndarray:
    mu = p @ x
    return np.sum((x - mu[..., None]) ** 2 * p, axis=-1)


def grey_level_variance(s: GlrlmSummary) -> np.ndarray:
    """Grey level variance: sum_ij (i - mu)^2 p_ij, mu = sum_ij i p_ij."""
    return _variance(s.p_grey, s.grey)


def run_length_variance(s: GlrlmSummary) -> np.ndarray:
    """Run length variance: sum_ij (j - mu)^2 p_ij, mu = sum_ij j p_ij."""
    return _variance(s.p_run, s.run)


def run_entropy(s: GlrlmSummary) -> np.ndarray:
    """Run entropy: -sum_ij p_ij log2 p_ij."""
    return -np.sum(s.p * np.log2(np.where(s.p > 0, s.p, 1.0)), axis=(-2, -1))


def _feature(name: str, code: str, fn, description: str) -> Feature:
    return Feature("glrlm", name, code, f"rlm_{name}", fn, description)


FEATURES = (
    _feature("sre", "22OV", short_runs_emphasis, "Short runs emphasis"),
    _feature("lre", "W4KF", long_runs_emphasis, "Long runs emphasis"),
    _feature("lgre", "V3SW", low_grey_level_run_emphasis, "Low grey level run emphasis"),
    _feature("hgre", "G3QZ", high_grey_level_run_emphasis, "High grey level run emphasis"),
    _feature("srlge", "HTZT", short_run_low_grey_level_emphasis, "Short run low grey level emphasis"),
    _feature("srhge", "GD3A", short_run_high_grey_level_emphasis, "Short run high grey level emphasis"),
    _feature("lrlge", "IVPO", long_run_low_grey_level_emphasis, "Long run low grey level emphasis"),
    _feature("lrhge", "3KUM", long_run_high_grey_level_emphasis, "Long run high grey level emphasis"),
    _feature("glnu", "R5YN", grey_level_non_uniformity, "Grey level non-uniformity"),
    _feature("glnu_norm", "OVBL", normalised_grey_level_non_uniformity,
             "Normalised grey level non-uniformity"),
    _feature("rlnu", "W92Y", run_length_non_uniformity, "Run length non-uniformity"),
    _feature("rlnu_norm", "IC23", normalised_run_length_non_uniformity,
             "Normalised run length non-uniformity"),
    _feature("r_perc", "9ZK5", run_percentage, "Run percentage"),
    _feature("gl_var", "8CE5", grey_level_variance, "Grey level variance"),
    _feature("rl_var", "SXLW", run_length_variance, "Run length variance"),
    _feature("rl_entr", "HJ9O", run_entropy, "Run entropy"),
)


def evaluate(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Every GLRLM feature of each non-empty count matrix of the stack (n, Ng, Nr): name -> (n,)."""
    n = counts.shape[0]
    step = max(1, _BATCH_ELEMENTS // (counts.shape[-2] * counts.shape[-1]))
    parts = []
    for start in range(0, n, step):
        s = GlrlmSummary.from_counts(counts[start:start + step])
        parts.append({f.name: np.asarray(f.function(s), dtype=np.float64) for f in FEATURES})
    return {f.name: np.concatenate([p[f.name] for p in parts]) for f in FEATURES}


def matrices(disc: Discretised, aggregations) -> tuple:
    """(per-slice (n_slices, 4, Ng, Nr) or None, volume (13, Ng, Nr) or None) run counts as needed, counted
    on the discretised ROI's shared texture layout.

    Both share Nr, trimmed to the longest run present.
    """
    slices = volume = None
    need_slices = any(a in SLICE_AGGREGATIONS for a in aggregations)
    need_volume = any(a in VOLUME_AGGREGATIONS for a in aggregations)
    tex, n_levels = disc.texture(1), disc.n_levels
    max_run = longest_possible_run(disc.levels.shape, directions.VOLUME if need_volume else directions.IN_PLANE)
    longest = 1
    if need_slices:
        slices = run_length_counts(tex, directions.IN_PLANE, n_levels, max_run, by_slice=True)
        longest = max(longest, _longest(slices))
    if need_volume:
        if slices is None:
            volume = run_length_counts(tex, directions.VOLUME, n_levels, max_run)[0]
        else:  # the in-plane directions are the slices' sum
            rest = run_length_counts(tex, directions.VOLUME[len(directions.IN_PLANE):], n_levels, max_run)[0]
            volume = np.concatenate([slices.sum(axis=0), rest])
        longest = max(longest, _longest(volume))
    return (
        None if slices is None else slices[..., :longest],
        None if volume is None else volume[..., :longest],
    )


def _longest(counts: np.ndarray) -> int:
    present = np.nonzero(counts.reshape(-1, counts.shape[-1]).any(axis=0))[0]
    return int(present[-1]) + 1 if present.size else 1


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """GLRLM features for each aggregation in ``settings.texture.matrix_aggregations``."""
    aggregations = settings.texture.matrix_aggregations
    slices, volume = matrices(disc, aggregations)
    return aggregate(slices, volume, aggregations, evaluate, [f.name for f in FEATURES])


FAMILY = Family("glrlm", "rlm", FEATURES, compute, aggregated=True)
