"""Screenshots of a report at a phone's and a desktop's size, for a reviewer to look at:
`python -m auditor.report.screens reports/demo` (what `make demo` runs) writes
reports/demo/screens/report-390x844.png and report-1440x900.png.

It drives Debian's chromium through Playwright (a dev dependency); without them it says why and
writes nothing, so the demo itself never depends on a browser."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

SIZES = ((390, 844), (1440, 900))
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def screenshots(folder: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    report = (folder / "report.html").resolve()
    out_dir = folder / "screens"
    out_dir.mkdir(exist_ok=True)
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        try:
            for width, height in SIZES:
                page = browser.new_page(viewport={"width": width, "height": height})
                page.goto(report.as_uri())
                path = out_dir / f"report-{width}x{height}.png"
                page.screenshot(path=str(path), full_page=False)
                written.append(path)
                page.close()
        finally:
            browser.close()
    return written


def main(argv: list[str]) -> int:
    folder = Path(argv[0] if argv else "reports/demo")
    if not (folder / "report.html").exists():
        print(f"screens: no report.html in {folder}", file=sys.stderr)
        return 2
    why = None
    if not shutil.which("chromium"):
        why = "Debian's chromium is not installed (make browser installs it where it can)"
    else:
        try:
            import playwright  # noqa: F401
        except ImportError:
            why = "playwright is not installed (pip install -e '.[dev]')"
    if why:
        print(f"screens: skipped: {why}", file=sys.stderr)
        return 0
    for path in screenshots(folder):
        print(f"screenshot: {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
