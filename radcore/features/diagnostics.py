"""IBSI diagnostic values as a feature family, so they are named and written like features.

They are recorded by :func:`radcore.preprocess.prepare`; they have no IBSI feature code (they are
diagnostic features of the IBSI reference tables, not radiomics features).
"""

from __future__ import annotations

from radcore.features.registry import Family, Feature

_REASON = "IBSI diagnostic value (reference-table tag), not a radiomics feature"


def _tags() -> list[str]:
    tags = []
    for stage in ("init", "interp"):
        tags += [f"img_dim_{a}_{stage}_img" for a in "xyz"]
        tags += [f"vox_dim_{a}_{stage}_img" for a in "xyz"]
        tags += [f"{s}_int_{stage}_img" for s in ("mean", "min", "max")]
    for stage in ("init", "interp", "reseg"):
        tags += [f"int_mask_dim_{a}_{stage}_roi" for a in "xyz"]
        tags += [f"int_mask_bb_dim_{a}_{stage}_roi" for a in "xyz"]
        tags.append(f"int_mask_vox_count_{stage}_roi")
        tags += [f"morph_mask_bb_dim_{a}_{stage}_roi" for a in "xyz"]
        tags.append(f"morph_mask_vox_count_{stage}_roi")
        tags += [f"int_mask_{s}_int_{stage}_roi" for s in ("mean", "min", "max")]
    return tags


def _lookup(tag: str):
    def value(diagnostics) -> float:
        """The value recorded under this tag while preprocessing."""
        return float(diagnostics.get(tag, float("nan")))

    return value


FEATURES = tuple(
    Feature("diagnostics", tag, None, tag, _lookup(tag), tag.replace("_", " "), _REASON) for tag in _tags()
)


def compute(roi, disc, settings) -> dict[tuple[str, str], float]:
    """The diagnostic values recorded in ``roi.diagnostics``."""
    return {(f.name, ""): f.function(roi.diagnostics) for f in FEATURES}


FAMILY = Family("diagnostics", "", FEATURES, compute)
