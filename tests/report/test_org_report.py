"""The organisation report: escaped (account, OU and role names are whatever an organisation's
administrators typed), self-contained, and in headless Chromium it shows the cross-account
path first and runs no script of the data's."""

from __future__ import annotations

from pathlib import Path

from auditor.model import OrgAccount, Organisation, OrgUnit
from auditor.org.cross import OrgView
from auditor.report.org_html import write_org_report

EVIL = '<img src=x onerror="alert(1)">'
A, B = "111111111111", "222222222222"


def hostile_report(tmp_path: Path) -> Path:
    org = Organisation(
        "o-1",
        "000000000000",
        "r-1",
        (OrgUnit("r-1", "Root"), OrgUnit("ou-1", f"OU {EVIL}", "r-1")),
        (OrgAccount(A, f"acct {EVIL}", parent_id="ou-1"), OrgAccount(B, "prod", parent_id="r-1")),
    )
    start, target = f"arn:aws:iam::{A}:role/x{EVIL}", f"arn:aws:iam::{B}:role/admin<script>alert(2)</script>"
    path = {
        "start": start,
        "target": target,
        "conditional": False,
        "carried_by": [f"arn:aws:ecs:::service/{EVIL}"],
        "steps": [
            {
                "action": "sts:AssumeRole",
                "resource": target,
                "decision": "allowed",
                "note": EVIL,
                "from": start,
                "to": target,
            }
        ],
    }
    later = dict(path, start=f"arn:aws:iam::{A}:role/later", conditional=True)
    view = OrgView(
        [later, path], [{"role": target, "why": EVIL, "principal": EVIL, "account": "999999999999"}]
    )
    rollup = [
        {
            "account_id": A,
            "name": f"acct {EVIL}",
            "ou": f"Root / OU {EVIL}",
            "status": "unreachable",
            "error": f"AccessDenied {EVIL}",
            "by_severity": {"critical": 1},
            "regions": [],
            "regions_skipped": [],
            "seconds": 1,
        }
    ]
    summary = {
        "by_severity": {"critical": 1, "high": 0, "medium": 0, "low": 0, "info": 0},
        "total": 1,
        "muted": 0,
        "accounts": {"ok": 0, "partial": 0, "unreachable": 1, "skipped": 0},
    }
    out = tmp_path / "report.html"
    write_org_report(
        out,
        {
            "org": org,
            "rollup": rollup,
            "view": view,
            "summary": summary,
            "generated_at": "now",
        },
    )
    return out


def test_everything_the_organisation_typed_is_escaped(tmp_path):
    html = hostile_report(tmp_path).read_text()
    assert "<img" not in html and "<script>alert" not in html
    assert "&lt;img src=x onerror=" in html and "&lt;script&gt;alert(2)" in html


def test_in_chromium_the_certain_path_comes_first_and_no_data_script_runs(page, tmp_path):
    out = hostile_report(tmp_path)
    page.goto(out.as_uri())
    first = page.locator("#paths details summary").first.inner_text()
    assert first.startswith("arn:aws:iam::111111111111:role/x") and "conditional" not in first
    assert page.dialogs == [] and page.console_errors == []
    assert all(u.startswith(("file:", "data:")) for u in page.requests)  # self-contained
    assert page.locator("#accounts td[data-label=status]").first.inner_text() == "unreachable"
