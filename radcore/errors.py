"""The radcore error hierarchy.

Every error raised on bad input is a :class:`RadcoreError`; its message names the problem, what was
expected and what came in. The cohort flow records the class name as the failure stage's reason.
"""


class RadcoreError(Exception):
    """Base class of every error radcore raises on purpose."""


class SettingsError(RadcoreError, ValueError):
    """A settings file or mapping is invalid: unknown key, wrong type or value out of range."""


class ImageReadError(RadcoreError, OSError):
    """An image or mask file is missing, unreadable or in an unsupported format."""


class DamagedFileError(ImageReadError):
    """An input file is damaged: a compressed stream cut short or failing its CRC, or less voxel data than
    its header declares."""


class NonFiniteImageError(ImageReadError):
    """An image holds NaN or Inf voxels; radcore never drops or zeroes them silently."""


class InvalidImageError(RadcoreError, ValueError):
    """An image is not a 3D scalar image, or its values cannot be used as they are."""


class GeometryMismatchError(RadcoreError, ValueError):
    """Image and mask differ in size, spacing, origin or direction beyond the tolerance."""


class EmptyROIError(RadcoreError, ValueError):
    """The region of interest holds no voxel (before or after preprocessing)."""


class LabelNotFoundError(EmptyROIError):
    """The requested label does not occur in the mask."""


class ManifestError(RadcoreError, ValueError):
    """A cohort manifest is malformed: missing columns, duplicate case ids, unreadable file."""


class FeatureError(RadcoreError):
    """A feature family (IBSI) or feature class (PyRadiomics) failed on a case; the cause is chained."""

    def __init__(self, family: str, cause: BaseException):
        super().__init__(f"feature family {family!r} failed: {type(cause).__name__}: {cause}")
        self.family = family
        self.cause = cause


class StoreError(RadcoreError, OSError):
    """A cohort store or one of its cases is missing or malformed."""


class StorageError(RadcoreError, OSError):
    """A location on object storage cannot be used: missing bucket or object, no or wrong credentials,
    or a URL scheme no installed file system serves. The message names the URL, without secrets."""


class DatasetError(RadcoreError, ValueError):
    """A folder is not a radcore dataset (no ``features`` or ``errors`` partition), or lacks the settings
    hash or column asked for."""


class StaleRunError(RadcoreError):
    """A batch of a run that is no longer its partition's writer (it was killed and a new run started)."""


class ClusterError(RadcoreError):
    """Worker jobs of a batch system (SLURM, PBS) cannot give a cluster: the batch system refused a job, or
    no job's worker connected in time. The message says what the batch system said."""
