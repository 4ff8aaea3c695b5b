"""Price tables: the dated one shipped with the package, the user cache that
`auditor.collect.pricing` refreshes from the AWS Price List API (it takes precedence), or a file
given with --pricing."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path


class PricingError(ValueError):
    pass


def cache_path() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "ecs-auditor" / "prices.json"


def shipped() -> dict:
    return json.loads(resources.files("auditor.facts").joinpath("prices.json").read_text())


def load_prices(path: str | Path | None = None) -> dict:
    """The table to use: an explicit file, else the user cache merged over the shipped one."""
    table = shipped()
    table["origin"] = "shipped"
    if path is not None:
        return _read(Path(path)) | {"origin": str(path)}
    cached = cache_path()
    if cached.exists():
        try:
            extra = _read(cached)
        except PricingError:
            return table  # a broken cache never stops an audit; the shipped table stands
        for region, data in extra.get("regions", {}).items():
            table["regions"].setdefault(region, {}).update(data)
        for region, data in extra.get("ec2", {}).items():
            table["ec2"].setdefault(region, {}).update(data)
        table["date"], table["source"] = extra.get("date", table["date"]), extra.get("source", "")
        table["origin"] = f"cache {cached}"
    return table


def _read(p: Path) -> dict:
    try:
        data = json.loads(p.read_text())
    except FileNotFoundError:
        raise PricingError(f"{p}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise PricingError(f"{p}: not a JSON price table") from None
    if not isinstance(data, dict) or not isinstance(data.get("regions"), dict):
        raise PricingError(f"{p}: a price table needs a 'regions' object")
    data.setdefault("ec2", {})
    data.setdefault("hours_per_month", 730)
    data.setdefault("fargate_spot_discount", 0.7)
    return data
