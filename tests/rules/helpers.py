from __future__ import annotations

from auditor.rules.context import AuditContext
from auditor.rules.engine import load_rules, run_rules


def findings(inv, code: str | None = None):
    found, failures = run_rules(AuditContext(inv), [code] if code else None)
    assert failures == [], failures
    return found


def fires(inv, code: str) -> list:
    assert code in load_rules()
    return findings(inv, code)
