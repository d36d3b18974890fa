"""The report's static plots, drawn with matplotlib and returned as PNG bytes.

Each figure is a :class:`matplotlib.figure.Figure` of its own (no pyplot, no global state) rendered by
the Agg canvas into memory. Plots aggregate: box plots per group, histograms, a heat map of group
medians, so their size does not grow with the cohort.
"""

from __future__ import annotations

import io

import numpy as np

#: groups beyond this many (the largest kept) are pooled as "other" in plots
MAX_GROUPS = 12
#: flagged cases drawn as points over the box plots, at most
MAX_POINTS = 300
DPI = 80


def distributions(values: dict[str, np.ndarray], groups: np.ndarray, flagged: np.ndarray,
                  group_column: str) -> bytes:
    """Box plots of each feature (``values``: title -> one value per case) per group, the cases marked in
    ``flagged`` as red points over them."""
    from matplotlib.figure import Figure

    names = list(values)
    order, groups = _pool_groups(groups)
    ncols = min(3, max(len(names), 1))
    nrows = max(1, -(-len(names) // ncols))
    width = max(3.2, 0.55 * len(order) + 1.6)
    fig = Figure(figsize=(ncols * width, nrows * 2.9), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, squeeze=False)).ravel()
    rng = np.random.default_rng(0)
    for ax, name in zip(axes, names):
        data = values[name]
        series = [_finite(data[groups == g]) for g in order]
        ax.boxplot(series, showfliers=False, widths=0.6, medianprops={"color": "#1f4e99"})
        ax.set_xticks(range(1, len(order) + 1), [str(g) or "(none)" for g in order])
        marked = np.flatnonzero(flagged & np.isfinite(data))
        if len(marked) > MAX_POINTS:
            marked = rng.choice(marked, MAX_POINTS, replace=False)
        positions = {g: i + 1 for i, g in enumerate(order)}
        x = np.array([positions[g] for g in groups[marked]], dtype=float) + rng.uniform(-0.15, 0.15, len(marked))
        ax.scatter(x, data[marked], s=14, color="#d62728", zorder=3, label="flagged cases")
        ax.set_title(_short(name), fontsize=9)
        ax.tick_params(axis="x", labelrotation=45 if len(order) > 4 else 0, labelsize=8)
        ax.tick_params(axis="y", labelsize=8)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    fig.suptitle(f"feature distributions per {group_column} (red: cases flagged on their own)", fontsize=10)
    return _png(fig)


def outliers(scores: np.ndarray, cutoff: float, medians: dict[str, np.ndarray], feature_names: list[str],
             group_column: str) -> bytes:
    """Left: histogram of the cases' outlier scores with the cut-off; right: the group medians of robust
    z against the other cases (:func:`radcore.report.analysis.group_shifts`) for the features that differ
    most between groups (a heat map, clipped at +-4)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.6), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.6])
    finite = _finite(scores)
    left.hist(finite, bins=np.linspace(0, max(1e-3, float(finite.max(initial=0))) + 1e-9, 31), color="#6b8fc2")
    left.axvline(cutoff, color="#d62728", linestyle="--", label=f"cut-off {cutoff:.0%}")
    left.set_yscale("log" if len(finite) > 200 else "linear")
    left.set_xlabel("fraction of a case's features with |robust z| > 3.5", fontsize=8)
    left.set_ylabel("cases", fontsize=8)
    left.legend(fontsize=8)
    left.set_title("how far each case sits from the cohort", fontsize=9)
    group_names = list(medians)[:MAX_GROUPS * 2]
    if group_names and feature_names:
        matrix = np.array([medians[g] for g in group_names])
        right.imshow(np.clip(matrix, -4, 4), cmap="RdBu_r", vmin=-4, vmax=4, aspect="auto", interpolation="nearest")
        right.set_yticks(range(len(group_names)), [str(g) or "(none)" for g in group_names], fontsize=8)
        right.set_xticks(range(len(feature_names)), [_short(n, 28) for n in feature_names], fontsize=7,
                         rotation=60, ha="right")
        fig.colorbar(right.images[0], ax=right, shrink=0.8, label="shift (robust z)")
        right.set_title(f"each {group_column}'s median against the other cases: features that differ most",
                        fontsize=9)
    else:
        right.set_axis_off()
    return _png(fig)


def volume_correlation(rho: np.ndarray, names: list[str], volume: str, top: int = 20) -> bytes:
    """Left: histogram of every feature's Spearman rho with the volume; right: the ``top`` features of
    largest |rho| (the volume itself left out)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 3.8), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.4])
    finite = _finite(rho)
    left.hist(finite, bins=np.linspace(-1, 1, 41), color="#6b8fc2")
    left.set_xlabel(f"Spearman rho with {_short(volume, 40)}", fontsize=8)
    left.set_ylabel("features", fontsize=8)
    left.set_title(f"{(np.abs(finite) >= 0.8).sum()} of {len(finite)} features have |rho| >= 0.8", fontsize=9)
    keep = [i for i in np.argsort(-np.nan_to_num(np.abs(rho), nan=-1)) if names[i] != volume][:top]
    right.barh(range(len(keep)), [rho[i] for i in keep], color=["#d62728" if abs(rho[i]) >= 0.8 else "#6b8fc2"
                                                               for i in keep])
    right.set_yticks(range(len(keep)), [_short(names[i], 45) for i in keep], fontsize=7)
    right.invert_yaxis()
    right.set_xlim(-1, 1)
    right.set_title("features most correlated with ROI volume", fontsize=9)
    return _png(fig)


def icc_by_family(values: dict[str, np.ndarray], threshold: float, icc_type: str) -> bytes:
    """Box plots of the features' ICC per family (``values``: family -> one ICC per feature), the pass
    threshold as a line."""
    from matplotlib.figure import Figure

    names = list(values)
    fig = Figure(figsize=(max(4.5, 0.6 * len(names) + 2.0), 3.4), layout="constrained")
    ax = fig.subplots()
    ax.boxplot([_finite(values[n]) for n in names], showfliers=True, widths=0.6,
               medianprops={"color": "#1f4e99"}, flierprops={"markersize": 3})
    ax.axhline(threshold, color="#d62728", linestyle="--", label=f"threshold {threshold:g}")
    ax.set_xticks(range(1, len(names) + 1), names, fontsize=8, rotation=45 if len(names) > 6 else 0)
    ax.set_ylabel(icc_type, fontsize=8)
    ax.set_ylim(min(-0.1, float(np.nanmin([np.nanmin(v) if len(v) else 0.0 for v in values.values()]))), 1.02)
    ax.tick_params(axis="y", labelsize=8)
    ax.legend(fontsize=8, loc="lower left")
    ax.set_title(f"{icc_type} of the features across the perturbed versions, per family", fontsize=9)
    return _png(fig)


def _pool_groups(groups: np.ndarray) -> tuple[list[str], np.ndarray]:
    """The groups to draw (largest first, at most :data:`MAX_GROUPS`, the rest as "other") and the labels."""
    labels = np.array([str(g) for g in groups], dtype=object)
    names, counts = np.unique(labels, return_counts=True)
    order = [str(n) for n in names[np.argsort(-counts, kind="stable")]]
    if len(order) > MAX_GROUPS:
        kept = set(order[: MAX_GROUPS - 1])
        labels = np.array([g if g in kept else "other" for g in labels], dtype=object)
        order = order[: MAX_GROUPS - 1] + ["other"]
    else:
        order = sorted(order)
    return order, labels


def _finite(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x[np.isfinite(x)]


def _short(name: str, width: int = 38) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


def _png(fig) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
