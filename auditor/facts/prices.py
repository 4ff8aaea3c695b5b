"""Price tables: the dated one shipped with the package, the user cache that
`auditor.collect.pricing` refreshes from the AWS Price List API (it takes precedence), or a file
given with --pricing."""

from __future__ import annotations

import json
import math
import os
from importlib import resources
from pathlib import Path

from auditor.fsutil import InputError, load_json, read_input


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
        data = load_json(read_input(p, limit=64 << 20), str(p))
    except InputError as e:
        raise PricingError(str(e).replace(": not JSON", ": not a JSON price table")) from None
    if not isinstance(data, dict) or not isinstance(data.get("regions"), dict):
        raise PricingError(f"{p}: a price table needs a 'regions' object")
    data.setdefault("ec2", {})
    data.setdefault("hours_per_month", 730)
    data.setdefault("fargate_spot_discount", 0.7)
    for where, value in _numbers(data, ""):
        # json reads NaN, Infinity and 1e400 (inf) as floats: none of them is a price.
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                or value < 0:
            raise PricingError(f"{p}: {where.lstrip('.')} must be a finite number >= 0, got {value!r:.40}")
    if not 0 < data["hours_per_month"] <= 744 or not 0 <= data["fargate_spot_discount"] < 1:
        raise PricingError(f"{p}: hours_per_month must be in (0, 744] and fargate_spot_discount in [0, 1)")
    return data


# Keys whose values are prices or rates (everything else in a table is text).
_NUMERIC = {"vcpu_hour", "gb_hour", "os_vcpu_hour", "ephemeral_gb_hour", "hours_per_month",
            "fargate_spot_discount"}


def _numbers(node: object, where: str):
    """(path, value) of every value that must be a number: Fargate rates, EC2 hourly prices."""
    if isinstance(node, dict):
        for k, v in node.items():
            path = f"{where}.{k}"
            if k in _NUMERIC or where.startswith(".ec2.") and where.count(".") == 2:
                yield path, v
            elif isinstance(v, dict):
                yield from _numbers(v, path)
