"""Writing one case's features to CSV, JSON or Parquet."""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


def _json_value(v: float):
    return None if isinstance(v, float) and not math.isfinite(v) else v


def write_features(values: dict[str, float], out: str | Path | None) -> None:
    """Write ``values`` to ``out`` by its extension (.csv, .json, .parquet); JSON to stdout when None.

    CSV has two columns, ``feature,value``, one feature per row; JSON is one object; Parquet one row.
    """
    if out is None:
        json.dump({k: _json_value(v) for k, v in values.items()}, sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["feature", "value"])
            for k, v in values.items():
                w.writerow([k, repr(float(v))])
    elif suffix == ".json":
        path.write_text(json.dumps({k: _json_value(v) for k, v in values.items()}, indent=1))
    elif suffix == ".parquet":
        pq.write_table(pa.table({k: [float(v)] for k, v in values.items()}), path)
    else:
        raise ValueError(f"--out must end in .csv, .json or .parquet, got {path.name!r}")
