"""The CSV outputs: findings, effective permissions and costs, one file each."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from auditor.fsutil import atomic_write_text


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    return atomic_write_text(path, frame.to_csv(index=False))


def write_csv_files(result, folder: Path) -> list[Path]:
    return [write_csv(result.findings_frame(), folder / "findings.csv"),
            write_csv(result.permissions_frame(), folder / "permissions.csv"),
            write_csv(result.costs_frame(), folder / "costs.csv")]
