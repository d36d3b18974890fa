"""IBSI-2 Gabor filter: a complex 2D kernel in axial (or all three orthogonal) planes, modulus response.

In a plane with axes (u, v) (axial: x, y; coronal: x, z; sagittal: y, z), offsets in mm from the kernel
centre, ``u' = u cos(theta) + v sin(theta)`` and ``v' = -u sin(theta) + v cos(theta)``:

    g(u, v) = exp(-(u'^2 + gamma^2 v'^2) / (2 sigma^2)) * exp(i 2 pi u' / lambda)

(sigma, lambda in mm, theta in degrees; not normalised, centre weight 1). The kernel is square with the
side of the largest in-plane image dimension made odd, so it is as large as the image; the image is padded
by half the kernel with an IBSI boundary condition and the response is the modulus ``|I * g|`` (true
convolution, by FFT). Rotation invariance: ``theta = theta0 + k dtheta`` for k = 0 .. 360/dtheta - 1,
pooled voxel by voxel (mean); ``planes="all"`` repeats this in the axial, coronal and sagittal planes and
pools all plane x angle maps together. Angles 180 degrees apart give the same modulus, so only one of
each such pair is computed (:func:`distinct_angles`).

Speed, without changing the result: the envelope is below ``exp(-TAIL^2 / 2)`` (~2e-16) of its centre
beyond ``TAIL * sigma / min(1, gamma)`` mm, so the kernel (and the padding) is cut there when that is
shorter than half the image; the ignored weights are smaller than float64 rounding of the sum. The same
distance, doubled, is the filter's reach (:func:`reach_mm`): a crop reaching that far round an ROI gives
the whole image's response inside it (the kernel side then depends on the crop only where it is cut).
"""

from __future__ import annotations

import math

import numpy as np
import scipy.fft

from radcore.errors import SettingsError
from radcore.filter_options import PLANES, gabor_angle_count
from radcore.filters.convolution import pad, pool

#: envelope cut-off in units of sigma / min(1, gamma): exp(-TAIL^2 / 2) ~ 2e-16
TAIL = 8.5
#: (array axes order that puts the plane last, plane axes (v, u) as array axes, spacing indices)
_PLANE_AXES = {"axial": (0, 1, 2), "coronal": (1, 0, 2), "sagittal": (2, 0, 1)}
#: complex values per FFT batch (bounds memory: 2^23 complex128 = 128 MiB)
_BATCH = 2**23


def kernel(shape_vu: tuple[int, int], spacing_vu: tuple[float, float], sigma: float, gamma: float,
           wavelength: float, theta_deg: float) -> np.ndarray:
    """The Gabor kernel for a plane of ``shape_vu`` (rows v, columns u), ``g[v, u]``, complex128.

    Its side is the plane's largest dimension made odd, cut to ``TAIL * sigma / min(1, gamma)`` mm.
    """
    half = max(shape_vu) // 2
    reach = TAIL * sigma / min(1.0, gamma)
    hv, hu = (min(half, int(math.ceil(reach / s))) for s in spacing_vu)
    v = np.arange(-hv, hv + 1, dtype=np.float64)[:, None] * spacing_vu[0]
    u = np.arange(-hu, hu + 1, dtype=np.float64)[None, :] * spacing_vu[1]
    t = math.radians(theta_deg)
    ur = u * math.cos(t) + v * math.sin(t)
    vr = -u * math.sin(t) + v * math.cos(t)
    return np.exp(-(ur**2 + gamma**2 * vr**2) / (2.0 * sigma**2)) * np.exp(2j * math.pi * ur / wavelength)


def distinct_angles(thetas: list[float]) -> list[float]:
    """``thetas`` without the angles that repeat another one modulo 180 degrees, when every angle has the
    same number of such repeats (else ``thetas`` as they are).

    ``g`` at ``theta + 180`` is the complex conjugate of ``g`` at ``theta`` (u' and v' change sign), so
    for a real image their responses have the same modulus, and pooling (mean, max or min) over the
    distinct angles gives the same map as over all of them, at a fraction of the cost.
    """
    classes: dict[float, int] = {}
    for t in thetas:
        key = round(t % 180.0, 9) % 180.0
        classes[key] = classes.get(key, 0) + 1
    if len(set(classes.values())) != 1:
        return list(thetas)
    seen: set[float] = set()
    out = []
    for t in thetas:
        key = round(t % 180.0, 9) % 180.0
        if key not in seen:
            seen.add(key)
            out.append(t)
    return out


def angles(theta: float, theta_step: float | None) -> list[float]:
    """``theta`` alone, or ``theta + k theta_step`` for k = 0 .. 360 / theta_step - 1 (degrees)."""
    if theta_step is None:
        return [float(theta)]
    return [float(theta) + k * float(theta_step) for k in range(gabor_angle_count(theta_step))]


def _plane_responses(stack: np.ndarray, spacing_vu, boundary: str, kernels) -> list[np.ndarray]:
    """``|stack * g|`` for each kernel ``g`` over the planes (last two axes) of ``stack`` (m, nv, nu)."""
    m, nv, nu = stack.shape
    hv = max(g.shape[0] for g in kernels) // 2
    hu = max(g.shape[1] for g in kernels) // 2
    padded = pad(stack, [(0, 0), (hv, hv), (hu, hu)], boundary)
    # a circular convolution as long as the padded planes wraps only into outputs that are cut away
    size = (scipy.fft.next_fast_len(nv + 2 * hv), scipy.fft.next_fast_len(nu + 2 * hu))
    outs = [np.empty(stack.shape, dtype=np.float64) for _ in kernels]
    spectra = []
    for g in kernels:  # kernels centred in a (2hv+1, 2hu+1) frame share one valid window
        dv, du = hv - g.shape[0] // 2, hu - g.shape[1] // 2
        spectra.append(scipy.fft.fft2(g, s=size, axes=(0, 1)) * _shift(size, dv, du))
    step = max(1, _BATCH // (size[0] * size[1]))
    for start in range(0, m, step):
        image = scipy.fft.fft2(padded[start:start + step], s=size, axes=(1, 2))
        for out, spectrum in zip(outs, spectra):
            full = scipy.fft.ifft2(image * spectrum, axes=(1, 2))
            out[start:start + step] = np.abs(full[:, 2 * hv:2 * hv + nv, 2 * hu:2 * hu + nu])
    return outs


def _shift(size: tuple[int, int], dv: int, du: int) -> np.ndarray:
    """Spectrum of a delay by (dv, du) samples, so a smaller kernel lines up with the largest one."""
    fv = np.exp(-2j * math.pi * dv * np.fft.fftfreq(size[0]))[:, None]
    fu = np.exp(-2j * math.pi * du * np.fft.fftfreq(size[1]))[None, :]
    return fv * fu


def gabor_filter(
    image: np.ndarray,
    spacing: tuple[float, float, float],
    sigma: float,
    gamma: float,
    wavelength: float,
    theta: float = 0.0,
    theta_step: float | None = None,
    planes: str = "axial",
    boundary: str = "mirror",
    pooling: str = "mean",
) -> np.ndarray:
    """The Gabor modulus response of ``image`` (z, y, x), ``spacing`` (z, y, x) mm, float64.

    Parameters
    ----------
    image : ndarray (z, y, x)
    spacing : (float, float, float)
    sigma, wavelength : float
        Envelope width and wavelength in mm, > 0.
    gamma : float
        Spatial aspect ratio, > 0.
    theta : float
        Orientation in degrees (the first angle with ``theta_step``).
    theta_step : float or None
        Angle step in degrees for rotation invariance; None: ``theta`` only.
    planes : {"axial", "all"}
        Axial planes only, or axial, coronal and sagittal planes pooled together.
    boundary : {"zero", "nearest", "periodic", "mirror"}
    pooling : {"mean", "max", "min"}

    Examples
    --------
    >>> import numpy as np
    >>> x = np.zeros((1, 9, 9)); x[0, 4, 4] = 1.0
    >>> y = gabor_filter(x, (1.0, 1.0, 1.0), 2.0, 1.0, 4.0, 0.0, None, "axial", "zero")
    >>> round(float(y[0, 4, 4]), 12), bool(np.isclose(y[0, 4, 6], np.exp(-4 / 8)))  # |g| 2 voxels along x
    (1.0, True)
    """
    if min(sigma, gamma, wavelength) <= 0:
        raise SettingsError(f"gabor sigma, gamma and wavelength must be positive, got {sigma}, {gamma}, {wavelength}")
    if planes not in PLANES:
        raise SettingsError(f"gabor planes must be one of {list(PLANES)}, got {planes!r}")
    image = np.asarray(image, dtype=np.float64)

    def maps():
        for plane in ("axial", "coronal", "sagittal") if planes == "all" else ("axial",):
            order = _PLANE_AXES[plane]
            stack = np.ascontiguousarray(np.transpose(image, order))
            spacing_vu = (spacing[order[1]], spacing[order[2]])
            kernels = [kernel(stack.shape[1:], spacing_vu, sigma, gamma, wavelength, a)
                       for a in distinct_angles(angles(theta, theta_step))]
            back = np.argsort(order)
            for response in _plane_responses(stack, spacing_vu, boundary, kernels):
                yield np.transpose(response, back)

    return np.ascontiguousarray(pool(maps(), pooling))


def reach_mm(sigma: float, gamma: float) -> float:
    """How far (mm) a crop must reach round a region: twice the kernel's cut-off distance (module doc)."""
    return 2.0 * TAIL * sigma / min(1.0, gamma)
