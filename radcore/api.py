"""The library's front door: :func:`extract` for one case and :class:`Extractor` for many."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import SimpleITK as sitk

from radcore.io.config import load_settings
from radcore.naming import check_naming, name_columns
from radcore.pipeline import extract_case, extract_labels
from radcore.settings import Settings

ImageLike = str | Path | sitk.Image


class Extractor:
    """Features of case after case with one set of settings, read and checked once.

    Parameters
    ----------
    config : str, Path, dict, Settings or None
        A radcore settings YAML or an unmodified PyRadiomics params YAML (a path), the same as a mapping,
        a :class:`radcore.Settings`, or None for the defaults (IBSI profile, every family, no filter).
    naming : {"native", "ibsi", "pyradiomics"}
        How columns are named. ``"ibsi"`` gives the tags of the IBSI reference tables (e.g.
        ``cm_contrast_3D_avg``); ``"pyradiomics"`` PyRadiomics' column names (``original_glcm_Contrast``).

    Raises
    ------
    SettingsError
        The settings are invalid, or ``naming="ibsi"`` with the PyRadiomics profile (its definitions have no
        IBSI tags).

    Examples
    --------
    >>> import numpy as np, SimpleITK as sitk
    >>> import radcore
    >>> image = sitk.GetImageFromArray(np.arange(6 * 8 * 8, dtype=np.float64).reshape(6, 8, 8))
    >>> mask = sitk.GetImageFromArray(np.pad(np.ones((2, 4, 4), np.uint8), 2))
    >>> extractor = radcore.Extractor({"families": ["stat"]})
    >>> values = extractor.extract(image, mask)
    >>> values["original_stat_mean"], values["original_stat_maximum"]
    (191.5, 237.0)
    """

    def __init__(self, config: str | Path | dict | Settings | None = None, naming: str = "native") -> None:
        self.settings = load_settings(config)
        check_naming(naming, self.settings)
        self.naming = naming

    def extract(self, image: ImageLike, mask: ImageLike, label: int | str | None = None,
                roi: str | list[str] | None = None, series: str | None = None) -> dict[Any, Any]:
        """Features of one case, keyed by column name.

        Parameters
        ----------
        image : str, Path or SimpleITK.Image
            NIfTI, NRRD, MHA or a DICOM series folder; a path or a URL (``s3://...``, fetched into the local
            cache, :mod:`radcore.io.fetch`).
        mask : str, Path or SimpleITK.Image
            A label image on the image grid, a DICOM RTSTRUCT file (rasterised onto the image) or a DICOM SEG;
            a path or a URL.
        label : int, "all" or None
            The ROI's label (default: the settings' label, 1); ``"all"`` extracts every label present and
            returns ``{label: {column: value}}``.
        roi : str, list of str or None
            An RTSTRUCT's structure or a SEG's segment by name (None: its only one); a list returns
            ``{name: {column: value}}``.
        series : str or None
            The SeriesInstanceUID to read from an image folder holding several (default: the one an RTSTRUCT
            or SEG mask refers to).

        Returns
        -------
        dict
            ``{column: value}`` (floats), nested by label or ROI name as above.

        Raises
        ------
        ImageReadError
            A file is missing, unreadable or damaged (:class:`DamagedFileError`, :class:`NonFiniteImageError`).
        GeometryMismatchError, EmptyROIError, LabelNotFoundError
            The mask does not fit the image, or the ROI is empty or absent.
        FeatureError
            A feature family failed; it names the family.
        """
        from radcore.io.fetch import fetched

        s, naming = self.settings, self.naming
        with fetched(image, "image") as image, fetched(mask, "mask") as mask:
            if isinstance(roi, (list, tuple)):
                return {name: name_columns(extract_case(image, mask, s, label, name, series), naming) for name in roi}
            if (s.label if label is None else label) == "all":
                return {lab: name_columns(v, naming) for lab, v in extract_labels(image, mask, s, series).items()}
            return name_columns(extract_case(image, mask, s, label, roi, series), naming)


def extract(image: ImageLike, mask: ImageLike, config: str | Path | dict | Settings | None = None,
            label: int | str | None = None, naming: str = "native", roi: str | list[str] | None = None,
            series: str | None = None) -> dict[Any, Any]:
    """Features of one case, keyed by column name: ``Extractor(config, naming).extract(image, mask, ...)``.

    Parameters
    ----------
    image, mask, label, roi, series
        As :meth:`Extractor.extract`.
    config, naming
        As :class:`Extractor`.

    Returns
    -------
    dict
        ``{column: value}``, nested by label (``label="all"``) or ROI name (a list of ``roi``).

    Examples
    --------
    >>> import numpy as np, SimpleITK as sitk
    >>> import radcore
    >>> image = sitk.GetImageFromArray(np.arange(6 * 8 * 8, dtype=np.float64).reshape(6, 8, 8))
    >>> mask = sitk.GetImageFromArray(np.pad(np.ones((2, 4, 4), np.uint8), 2))
    >>> values = radcore.extract(image, mask, config={"families": ["stat"]}, naming="ibsi")
    >>> values["stat_mean"], values["stat_range"]
    (191.5, 91.0)
    """
    return Extractor(config, naming).extract(image, mask, label, roi, series)


def extract_maps(image: ImageLike, mask: ImageLike, config: str | Path | dict | Settings | None = None,
                 label: int | None = None, naming: str = "native", parallel: bool = True) -> dict[str, sitk.Image]:
    """Voxel feature maps of one case: every feature computed in a neighbourhood of each ROI voxel.

    For a PyRadiomics params file, PyRadiomics' voxel-based extraction (``execute(image, mask,
    voxelBased=True)``) with its ``voxelSetting`` (``kernelRadius``, ``maskedKernel``, ``initValue``,
    ``voxelBatch``), its values, names and grid: see :mod:`radcore.pyradiomics.maps`. For radcore's
    settings (the IBSI profile), the families of the IBSI profile in a box around each voxel (the settings'
    ``maps`` section: radius in voxels or mm), preprocessed and discretised once over the whole ROI: see
    :mod:`radcore.profiles.ibsi_maps`.

    Parameters
    ----------
    image, mask, label
        As :meth:`Extractor.extract` (one label).
    config
        A PyRadiomics params file (path or mapping), radcore's settings (path, mapping or
        :class:`radcore.Settings`; their ``maps`` section sets the neighbourhood), or None (the IBSI
        profile's defaults, radius 1 voxel).
    naming : {"native", "ibsi", "pyradiomics"}
        Map names: ``original_glcm_contrast_3D_avg`` (native), ``cm_contrast_3D_avg`` (``ibsi``, IBSI
        profile), or PyRadiomics' ``original_glcm_Contrast`` (PyRadiomics profile).
    parallel : bool
        Run the voxels on numba's threads (``NUMBA_NUM_THREADS``); False for one thread (cohort workers).
        IBSI profile: families asked for a 2D or 2.5D aggregation run on one thread either way.

    Returns
    -------
    dict
        ``{name: SimpleITK.Image}``: float64 maps. PyRadiomics: on the ROI's bounding box grown by the kernel
        radius (the image's spacing and direction), ``initValue`` outside the ROI. IBSI: on the bounding box
        of the ROI's intensity mask on the preprocessed (interpolated) grid, NaN outside it.

    Raises
    ------
    SettingsError
        Before any work: a family or class without maps asked for by name (shape, morphology), a radius
        that does not fit (below 1, smaller than a voxel in mm, a box wider than the image), PyRadiomics'
        ``weightingNorm`` or ``force2D``.
    ImageReadError, GeometryMismatchError, EmptyROIError, LabelNotFoundError
        As :meth:`Extractor.extract`, and PyRadiomics' checks of the ROI (a single voxel, too few
        dimensions).

    Examples
    --------
    >>> import numpy as np, SimpleITK as sitk
    >>> import radcore
    >>> image = sitk.GetImageFromArray(np.arange(6 * 8 * 8, dtype=np.float64).reshape(6, 8, 8))
    >>> mask = sitk.GetImageFromArray(np.pad(np.ones((2, 4, 4), np.uint8), 2))
    >>> params = {"featureClass": {"firstorder": ["Mean"]}, "voxelSetting": {"kernelRadius": 1}}
    >>> maps = radcore.extract_maps(image, mask, config=params, naming="pyradiomics")
    >>> sitk.GetArrayFromImage(maps["original_firstorder_Mean"])[2, 2, 2]  # mean of 2 x 3 x 3 ROI voxels
    np.float64(187.0)
    >>> ibsi = radcore.extract_maps(image, mask, config={"families": ["stat"], "maps": {"radius": 1}},
    ...                             naming="ibsi")
    >>> sitk.GetArrayFromImage(ibsi["stat_mean"])[0, 0, 0]  # the ROI's first voxel: 2 x 2 x 2 voxels
    np.float64(182.5)
    """
    from radcore.io.fetch import fetched
    from radcore.io.images import read_pair
    from radcore.profiles import profile_of

    settings = load_settings(config)
    check_naming(naming, settings)
    profile = profile_of(settings)
    profile.check_maps(settings)
    with fetched(image, "image") as image, fetched(mask, "mask") as mask:
        img, msk = read_pair(image, mask, None, None)
    return name_columns(profile.image_maps(img, msk, settings, label, parallel), naming)
