"""The demo account's report in headless Chromium: loads offline, filters, opens evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from auditor.audit import audit
from auditor.report import write_outputs

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


@pytest.fixture(scope="module")
def demo_report(demo_snapshot, tmp_path_factory):
    _, inv, _ = demo_snapshot
    out = write_outputs(audit(inv), tmp_path_factory.mktemp("report") / "out", ["html"])
    return out / "report.html"


def test_report_loads_offline_without_errors_and_filters(page, demo_report):
    page.goto(demo_report.as_uri())
    assert page.requests == [demo_report.as_uri()]  # nothing fetched from anywhere
    assert page.console_errors == []
    rows = page.locator("#rows tr.finding")
    total = rows.count()
    assert total > 20
    assert "of" in page.locator("#match-count").inner_text()
    # Filtering by severity changes the rows shown.
    for sev in ("high", "medium", "low", "info"):
        page.uncheck(f"input.sev-filter[value={sev}]")
    critical = rows.count()
    assert 0 < critical < total
    assert set(page.locator("#rows tr.finding .badge").all_inner_texts()) == {"critical"}
    # Free-text search narrows further.
    page.fill("#text-filter", "AWS_SECRET_ACCESS_KEY")
    expect(rows).to_have_count(1)
    # A finding opens to its evidence, remediation and references.
    rows.first.click()
    detail = page.locator("#rows tr.detail")
    assert "AWS_SECRET_ACCESS_KEY" in detail.locator("pre.evidence").inner_text()
    assert "Secrets Manager" in detail.inner_text()
    assert detail.locator("a[href^='https://docs.aws.amazon.com/']").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "report-demo.png"), full_page=False)
    assert page.requests == [demo_report.as_uri()] and page.console_errors == []


def test_sorting_by_a_column(page, demo_report):
    page.goto(demo_report.as_uri())
    page.click("th[data-key=rule]")
    codes = [t.split()[0] for t in page.locator("#rows tr.finding td:nth-child(2)").all_inner_texts()]
    assert codes == sorted(codes)
    page.click("th[data-key=rule]")
    codes = [t.split()[0] for t in page.locator("#rows tr.finding td:nth-child(2)").all_inner_texts()]
    assert codes == sorted(codes, reverse=True)


def test_a_finding_offers_its_whole_action_list_most_dangerous_first(page, tmp_path):
    from tests.builders import allow, inventory, role, service, task_def

    r = role("app", allow(["ec2:*", "s3:*", "iam:PassRole"]))
    td = task_def("app", task_role=r, compat=("FARGATE",))
    inv = inventory(roles=[r], tds=[td], services=[service("app", td, "FARGATE")])
    html = write_outputs(audit(inv), tmp_path / "out", ["html"]) / "report.html"
    page.goto(html.as_uri())
    page.fill("#text-filter", "role-write-all-resources")
    expect(page.locator("#rows tr.finding")).to_have_count(1)
    page.locator("#rows tr.finding").first.click()
    more = page.locator("#rows tr.detail details.all-actions")
    assert "most dangerous first" in more.locator("summary").inner_text()
    more.locator("summary").click()
    names = more.locator("pre").inner_text().splitlines()
    assert len(names) > 300 and names[0] == "iam:PassRole" and "ec2:RunInstances" in names[:8]
    assert page.console_errors == []
