"""radcore.pyradiomics.features.angles (features/__init__.py) against PyRadiomics' offset counts and signs."""

import numpy as np

from radcore.pyradiomics.features import angles


def test_angles_follow_pyradiomics():
    assert len(angles((1,), (5, 5, 5))) == 13
    assert len(angles((1,), (5, 5, 5), force2D=True)) == 4
    assert len(angles((1, 2), (5, 5, 5))) == 62
    assert len(angles((1,), (1, 5, 5))) == 4  # no offsets leave a single slice
    first_nonzero = [a[np.flatnonzero(a)[0]] for a in angles((2,), (5, 5, 5))]
    assert min(first_nonzero) > 0
