"""The AWS Price List API: current Fargate and EC2 prices into the user's price cache."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from auditor.facts.prices import PricingError, cache_path, shipped
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
