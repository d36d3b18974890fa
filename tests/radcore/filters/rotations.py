"""The 24 proper rotations of a 3D kernel array, for references of rotation-invariant filters."""

import itertools

import numpy as np


def _turn(k, a, b, c):
    return np.rot90(np.rot90(np.rot90(k, a, (0, 1)), b, (1, 2)), c, (0, 2))


def rotations_3d(k):
    """``k`` turned by the 24 proper rotations of the cube, found by rot90 about the three axes (told apart
    on a labelled cube, since a kernel's own symmetries make some turns of it equal)."""
    labels = np.arange(27).reshape(3, 3, 3)
    seen, out = set(), []
    for a, b, c in itertools.product(range(4), repeat=3):
        key = _turn(labels, a, b, c).tobytes()
        if key not in seen:
            seen.add(key)
            out.append(_turn(k, a, b, c))
    return out
