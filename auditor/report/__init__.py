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
    OCSF = "ocsf"
    ASFF = "asff"


@dataclass
class WriteOptions:
    permissions: str = "grants"  # or "expanded": one row per concrete action
    max_output_bytes: int = 200 << 20  # an output that would grow past this is capped
    notes: list[str] = field(default_factory=list)  # what a writer capped, for the summary
    history: str | None = None  # a --history folder: the report shows its trend
    status: tuple[str, ...] = ("fail",)  # rows of findings.csv and OCSF: fail, and pass as evidence


class Writer(Protocol):
    def __call__(self, result: AuditResult, folder: Path, options: WriteOptions) -> list[Path]: ...


_WRITERS = {Format.JSON: ("findings_json", "write_findings_json"),
            Format.CSV: ("csv_files", "write_csv_files"), Format.HTML: ("html", "write_html"),
            Format.OCSF: ("security_formats", "write_ocsf"), Format.ASFF: ("security_formats", "write_asff")}


def _writer(fmt: Format) -> Writer:
    # Imported when asked for: the HTML writer loads jinja2, the CSV writer pandas, the OCSF
    # one its models; `--format json` needs none of them.
    import importlib

    module, name = _WRITERS[fmt]
    return getattr(importlib.import_module(f"auditor.report.{module}"), name)


FORMATS = tuple(Format)


def parse_formats(text: str) -> list[Format]:
    names = [f.strip().lower() for f in text.split(",") if f.strip()]
    bad = [f for f in names if f not in {x.value for x in Format}]
    if bad or not names:
        raise ValueError(f"unknown format(s) {', '.join(bad) or '(none)'}; choose from "
                         f"{', '.join(f.value for f in Format)}")
    return [Format(f) for f in dict.fromkeys(names)]


STATUSES = ("fail", "pass")


def parse_status(text: str) -> tuple[str, ...]:
    names = [s.strip().lower() for s in text.split(",") if s.strip()]
    bad = [s for s in names if s not in STATUSES]
    if bad or not names:
        raise ValueError(f"unknown status(es) {', '.join(bad) or '(none)'}; choose from fail, pass")
    return tuple(dict.fromkeys(names))


def write_outputs(result: AuditResult, out_dir: str | Path | OutputFolder,
                  formats: list[Format] | tuple[Format, ...],
                  extra: Callable[[Path], None] | None = None,
                  options: WriteOptions | None = None) -> Path:
    """Write every file into a fresh folder, then swap it in for `out_dir`.

    A run that fails or is interrupted, even by SIGKILL, leaves the previous folder as it was.
    """
    writers = [_writer(Format(fmt)) for fmt in formats]  # a bad format fails before any writing
    options = options or WriteOptions()

    def fill(tmp: Path) -> None:
        if extra:
            extra(tmp)
        for write in writers:
            write(result, tmp, options)

    if isinstance(out_dir, OutputFolder):
        return out_dir.replace(fill)
    with OutputFolder(out_dir) as folder:
        return folder.replace(fill)
