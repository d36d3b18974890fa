"""Real feature values for the ICC tests: PyRadiomics' baseline (tests/data/pyradiomics/baseline).

Its five sample cases (brain1, brain2, breast1, lung1, lung2) are the targets; the baseline's settings
variants of each case (default, normalisation, resampling, resegmentation) are the raters, as perturbed
versions would be.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

BASELINE = Path(__file__).parent / "data" / "pyradiomics" / "baseline"
CASES = ("brain1", "brain2", "breast1", "lung1", "lung2")
VARIANTS = ("", "_normalization", "_resampling", "_resegmentation")


def real_ratings() -> np.ndarray:
    """(5 cases, 4 variants, m features) of every texture and first-order feature with a number in each."""
    tables = []
    for family in ("firstorder", "glcm", "glrlm", "glszm", "gldm", "ngtdm"):
        frame = pd.read_csv(BASELINE / f"baseline_{family}.csv", index_col=0)
        frame = frame.loc[[i for i in frame.index if not i.startswith("diagnostics")]]
        columns = [f"{case}{variant}" for case in CASES for variant in VARIANTS]
        values = frame[columns].apply(pd.to_numeric, errors="coerce").dropna()
        tables.append(values.to_numpy(dtype=float))
    values = np.vstack(tables)  # (m, 5 * 4)
    return values.reshape(-1, len(CASES), len(VARIANTS)).transpose(1, 2, 0)
