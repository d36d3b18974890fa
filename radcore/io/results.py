"""Writing one case's features to CSV, JSON or Parquet (one label, or every label of the mask)."""

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


def write_label_features(by_label: dict[int, dict[str, float]], out: str | Path | None) -> None:
    """Write the features of several labels of one case to ``out`` by its extension.

    CSV has three columns, ``label,feature,value``; JSON is one object per label, keyed by the label;
    Parquet one row per label with a ``label`` column first. JSON to stdout when ``out`` is None.
    """
    if out is None or Path(out).suffix.lower() == ".json":
        text = json.dumps({str(label): {k: _json_value(v) for k, v in values.items()}
                           for label, values in by_label.items()}, indent=1)
        if out is None:
            sys.stdout.write(text + "\n")
        else:
            Path(out).write_text(text)
        return
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["label", "feature", "value"])
            for label, values in by_label.items():
                for k, v in values.items():
                    w.writerow([label, k, repr(float(v))])
    elif suffix == ".parquet":
        rows = [{"label": label, **{k: float(v) for k, v in values.items()}} for label, values in by_label.items()]
        pq.write_table(pa.Table.from_pylist(rows), path)
    else:
        raise ValueError(f"--out must end in .csv, .json or .parquet, got {path.name!r}")
