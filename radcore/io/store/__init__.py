"""The cohort store: one Zarr v3 group per case, written once at ingest, read back one ROI at a time.

Its modules, in the order a case goes through them:

- :mod:`~radcore.io.store.layout`: the format (where each array lives, the case's attributes as
  :class:`CaseInfo`, group names), opening a store and listing its cases
- :mod:`~radcore.io.store.ingest`: reading a manifest case's files, their digests, skipping a case
  whose stored copy is current
- :mod:`~radcore.io.store.write`: writing one case: arrays, NGFF metadata, per-label boxes and summaries
- :mod:`~radcore.io.store.publish`: the temporary name, the atomic rename, clearing a killed writer's leftovers
- :mod:`~radcore.io.store.read`: one ROI with its margin, a region, or the whole case

The names below are the store's interface; callers import them from ``radcore.io.store``.
"""

from radcore.io.store.ingest import file_digest, ingest_case, ingest_decoded
from radcore.io.store.layout import (
    CaseInfo, DecodedCase, StoreLike, case_info, group_name, label_mask, list_cases, open_store,
)
from radcore.io.store.publish import remove_leftovers
from radcore.io.store.read import read_case, read_image, read_region, read_roi
from radcore.io.store.write import write_case

__all__ = [
    "CaseInfo", "DecodedCase", "StoreLike", "open_store", "list_cases", "case_info", "group_name", "label_mask",
    "file_digest", "ingest_case", "ingest_decoded", "write_case", "remove_leftovers", "read_roi", "read_region", "read_case",
    "read_image",
]
