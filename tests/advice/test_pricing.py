"""Price tables: refresh from a stubbed Price List API, precedence, --pricing FILE."""

from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber

from auditor.collect.pricing import refresh
from auditor.facts.prices import PricingError, load_prices, shipped
from tests.conftest import run_cli


def product(usagetype: str, price: str) -> str:
    return json.dumps({
        "product": {"productFamily": "Compute", "attributes": {"usagetype": usagetype,
                                                              "regionCode": "eu-west-1"}},
        "terms": {"OnDemand": {"SKU.TERM": {"priceDimensions": {"SKU.TERM.RATE": {
            "unit": "hours", "pricePerUnit": {"USD": price}}}}}}})


class FakeSession:
    def __init__(self, client):
        self._client = client

    def client(self, *a, **k):
        return self._client


def test_refresh_reads_the_price_list_into_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    client = boto3.session.Session(region_name="us-east-1", aws_access_key_id="x",
                                   aws_secret_access_key="x").client("pricing")
    stub = Stubber(client)
    stub.add_response("get_products", {"PriceList": [
        product("EUW1-Fargate-vCPU-Hours:perCPU", "0.0399"),
        product("EUW1-Fargate-GB-Hours", "0.0044"),
        product("EUW1-Fargate-ARM-vCPU-Hours:perCPU", "0.0319"),
        product("EUW1-Fargate-EphemeralStorage-GB-Hours", "0.00011"),
        product("EUW1-ECS-EC2-vCPU-Hours", "0")], "FormatVersion": "aws_v1"},
        {"ServiceCode": "AmazonECS", "FormatVersion": "aws_v1", "Filters": ANY})
    for itype in sorted(shipped()["ec2"]["us-east-1"]):
        price = "0.1" if itype == "m6i.large" else None
        stub.add_response("get_products", {"PriceList": [product(f"EU-BoxUsage:{itype}", price)]
                                           if price else [], "FormatVersion": "aws_v1"},
                          {"ServiceCode": "AmazonEC2", "FormatVersion": "aws_v1", "MaxResults": 10,
                           "Filters": ANY})
    with stub:
        path = refresh(FakeSession(client), ["eu-west-1"], today="2026-11-27")
    cached = json.loads(path.read_text())
    assert cached["regions"]["eu-west-1"]["fargate"]["x86"] == {"vcpu_hour": 0.0399, "gb_hour": 0.0044}
    assert cached["regions"]["eu-west-1"]["fargate"]["arm"] == {"vcpu_hour": 0.0319}
    assert cached["ec2"]["eu-west-1"] == {"m6i.large": 0.1}
    table = load_prices()  # the cache takes precedence over the shipped table
    assert table["regions"]["eu-west-1"]["fargate"]["x86"]["vcpu_hour"] == 0.0399
    assert table["regions"]["us-east-1"]["fargate"]["x86"]["vcpu_hour"] == 0.04048
    assert table["origin"].startswith("cache")


def test_explicit_pricing_file_and_bad_file(tmp_path):
    good = tmp_path / "p.json"
    good.write_text(json.dumps({"date": "2027-01-01", "regions": {"us-east-1": {"fargate": {
        "x86": {"vcpu_hour": 1.0, "gb_hour": 0.0}}}}}))
    assert load_prices(good)["regions"]["us-east-1"]["fargate"]["x86"]["vcpu_hour"] == 1.0
    bad = tmp_path / "bad.json"
    bad.write_text("{")
    with pytest.raises(PricingError, match="not a JSON price table"):
        load_prices(bad)


def test_audit_with_a_bad_pricing_file_is_a_one_line_error(demo_snapshot, tmp_path):
    path, _, _ = demo_snapshot
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    proc = run_cli("audit", str(path), "--output", str(tmp_path / "o"), "--pricing", str(bad))
    assert proc.returncode == 2 and "price table" in proc.stderr and proc.stderr.count("\n") == 1


def test_demo_overprovisioned_service_is_rightsized(demo_snapshot):
    from auditor.audit import audit

    _, inv, seeded = demo_snapshot
    result = audit(inv)
    [k101] = [f for f in result.findings if f.rule_id == "K101"
              and f.resource_arn == seeded.services["api"]]
    assert k101.evidence["recommended"] == "0.25 vCPU / 2 GB"
    assert k101.evidence["monthly_cost_usd"] == 170.12
    assert k101.evidence["monthly_saving_usd"] == 142.36
    assert k101.evidence["price_table"]["date"] == "2026-11-27"
    rows = {r.service: r for r in result.costs}
    assert rows["api"].monthly_saving_usd == 142.36
    assert any(r.service == "(idle capacity)" for r in result.costs)
