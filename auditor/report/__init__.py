"""Output files, behind one interface: each format writes its files into a folder."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from auditor.fsutil import OutputFolder

if TYPE_CHECKING:
    from auditor.audit import AuditResult


class Format(StrEnum):
    """An output format: each names one writer, which writes its files into a folder."""

    HTML = "html"
    CSV = "csv"
    JSON = "json"


@dataclass
class WriteOptions:
    permissions: str = "grants"  # or "expanded": one row per concrete action
    max_output_bytes: int = 200 << 20  # an output that would grow past this is capped
    notes: list[str] = field(default_factory=list)  # what a writer capped, for the summary


class Writer(Protocol):
    def __call__(self, result: AuditResult, folder: Path, options: WriteOptions) -> list[Path]: ...


def _writers() -> dict[Format, Writer]:
    # Imported when used: the HTML writer loads jinja2, the CSV writer pandas.
    from auditor.report.csv_files import write_csv_files
    from auditor.report.findings_json import write_findings_json
    from auditor.report.html import write_html
    return {Format.JSON: write_findings_json, Format.CSV: write_csv_files, Format.HTML: write_html}


FORMATS = tuple(Format)


def parse_formats(text: str) -> list[Format]:
    names = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in names if f not in {x.value for x in Format}]
    if bad or not names:
        raise ValueError(f"unknown format(s) {', '.join(bad) or '(none)'}; choose from "
                         f"{', '.join(f.value for f in Format)}")
    return [Format(f) for f in dict.fromkeys(names)]


def write_outputs(result: AuditResult, out_dir: str | Path | OutputFolder,
                  formats: list[Format] | tuple[Format, ...],
                  extra: Callable[[Path], None] | None = None,
                  options: WriteOptions | None = None) -> Path:
    """Write every file into a fresh folder, then swap it in for `out_dir`.

    A run that fails or is interrupted, even by SIGKILL, leaves the previous folder as it was.
    """
    writers = _writers()
    options = options or WriteOptions()

    def fill(tmp: Path) -> None:
        if extra:
            extra(tmp)
        for fmt in formats:
            writers[Format(fmt)](result, tmp, options)

    if isinstance(out_dir, OutputFolder):
        return out_dir.replace(fill)
    with OutputFolder(out_dir) as folder:
        return folder.replace(fill)
