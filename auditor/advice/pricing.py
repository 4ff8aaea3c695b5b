"""Price tables: the dated one shipped with the package, a user cache refreshed from the AWS
Price List API (which takes precedence), or a file given with --pricing."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from auditor.fsutil import atomic_write_text

# Price List API endpoints (aws-facts.md 2.5).
PRICING_REGION = "us-east-1"
FARGATE_USAGE = {  # usagetype suffix -> (architecture key, field)
    "Fargate-vCPU-Hours:perCPU": ("x86", "vcpu_hour"),
    "Fargate-GB-Hours": ("x86", "gb_hour"),
    "Fargate-ARM-vCPU-Hours:perCPU": ("arm", "vcpu_hour"),
    "Fargate-ARM-GB-Hours": ("arm", "gb_hour"),
    "Fargate-Windows-vCPU-Hours:perCPU": ("windows", "vcpu_hour"),
    "Fargate-Windows-GB-Hours": ("windows", "gb_hour"),
    "Fargate-Windows-OS-Hours:perCPU": ("windows", "os_vcpu_hour"),
    "Fargate-EphemeralStorage-GB-Hours": (None, "ephemeral_gb_hour"),
}


class PricingError(ValueError):
    pass


def cache_path() -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    return base / "ecs-auditor" / "prices.json"


def shipped() -> dict:
    return json.loads(resources.files("auditor.advice").joinpath("prices.json").read_text())


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


def _price(item: dict) -> float | None:
    for term in (item.get("terms", {}).get("OnDemand") or {}).values():
        for dim in (term.get("priceDimensions") or {}).values():
            usd = (dim.get("pricePerUnit") or {}).get("USD")
            if usd is not None:
                return float(usd)
    return None


def fetch_fargate(client: Any, region: str) -> dict:
    """Fargate rates of one region from the Price List API."""
    out: dict[str, Any] = {}
    pages = client.get_paginator("get_products").paginate(
        ServiceCode="AmazonECS", FormatVersion="aws_v1",
        Filters=[{"Type": "TERM_MATCH", "Field": "regionCode", "Value": region},
                 {"Type": "TERM_MATCH", "Field": "productFamily", "Value": "Compute"}])
    for page in pages:
        for raw in page.get("PriceList", []):
            item = json.loads(raw) if isinstance(raw, str) else raw
            usage = item.get("product", {}).get("attributes", {}).get("usagetype", "")
            # Match the suffix: the regional prefix varies (USE1-, USW2-, or none).
            suffix = next((s for s in sorted(FARGATE_USAGE, key=len, reverse=True)
                           if usage == s or usage.endswith("-" + s)), None)
            price = _price(item)
            if suffix is None or price is None:
                continue
            arch, field = FARGATE_USAGE[suffix]
            if arch is None:
                out[field] = price
            else:
                out.setdefault(arch, {})[field] = price
    return out


def fetch_ec2(client: Any, region: str, instance_types: list[str]) -> dict[str, float]:
    out = {}
    for itype in instance_types:
        resp = client.get_products(ServiceCode="AmazonEC2", FormatVersion="aws_v1", MaxResults=10,
                                   Filters=[{"Type": "TERM_MATCH", "Field": f, "Value": v} for f, v in (
                                       ("instanceType", itype), ("regionCode", region),
                                       ("operatingSystem", "Linux"), ("tenancy", "Shared"),
                                       ("preInstalledSw", "NA"), ("capacitystatus", "Used"))])
        for raw in resp.get("PriceList", []):
            price = _price(json.loads(raw) if isinstance(raw, str) else raw)
            if price:
                out[itype] = price
                break
    return out


def refresh(session: Any, regions: list[str], endpoint_url: str | None = None,
            today: str | None = None) -> Path:
    """Fetch current prices into the user cache; return its path."""
    import datetime as dt

    client = session.client("pricing", region_name=PRICING_REGION, endpoint_url=endpoint_url)
    types = sorted(shipped()["ec2"]["us-east-1"])
    table: dict[str, Any] = {"date": today or dt.date.today().isoformat(),
                             "source": "AWS Price List API (GetProducts)", "regions": {}, "ec2": {}}
    try:
        for region in regions:
            fargate = fetch_fargate(client, region)
            if fargate:
                table["regions"][region] = {"fargate": fargate}
            ec2 = fetch_ec2(client, region, types)
            if ec2:
                table["ec2"][region] = ec2
    except (ClientError, BotoCoreError) as e:
        raise PricingError(f"Price List API: {e}") from None
    if not table["regions"] and not table["ec2"]:
        raise PricingError("Price List API returned no prices for " + ", ".join(regions))
    return atomic_write_text(cache_path(), json.dumps(table, indent=1, sort_keys=True))
