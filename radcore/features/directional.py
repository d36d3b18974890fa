"""Aggregation of directional texture matrices (GLCM, GLRLM) as IBSI 3.6/3.7 prescribe.

Given per-slice matrices ``S`` (n_slices, 4, ...) over the 4 in-plane directions and volume matrices
``V`` (13, ...) over the 13 3D directions, the aggregation methods are

============  ==============================================================================
``2D_avg``    features of every (slice, direction) matrix, averaged over all of them
``2D_comb``   per slice the 4 directions summed into one matrix; features averaged over slices
``2_5D_avg``  per direction the slices summed; features averaged over the 4 directions
``2_5D_comb`` one matrix: all slices and directions summed
``3D_avg``    features of each of the 13 direction matrices, averaged
``3D_comb``   one matrix: the 13 directions summed
============  ==============================================================================

Empty matrices (a slice without ROI voxels, a direction without voxel pairs) are left out of averages;
an aggregation without any non-empty matrix gives NaN for every feature. A feature undefined (NaN) for
some matrices, e.g. the correlation of a slice with a single grey level, is averaged over the others.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

import numpy as np

#: evaluate(stack of count matrices (n, ...)) -> {feature name: values (n,)}
Evaluate = Callable[[np.ndarray], Mapping[str, np.ndarray]]

SLICE_AGGREGATIONS = ("2D_avg", "2D_comb", "2_5D_avg", "2_5D_comb")
VOLUME_AGGREGATIONS = ("3D_avg", "3D_comb")


def aggregation_stacks(
    slices: np.ndarray | None, volume: np.ndarray | None, aggregations: Sequence[str]
) -> dict[str, np.ndarray]:
    """aggregation -> stack (n, ...) of the non-empty matrices whose features are averaged."""
    stacks: dict[str, np.ndarray] = {}
    for agg in aggregations:
        if agg == "2D_avg":
            m = slices.reshape((-1,) + slices.shape[2:])
        elif agg == "2D_comb":
            m = slices.sum(axis=1)
        elif agg == "2_5D_avg":
            m = slices.sum(axis=0)
        elif agg == "2_5D_comb":
            m = slices.sum(axis=(0, 1))[None]
        elif agg == "3D_avg":
            m = volume
        elif agg == "3D_comb":
            m = volume.sum(axis=0)[None]
        else:
            raise ValueError(f"unknown matrix aggregation {agg!r}")
        stacks[agg] = m[m.reshape(m.shape[0], -1).sum(axis=1) > 0]
    return stacks


def aggregate(
    slices: np.ndarray | None,
    volume: np.ndarray | None,
    aggregations: Sequence[str],
    evaluate: Evaluate,
    names: Sequence[str],
) -> dict[tuple[str, str], float]:
    """{(feature name, aggregation): value} of the matrices, evaluated in one batch.

    ``slices`` is needed for the 2D and 2.5D aggregations, ``volume`` for the 3D ones.
    """
    stacks = aggregation_stacks(slices, volume, aggregations)
    shapes = {s.shape[1:] for s in stacks.values()}
    if len(shapes) > 1:
        raise ValueError(f"slice and volume matrices must have one shape, got {sorted(shapes)}")
    sizes = [s.shape[0] for s in stacks.values()]
    if sum(sizes):
        values = evaluate(np.concatenate(list(stacks.values())))
        table = np.stack([np.asarray(values[n], dtype=np.float64) for n in names])  # (feature, matrix)
    else:
        table = np.zeros((len(names), 0))
    out: dict[tuple[str, str], float] = {}
    ends = np.cumsum(sizes)
    for agg, end, size in zip(stacks, ends, sizes):
        chunk = table[:, end - size:end]
        defined = ~np.isnan(chunk)
        counts = defined.sum(axis=1)
        sums = np.where(defined, chunk, 0.0).sum(axis=1)
        means = np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
        out.update(((n, agg), float(m)) for n, m in zip(names, means))
    return {(n, agg): out[(n, agg)] for n in names for agg in stacks}
