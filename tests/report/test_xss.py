"""Account data is attacker-controlled: no payload in a name, tag or variable name executes."""

from __future__ import annotations

import re
from dataclasses import replace

from auditor.audit import audit
from auditor.model import ContainerDefinition, EnvVar, InlinePolicy, PortMapping, Service
from auditor.report import write_outputs
from tests.builders import allow, inventory, policy, role, service, task_def

PAYLOADS = ["<script>alert('xss-script')</script>", "<img src=x onerror=alert('xss-img')>",
            "\"><svg onload=alert('xss-svg')>", "</script><script>alert('xss-close')</script>",
            "javascript:alert('xss-href')"]


def hostile_inventory():
    p0, p1, p2, p3, p4 = PAYLOADS
    r = replace(role(f"r{p1}", allow("*")), tags={"owner": p0},
                inline_policies=(InlinePolicy(p2, policy({"Sid": p3, "Effect": "Allow", "Action": "*",
                                                           "Resource": "*"})),))
    c = ContainerDefinition(name=f"c{p0}", image=f"img{p1}", privileged=True,
                            environment=(EnvVar(f"PASSWORD{p2}", "secret", "name says so", "…[9 chars]"),
                                         EnvVar(p3, "clean", value=p4)),
                            port_mappings=(PortMapping(80),))
    td = replace(task_def(f"fam{p0}", task_role=r, compat=("FARGATE",), containers=(c,)),
                 tags={"x": p4})
    s: Service = replace(service(f"svc{p1}", td, "FARGATE", assign_public_ip="ENABLED"),
                         tags={"team": p2})
    inv = inventory(roles=[r], tds=[td], services=[s])
    return replace(inv, clusters=(replace(inv.clusters[0], name=f"cl{p3}"),))


def test_no_payload_executes_or_appears_unescaped(page, tmp_path):
    result = audit(hostile_inventory())
    assert result.findings, "the hostile inventory should produce findings to render"
    out = write_outputs(result, tmp_path / "out", ["html", "json", "csv"])
    html = (out / "report.html").read_text()
    for p in PAYLOADS[:4]:
        assert p not in html, p
    # No real tag carries an event-handler attribute (escaped text like "&lt;img onerror=" is fine).
    assert re.search(r"<[a-zA-Z][^<>]*\son[a-z]+\s*=", html) is None
    page.goto((out / "report.html").as_uri())
    # Open every finding so evidence (with the payloads) is rendered too.
    rows = page.locator("#rows tr.finding")
    for i in range(rows.count()):
        rows.nth(i).click()
    page.fill("#text-filter", "svc")
    assert page.dialogs == []
    assert page.requests == [(out / "report.html").as_uri()]
    assert page.console_errors == []
    # The payloads are shown as text.
    text = page.locator("body").inner_text()
    assert "alert('xss-img')" in text
    links = page.locator("a[href^='javascript:']")
    assert links.count() == 0
