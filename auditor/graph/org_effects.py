"""Where the organisation's SCPs change what IAM alone grants: per principal, the actions its
own policies (and boundary) allow that an SCP takes away. The same engine both ways: the
principal as it is, and the same principal with no SCP layer."""

from __future__ import annotations

from dataclasses import replace

from auditor.iam.knowledge import sample_by_danger


def scp_effects(model, arns) -> list[dict]:
    out = []
    for arn in sorted(arns):
        p = model.principals.get(arn)
        if p is None or not any(not lvl.allows_everything for lvl in p.scps):
            continue
        granted = replace(p, scps=()).grant_keys
        removed = granted - p.grant_keys
        if removed:
            out.append({"principal": arn, "name": p.name, "iam_actions": len(granted),
                        "effective_actions": len(p.grant_keys), "removed": len(removed),
                        "removed_sample": sample_by_danger(removed, 8)})
    return out
