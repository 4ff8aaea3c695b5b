"""The CSV outputs: findings, effective permissions and costs, one file each."""

from __future__ import annotations

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


def write_csv_files(result, folder: Path) -> list[Path]:
    return [write_csv(result.findings_frame(), folder / "findings.csv"),
            write_csv(result.permissions_frame(), folder / "permissions.csv"),
            write_csv(result.costs_frame(), folder / "costs.csv")]
