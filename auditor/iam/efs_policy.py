"""An EFS file-system policy's answer for one client (ClientMount, ClientWrite...), as EFS
evaluates it when a task mounts a volume (the resource-policy half of rule I210)."""

from __future__ import annotations

from auditor.iam.evaluate import DENIED, decide
from auditor.iam.policy import PolicyError, parse_policy
from auditor.model import FileSystem


def efs_policy_allows(account: str, fs: FileSystem, role_arn: str, action: str,
                      ap_arn: str | None, transit: bool) -> str:
    """allowed / denied / unknown for a client action under the file-system policy."""
    if fs.policy_status == "none":
        return "allowed"  # the default policy lets any client that reaches a mount target in
    if fs.policy_status != "present":
        return "unknown"
    try:
        policy = parse_policy(fs.policy, f"file-system policy of {fs.file_system_id}", "resource")
    except PolicyError:
        return "unknown"
    names = {"*", role_arn, account, f"arn:aws:iam::{account}:root"}
    mine = [s for s in policy.statements if s.principals and (
        "*" in s.principals or set(s.principals.get("AWS", ())) & names)]
    context = {"aws:securetransport": ("true" if transit else "false",),
               "elasticfilesystem:accessedviamounttarget": ("true",)}
    if ap_arn:
        context["elasticfilesystem:accesspointarn"] = (ap_arn,)
    return "denied" if decide(mine, action, fs.arn, context).decision == DENIED else "allowed"
