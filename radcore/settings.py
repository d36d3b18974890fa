"""Typed, frozen extraction settings with YAML round-trip and a stable hash.

One definition per option, declared once here with its default. Settings are built from a mapping
(usually a YAML file) by :func:`from_mapping`, which rejects unknown keys and wrong types with a message
that names the key. :func:`settings_hash` gives the provenance hash written next to every result row.

Spacing is given in (x, y, z) order, as in DICOM, ITK and PyRadiomics; arrays inside radcore are (z, y, x).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, Literal

from radcore.errors import SettingsError
from radcore.image_types import check as check_image_type
from radcore.pyradiomics.settings import PyRadiomicsParams

MATRIX_AGGREGATIONS = ("2D_avg", "2D_comb", "2_5D_avg", "2_5D_comb", "3D_avg", "3D_comb")
ZONE_AGGREGATIONS = ("2D", "2_5D", "3D")
FAMILIES = (
    "diagnostics", "morph", "local_intensity", "stat", "ih", "ivh",
    "glcm", "glrlm", "glszm", "gldzm", "ngtdm", "ngldm",
)


@dataclass(frozen=True)
class InterpolationSettings:
    """Resampling to a new voxel grid (IBSI 2.4). ``spacing`` None: no interpolation.

    The grid is centred on the original grid as IBSI prescribes. ``by_slice`` interpolates in-plane only
    (2D configurations) and keeps the slices. The mask is interpolated with ``mask_order`` and kept where
    the interpolated value is at least ``mask_threshold``. ``round_intensities`` rounds interpolated
    intensities to the nearest integer (CT in HU).
    """

    spacing: tuple[float, float, float] | None = None
    by_slice: bool = False
    image_order: Literal[0, 1, 3] = 1
    mask_order: Literal[0, 1, 3] = 1
    mask_threshold: float = 0.5
    round_intensities: bool = False


@dataclass(frozen=True)
class ResegmentationSettings:
    """Intensity-mask resegmentation (IBSI 2.5): a closed range and/or mean ± ``outlier_sd`` · sd.

    A bound given as None is open. Range filtering comes first, outlier filtering second.
    """

    range: tuple[float | None, float | None] | None = None
    outlier_sd: float | None = None


@dataclass(frozen=True)
class DiscretisationSettings:
    """Grey-level discretisation (IBSI 2.7).

    ``fixed_bin_number``: ``bin_number`` equal bins between the ROI minimum and maximum.
    ``fixed_bin_size``: bins of width ``bin_size`` starting at ``bin_min`` (default: the lower
    resegmentation bound, else the ROI minimum). ``none``: intensities are used as grey levels as they are
    (they must be integers >= 1 for texture families).
    """

    method: Literal["fixed_bin_number", "fixed_bin_size", "none"] = "fixed_bin_number"
    bin_number: int = 32
    bin_size: float = 25.0
    bin_min: float | None = None


@dataclass(frozen=True)
class TextureSettings:
    """Texture matrix options (IBSI 3.6 to 3.11).

    ``matrix_aggregations`` apply to GLCM and GLRLM, ``zone_aggregations`` to GLSZM, GLDZM, NGTDM and
    NGLDM (``2D`` per slice and averaged, ``2_5D`` merged over slices, ``3D`` volumetric).
    """

    matrix_aggregations: tuple[str, ...] = ("3D_avg", "3D_comb")
    zone_aggregations: tuple[str, ...] = ("3D",)
    glcm_distance: int = 1
    ngtdm_distance: int = 1
    ngldm_distance: int = 1
    ngldm_coarseness: float = 0.0


@dataclass(frozen=True)
class MorphologySettings:
    """Morphology options. ``moran_geary_max_voxels``: above this ROI size Moran's I and Geary's C are
    estimated from a random subset of voxels (None: always exact)."""

    moran_geary_max_voxels: int | None = None


@dataclass(frozen=True)
class ImageType:
    """One image to compute features on: ``original`` or a filter with its options (see
    :mod:`radcore.image_types`), e.g. ``{name: log, options: {sigma: [1.0, 3.0]}}``."""

    name: str = "original"
    options: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True)
class PerturbationSettings:
    """Perturbed versions of every ROI, for a robustness study (Zwanenburg et al., Sci Rep 2019; see
    :mod:`radcore.robustness.perturb`). Each version combines one value of every option:

    - ``rotation_angles``: degrees, rotation of image and mask in the axial plane about the ROI's centre;
    - ``translations``: fractions of a voxel, shifts of the grid along x, y and z (each combination);
    - ``volume_adaptations``: fractions of the ROI's volume to grow (> 0) or shrink (< 0) it by, voxels
      added or removed in order of their physical distance to the ROI's border;
    - ``noise_repetitions``: versions with Gaussian noise added (0: none), of standard deviation
      ``noise_level`` (None: estimated from the image as MIRP does, Chang et al. 2000);
    - ``contour_randomisations``: versions whose contour is randomised from the supervoxels of the image
      around it (0: none), as MIRP does (:mod:`radcore.robustness.supervoxels`).

    The unperturbed version (``none``) is always one of them. ``seed`` makes the random parts (noise, ties
    at the border) the same on every run. Rotations and translations interpolate image (``image_order``)
    and mask (``mask_order``, kept where >= ``mask_threshold``); with ``interpolate`` false only rotations
    by multiples of 90 degrees (on square in-plane voxels) and no translation are possible; any other
    version fails.
    """

    rotation_angles: tuple[float, ...] = (0.0,)
    translations: tuple[float, ...] = (0.0,)
    volume_adaptations: tuple[float, ...] = (0.0,)
    noise_repetitions: int = 0
    noise_level: float | None = None
    contour_randomisations: int = 0
    seed: int = 0
    interpolate: bool = True
    image_order: Literal[0, 1, 3] = 1
    mask_order: Literal[0, 1, 3] = 1
    mask_threshold: float = 0.5


@dataclass(frozen=True)
class MapSettings:
    """Voxel feature maps of the IBSI profile (:mod:`radcore.profiles.ibsi_maps`): each ROI voxel's features
    computed in the box around it of half width ``radius`` along each axis, in voxels of the
    (interpolated) grid (``unit: voxel``, an integer >= 1) or in mm (``unit: mm``: floor(radius / spacing)
    voxels per axis, at least one axis >= 1)."""

    radius: float = 1.0
    unit: Literal["voxel", "mm"] = "voxel"


@dataclass(frozen=True)
class Settings:
    """Everything that determines the features of one case. Immutable; hashed for provenance."""

    families: tuple[str, ...] = FAMILIES
    interpolation: InterpolationSettings = field(default_factory=InterpolationSettings)
    resegmentation: ResegmentationSettings = field(default_factory=ResegmentationSettings)
    discretisation: DiscretisationSettings = field(default_factory=DiscretisationSettings)
    ivh_discretisation: DiscretisationSettings = field(
        default_factory=lambda: DiscretisationSettings(method="none")
    )
    texture: TextureSettings = field(default_factory=TextureSettings)
    morphology: MorphologySettings = field(default_factory=MorphologySettings)
    image_types: tuple[ImageType, ...] = (ImageType(),)
    #: the mask label of the ROI, or "all": every label present in the mask, one result row each
    label: int | Literal["all"] = 1
    #: the PyRadiomics params of the ``pyradiomics`` profile (from a params file, or the ``pyradiomics``
    #: section of a radcore YAML with ``profile: pyradiomics``); None for the ``ibsi`` profile
    pyradiomics: PyRadiomicsParams | None = None
    #: the perturbed versions of a robustness study, in either profile; None: only the ROI as it is
    perturbation: PerturbationSettings | None = None
    #: the neighbourhood of the IBSI profile's voxel maps; None: the default :class:`MapSettings`
    maps: MapSettings | None = None

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def profile(self) -> Literal["ibsi", "pyradiomics"]:
        """The profile these settings state (:mod:`radcore.profiles`): ``pyradiomics`` when they carry
        PyRadiomics params, else ``ibsi``."""
        return "ibsi" if self.pyradiomics is None else "pyradiomics"


def _validate(s: Settings) -> None:
    unknown = [f for f in s.families if f not in FAMILIES]
    if unknown:
        raise SettingsError(f"families: unknown family {unknown}; expected some of {list(FAMILIES)}")
    bad = [a for a in s.texture.matrix_aggregations if a not in MATRIX_AGGREGATIONS]
    if bad:
        raise SettingsError(
            f"texture.matrix_aggregations: unknown {bad}; expected some of {list(MATRIX_AGGREGATIONS)}"
        )
    bad = [a for a in s.texture.zone_aggregations if a not in ZONE_AGGREGATIONS]
    if bad:
        raise SettingsError(
            f"texture.zone_aggregations: unknown {bad}; expected some of {list(ZONE_AGGREGATIONS)}"
        )
    for name, d in (("discretisation", s.discretisation), ("ivh_discretisation", s.ivh_discretisation)):
        if d.bin_number < 1:
            raise SettingsError(f"{name}.bin_number must be >= 1, got {d.bin_number}")
        if not d.bin_size > 0:
            raise SettingsError(f"{name}.bin_size must be > 0, got {d.bin_size}")
    sp = s.interpolation.spacing
    if sp is not None and (len(sp) != 3 or min(sp) <= 0):
        raise SettingsError(f"interpolation.spacing must be three positive numbers (x, y, z), got {sp}")
    if not 0.0 < s.interpolation.mask_threshold <= 1.0:
        raise SettingsError(
            f"interpolation.mask_threshold must lie in (0, 1], got {s.interpolation.mask_threshold}"
        )
    if s.resegmentation.outlier_sd is not None and s.resegmentation.outlier_sd <= 0:
        raise SettingsError(f"resegmentation.outlier_sd must be > 0, got {s.resegmentation.outlier_sd}")
    for image_type in s.image_types:
        if image_type.name != "original":
            check_image_type(image_type)
    if s.texture.glcm_distance < 1 or s.texture.ngldm_distance < 1 or s.texture.ngtdm_distance < 1:
        raise SettingsError("texture distances must be >= 1")
    if s.perturbation is not None:
        _validate_perturbation(s.perturbation)
    if s.maps is not None:
        _validate_maps(s)


def _validate_maps(s: Settings) -> None:
    radius = s.maps.radius
    if not radius > 0:
        raise SettingsError(f"maps.radius must be > 0, got {radius}")
    if s.maps.unit == "voxel" and radius != int(radius):
        raise SettingsError(f"maps.radius is in voxels (maps.unit: voxel): give an integer >= 1, got {radius}")
    if s.pyradiomics is not None:
        raise SettingsError("maps: the PyRadiomics profile takes its kernel from the params' voxelSetting "
                            "(kernelRadius); remove the maps section")


def _validate_perturbation(p: PerturbationSettings) -> None:
    for name in ("rotation_angles", "translations", "volume_adaptations"):
        values = getattr(p, name)
        if not values:
            raise SettingsError(f"perturbation.{name} must hold at least one value (0 for none)")
        if len(set(values)) != len(values):
            raise SettingsError(f"perturbation.{name} holds a value twice: {list(values)}")
    if any(not -1.0 < t < 1.0 for t in p.translations):
        raise SettingsError(
            f"perturbation.translations are fractions of a voxel in (-1, 1), got {list(p.translations)}"
        )
    if any(not v > -1.0 for v in p.volume_adaptations):
        raise SettingsError(f"perturbation.volume_adaptations must be > -1 (a fraction of the volume), got "
                            f"{list(p.volume_adaptations)}")
    if p.noise_repetitions < 0:
        raise SettingsError(f"perturbation.noise_repetitions must be >= 0, got {p.noise_repetitions}")
    if p.contour_randomisations < 0:
        raise SettingsError(f"perturbation.contour_randomisations must be >= 0, got {p.contour_randomisations}")
    if p.noise_level is not None and not p.noise_level > 0:
        raise SettingsError(f"perturbation.noise_level must be > 0 (or null: estimated), got {p.noise_level}")
    if not 0.0 < p.mask_threshold <= 1.0:
        raise SettingsError(f"perturbation.mask_threshold must lie in (0, 1], got {p.mask_threshold}")


# ---------------------------------------------------------------- mapping <-> settings


def from_mapping(data: dict[str, Any] | None) -> Settings:
    """Build :class:`Settings` from a nested mapping (the parsed YAML), checking every key and type."""
    return _build(Settings, data or {}, "")


def to_mapping(settings: Settings) -> dict[str, Any]:
    """The plain nested mapping of ``settings`` (lists for tuples); ``from_mapping`` inverts it."""
    data = _plain(dataclasses.asdict(settings))
    for optional in ("perturbation", "maps"):  # settings without them keep the hash they always had
        if data[optional] is None:
            del data[optional]
    for image_type in data["image_types"]:
        image_type["options"] = {k: v for k, v in image_type["options"]}
    return data


def settings_hash(settings: Settings) -> str:
    """A stable 16-hex-digit hash of the settings, independent of key order and Python version.

    Examples
    --------
    >>> from radcore import Settings, load_settings, settings_hash
    >>> len(settings_hash(Settings()))
    16
    >>> settings_hash(load_settings({"texture": {"glcm_distance": 1}})) == settings_hash(Settings())
    True
    >>> settings_hash(load_settings({"texture": {"glcm_distance": 2}})) == settings_hash(Settings())
    False
    """
    text = json.dumps(to_mapping(settings), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _frozen(value: Any) -> Any:
    """Lists (from YAML) as tuples, so option values compare equal after a round trip."""
    return tuple(_frozen(v) for v in value) if isinstance(value, (list, tuple)) else value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _build(cls: type, data: Any, where: str) -> Any:
    if not isinstance(data, dict):
        raise SettingsError(f"{where or 'settings'}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise SettingsError(
            f"{where + ': ' if where else ''}unknown setting {unknown[0]!r}; expected one of {sorted(names)}"
        )
    kwargs = {k: _coerce(hints[k], v, f"{where}.{k}" if where else k) for k, v in data.items()}
    try:
        return cls(**kwargs)
    except TypeError as exc:  # pragma: no cover - defensive
        raise SettingsError(f"{where or 'settings'}: {exc}") from exc


def _coerce(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(arg, value, where)
            except SettingsError as exc:
                errors.append(str(exc))
        raise SettingsError(errors[0] if len(errors) == 1 else f"{where}: invalid value {value!r}")
    if origin is Literal:
        if value not in args:
            raise SettingsError(f"{where}: expected one of {list(args)}, got {value!r}")
        return value
    if origin is tuple and args == (tuple[str, Any], Ellipsis):  # options: a mapping or (key, value) pairs
        pairs = value.items() if isinstance(value, dict) else value
        try:
            return tuple((str(k), _frozen(v)) for k, v in pairs)
        except (TypeError, ValueError):
            raise SettingsError(f"{where}: expected a mapping of options, got {value!r}") from None
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise SettingsError(f"{where}: expected a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(args[0], v, f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise SettingsError(f"{where}: expected {len(args)} values, got {len(value)}")
        return tuple(_coerce(a, v, f"{where}[{i}]") for i, (a, v) in enumerate(zip(args, value)))
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    if tp is Any:
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SettingsError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SettingsError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise SettingsError(f"{where}: expected true or false, got {value!r}")
        return value
    if tp is str:
        if not isinstance(value, str):
            raise SettingsError(f"{where}: expected a string, got {value!r}")
        return value
    raise SettingsError(f"{where}: unsupported setting type {tp}")  # pragma: no cover
