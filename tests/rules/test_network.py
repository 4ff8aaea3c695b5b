"""Rules N101–N102 (auditor.rules.network): each fires, and its near misses stay quiet."""

from __future__ import annotations

from tests.builders import fires, inventory, service, task_def


def test_n101_public_ip_and_near_miss():
    td = task_def("app", compat=("FARGATE",))
    assert len(fires(inventory(tds=[td], services=[service("a", td, "FARGATE",
                                                           assign_public_ip="ENABLED")]), "N101")) == 1
    assert fires(inventory(tds=[td], services=[service("a", td, "FARGATE",
                                                       assign_public_ip="DISABLED")]), "N101") == []


def test_n102_insights_and_enhanced_near_miss():
    from dataclasses import replace
    inv = inventory()
    assert fires(inv, "N102") == []  # the builder's cluster has it enabled
    off = replace(inv, clusters=(replace(inv.clusters[0], settings={}),))
    assert len(fires(off, "N102")) == 1
    enhanced = replace(inv, clusters=(replace(inv.clusters[0], settings={"containerInsights": "enhanced"}),))
    assert fires(enhanced, "N102") == []
