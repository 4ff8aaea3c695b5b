"""The demo report as people use it, in headless Chromium at a phone's size (390x844) and a
desktop's (1440x900): nothing wider than the screen, every section reachable from the navigation
and not hidden under it, summary cards that filter, filters kept in the URL, search in evidence,
keyboard navigation, and links from a finding to its workload and back."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from auditor.audit import audit
from auditor.report import write_outputs

SIZES = [(390, 844), (1440, 900)]
SECTIONS = ["summary", "findings", "workloads", "paths", "controls", "costs"]


@pytest.fixture(scope="module")
def demo(demo_snapshot, tmp_path_factory):
    _, inv, _ = demo_snapshot
    result = audit(inv)
    out = write_outputs(result, tmp_path_factory.mktemp("layout") / "out", ["html"])
    return out / "report.html", result


def _page(browser, size):
    ctx = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = ctx.new_page()
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    return page


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_nothing_is_wider_than_the_screen(browser, demo, size):
    page = _page(browser, size)
    page.goto(demo[0].as_uri())
    page.locator("#rows tr.finding").first.click()  # an open finding's evidence too
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    wide = page.evaluate("""() => [...document.querySelectorAll('main *')]
        .filter(e => e.getBoundingClientRect().right > innerWidth + 1 && !e.closest('.svgwrap, pre'))
        .map(e => e.tagName + '#' + e.id)""")
    assert wide == []
    assert page.errors == []


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_every_section_is_reachable_from_the_navigation_and_not_covered(browser, demo, size):
    page = _page(browser, size)
    page.goto(demo[0].as_uri())
    for name in SECTIONS:
        page.locator(f"nav a[href='#{name}']").click()
        page.wait_for_timeout(50)
        heading = page.locator(f"#{name} h2").bounding_box()
        nav = page.locator("nav").bounding_box()
        assert heading["y"] >= nav["y"] + nav["height"] - 1, name  # below the sticky bar
        assert heading["y"] < size[1], name  # and on screen


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_a_summary_card_filters_the_findings(browser, demo, size):
    page = _page(browser, size)
    page.goto(demo[0].as_uri())
    live = [f for f in demo[1].findings if not f.muted]
    high = sum(f.severity == "high" for f in live)
    page.locator("a.card[data-sev=high]").click()
    rows = page.locator("#rows tr.finding")
    expect(rows).to_have_count(high)
    assert set(page.locator("#rows tr.finding .badge").all_inner_texts()) == {"high"}
    assert "sev=high" in page.evaluate("location.hash")


def test_a_url_with_a_filter_opens_filtered_and_with_a_finding_opens_it(browser, demo):
    page = _page(browser, SIZES[1])
    html, result = demo
    page.goto(html.as_uri() + "#findings?sev=critical&cat=container")
    rows = page.locator("#rows tr.finding")
    expected = [f for f in result.findings if f.severity == "critical" and f.category == "container"]
    expect(rows).to_have_count(len(expected))
    assert page.locator("#cat-filter").input_value() == "container"
    assert not page.locator("input.sev-filter[value=high]").is_checked()
    target = next(f for f in result.findings if f.rule_id == "N101")
    page.goto(html.as_uri() + f"#findings?open={target.fingerprint}")
    page.reload()
    detail = page.locator("#rows tr.detail")
    expect(detail).to_have_count(1)
    assert target.message in page.locator(f"#rows tr.finding[data-fp='{target.fingerprint}']").inner_text()


def test_searching_an_action_named_only_in_evidence_finds_its_finding(browser, demo):
    html, result = demo
    elsewhere = " ".join(f"{f.message} {f.title} {f.resource_arn} {' '.join(f.related_arns)}"
                         for f in result.findings).lower()
    only_in_evidence = None
    for f in result.findings:
        for action in re.findall(r"[a-z0-9-]+:[A-Za-z0-9]+", json.dumps(f.evidence)):
            if ":" in action and action.lower() not in elsewhere and not action.startswith("arn"):
                only_in_evidence = (action, f)
                break
        if only_in_evidence:
            break
    assert only_in_evidence, "the demo has an action that only evidence names"
    action, finding = only_in_evidence
    page = _page(browser, SIZES[1])
    page.goto(html.as_uri())
    page.fill("#text-filter", action)
    rows = page.locator("#rows tr.finding")
    expect(rows.first).to_be_visible()
    fps = page.locator("#rows tr.finding").evaluate_all("rs => rs.map(r => r.dataset.fp)")
    assert finding.fingerprint in fps


def test_keyboard_opens_a_finding_and_links_lead_to_its_workload(browser, demo):
    html, result = demo
    page = _page(browser, SIZES[1])
    page.goto(html.as_uri())
    first = page.locator("#rows tr.finding").first
    first.focus()
    page.keyboard.press("ArrowDown")
    second = page.locator("#rows tr.finding").nth(1)
    assert second.evaluate("r => r === document.activeElement")
    page.keyboard.press("Enter")
    assert second.get_attribute("aria-expanded") == "true"
    # A finding on a task definition links to its workload, which links back to the finding.
    f = next(x for x in result.findings if x.rule_id == "C101")
    page.goto(html.as_uri() + f"#findings?open={f.fingerprint}")
    page.reload()
    link = page.locator("#rows tr.detail .links a").first
    href = link.get_attribute("href")
    link.click()
    workload = page.locator(href)
    expect(workload).to_be_in_viewport()
    back = workload.locator(f"a[href='#findings?open={f.fingerprint}']")
    back.click()
    row = page.locator(f"#rows tr.finding[data-fp='{f.fingerprint}']")
    expect(row).to_have_attribute("aria-expanded", "true")


def test_escalation_paths_are_grouped_by_target_admin_first(browser, demo):
    html, result = demo
    page = _page(browser, SIZES[1])
    page.goto(html.as_uri() + "#paths")
    groups = page.locator("#paths .path")
    targets = {p.target_role for p in result.model.escalation_paths + result.model.chained_paths}
    expect(groups).to_have_count(len(targets))
    admins = [result.model.is_admin(t) for t in targets]
    if any(admins):
        assert "admin" in groups.first.inner_text()


def test_screens_are_written_for_a_reviewer(browser, demo):
    """What `make demo` runs after the demo (in its own process, as there)."""
    html, _ = demo
    folder = html.parent
    proc = subprocess.run([sys.executable, "-m", "auditor.report.screens", str(folder)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0 and "skipped" not in proc.stderr, proc.stderr
    shots = sorted(p.name for p in (folder / "screens").iterdir())
    assert shots == ["report-1440x900.png", "report-390x844.png"]
    assert all((folder / "screens" / s).stat().st_size > 10_000 for s in shots)
