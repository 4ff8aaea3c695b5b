"""The CSV outputs: findings, effective permissions and costs, one file each."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from auditor.fsutil import atomic_write_text

# A cell a spreadsheet would run as a formula (OWASP "CSV injection"): resource names and tags
# are the account owner's, not ours, to trust.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def defuse(value):
    return "'" + value if isinstance(value, str) and value.startswith(FORMULA_START) else value


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    text_columns = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    if text_columns:
        frame = frame.assign(**{c: frame[c].map(defuse) for c in text_columns})
    return atomic_write_text(path, frame.to_csv(index=False))


def write_csv_files(result, folder: Path, options) -> list[Path]:
    perms = folder / "permissions.csv"
    if options.permissions == "expanded":
        _stream_expanded(result, perms, options)
    else:
        write_csv(result.permissions_frame(), perms)
    return [write_csv(result.findings_frame(options.status), folder / "findings.csv"), perms,
            write_csv(result.costs_frame(), folder / "costs.csv")]


def _stream_expanded(result, path: Path, options) -> None:
    """Row by row into the run's own (temporary) folder, stopping at the size cap."""
    from auditor.frames import EXPANDED_PERMISSION_COLUMNS, expanded_permission_rows

    rows = 0
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(EXPANDED_PERMISSION_COLUMNS)
        for row in expanded_permission_rows(result):
            out.writerow([defuse(v) for v in row])
            rows += 1
            if rows % 1000 == 0 and fh.tell() > options.max_output_bytes:
                options.notes.append(
                    f"permissions.csv (expanded) capped at {options.max_output_bytes >> 20} MB after "
                    f"{rows} rows; the default view (--permissions grants) is complete, or raise "
                    "--max-output-mb")
                return
