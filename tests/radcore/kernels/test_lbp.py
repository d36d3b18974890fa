"""The LBP plane kernel against a plain NumPy reference."""

import numpy as np
import pytest

from radcore.kernels.lbp import DEFAULT, ROR, UNIFORM, VAR, lbp_plane


def reference(image, dr, dc, method):
    rows, cols = image.shape
    pad = np.zeros((rows + 8, cols + 8))
    pad[4:-4, 4:-4] = image

    def sample(r, c):
        r0, c0 = int(np.floor(r)), int(np.floor(c))
        fr, fc = r - r0, c - c0
        v = lambda a, b: pad[a + 4, b + 4]  # noqa: E731
        return (1 - fr) * ((1 - fc) * v(r0, c0) + fc * v(r0, c0 + (fc > 0))) + fr * (
            (1 - fc) * v(r0 + (fr > 0), c0) + fc * v(r0 + (fr > 0), c0 + (fc > 0))
        )

    n = dr.size
    out = np.zeros(image.shape)
    for r in range(rows):
        for c in range(cols):
            t = np.array([sample(r + dr[p], c + dc[p]) for p in range(n)])
            s = (t >= image[r, c]).astype(int)
            if method == VAR:
                out[r, c] = t.var()
            elif method == UNIFORM:
                out[r, c] = s.sum() if np.count_nonzero(np.diff(s)) <= 2 else n + 1
            else:
                codes = [int("".join(str(b) for b in np.roll(s, -k)[::-1]), 2) for k in range(n)]
                out[r, c] = codes[0] if method == DEFAULT else min(codes)
    return out


@pytest.mark.parametrize("shape", [(1, 1), (1, 5), (4, 6), (7, 3)])
@pytest.mark.parametrize("method", [DEFAULT, ROR, UNIFORM, VAR])
def test_lbp_plane_matches_reference(shape, method):
    image = np.random.default_rng(1).integers(0, 4, size=shape).astype(float)
    p = np.arange(8)
    dr, dc = np.round(-1.5 * np.sin(2 * np.pi * p / 8), 5), np.round(1.5 * np.cos(2 * np.pi * p / 8), 5)
    out = np.empty(shape)
    lbp_plane(image, dr, dc, method, out)
    np.testing.assert_allclose(out, reference(image, dr, dc, method), atol=1e-12)
