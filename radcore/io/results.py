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
    _write({None: values}, out)


def write_label_features(by_label: dict[int, dict[str, float]], out: str | Path | None) -> None:
    """Write the features of several labels of one case to ``out`` by its extension.

    CSV has three columns, ``label,feature,value``; JSON is one object per label, keyed by the label;
    Parquet one row per label with a ``label`` column first. JSON to stdout when ``out`` is None.
    """
    _write(by_label, out)


def _write(by_label: dict[int | None, dict[str, float]], out: str | Path | None) -> None:
    """Both writers: the key None stands for one unlabelled set of features."""
    single = list(by_label) == [None]
    suffix = Path(out).suffix.lower() if out is not None else ".json"
    if suffix == ".json":
        objects = {str(label): {k: _json_value(v) for k, v in values.items()} for label, values in by_label.items()}
        text = json.dumps(objects["None"] if single else objects, indent=1)
        if out is None:
            sys.stdout.write(text + "\n")
        else:
            Path(out).write_text(text)
    elif suffix == ".csv":
        with Path(out).open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["feature", "value"] if single else ["label", "feature", "value"])
            for label, values in by_label.items():
                for k, v in values.items():
                    w.writerow(([] if single else [label]) + [k, repr(float(v))])
    elif suffix == ".parquet":
        rows = [({} if single else {"label": label}) | {k: float(v) for k, v in values.items()}
                for label, values in by_label.items()]
        pq.write_table(pa.Table.from_pylist(rows), Path(out))
    else:
        raise ValueError(f"--out must end in .csv, .json or .parquet, got {Path(out).name!r}")
