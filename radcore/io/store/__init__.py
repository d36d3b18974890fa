"""The cohort store: one Zarr v3 group per case, written once at ingest, read back one ROI at a time.

Its modules, in the order a case goes through them:

- :mod:`~radcore.io.store.layout`: the format (where each array lives, the case's attributes as
  :class:`CaseInfo`, group names), opening a store and listing its cases
- :mod:`~radcore.io.store.ingest`: reading a manifest case's files, their digests, skipping a case
  whose stored copy is current
- :mod:`~radcore.io.store.write`: writing one case: arrays, NGFF metadata, per-label boxes and summaries
- :mod:`~radcore.io.store.publish`: on disk, the temporary name, the atomic rename, clearing a killed writer's
  leftovers
- :mod:`~radcore.io.store.bucket`: on object storage (a URL), opening the store and publishing a case by
  creating its ``zarr.json`` only if absent
- :mod:`~radcore.io.store.read`: one ROI with its margin, a region, or the whole case

The names below are the store's interface; callers import them from ``radcore.io.store``. Each loads its
module when first asked for (PEP 562), so a caller that only opens a store does not load SimpleITK and
SciPy for ingesting.
"""

import importlib

_MODULES = {
    "ingest": ("file_digest", "ingest_case", "ingest_decoded"),
    "layout": ("CaseInfo", "DecodedCase", "StoreLike", "case_info", "case_infos", "group_name", "label_mask",
               "list_cases", "open_store"),
    "publish": ("remove_leftovers",),
    "read": ("read_case", "read_image", "read_region", "read_roi"),
    "write": ("decode_case", "write_case"),
}
_MODULE_OF = {name: module for module, names in _MODULES.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
