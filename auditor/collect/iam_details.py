"""An account's IAM (roles, users, groups, the managed policies they use) from a
GetAccountAuthorizationDetails answer: the collector's, or a file the CLI reads
(`--iam-details`). No AWS client here, so an offline audit does not load one."""

from __future__ import annotations

import json
from typing import Any

from auditor.iam.policy import decode_document
from auditor.model import Group, InlinePolicy, InstanceProfile, ManagedPolicy, Role, User


def _document(doc: Any) -> Any:
    """Documents normally arrive decoded; accept the URL-encoded string form too."""
    if isinstance(doc, str):
        try:
            return json.loads(decode_document(doc))
        except json.JSONDecodeError:
            return doc  # kept as is; the policy parser reports it
    return doc


def _inline(items: list[dict]) -> tuple[InlinePolicy, ...]:
    return tuple(InlinePolicy(p["PolicyName"], _document(p.get("PolicyDocument")))
                 for p in items or [])


def transform_role(d: dict) -> Role:
    return Role(
        arn=d["Arn"],
        name=d["RoleName"],
        path=d.get("Path", "/"),
        trust_policy=_document(d.get("AssumeRolePolicyDocument")),
        inline_policies=_inline(d.get("RolePolicyList")),
        attached_policy_arns=tuple(p["PolicyArn"] for p in d.get("AttachedManagedPolicies", [])),
        permissions_boundary_arn=(d.get("PermissionsBoundary") or {}).get(
            "PermissionsBoundaryArn"),
        instance_profile_arns=tuple(p["Arn"] for p in d.get("InstanceProfileList", [])),
        tags={t["Key"]: t.get("Value", "") for t in d.get("Tags", [])},
    )


def transform_user(d: dict) -> User:
    return User(
        arn=d["Arn"],
        name=d["UserName"],
        inline_policies=_inline(d.get("UserPolicyList")),
        attached_policy_arns=tuple(p["PolicyArn"] for p in d.get("AttachedManagedPolicies", [])),
        group_names=tuple(d.get("GroupList", [])),
        permissions_boundary_arn=(d.get("PermissionsBoundary") or {}).get(
            "PermissionsBoundaryArn"),
    )


def transform_group(d: dict) -> Group:
    return Group(
        arn=d["Arn"],
        name=d["GroupName"],
        inline_policies=_inline(d.get("GroupPolicyList")),
        attached_policy_arns=tuple(p["PolicyArn"] for p in d.get("AttachedManagedPolicies", [])),
    )


def transform_policy(d: dict) -> ManagedPolicy:
    default = d.get("DefaultVersionId")
    doc = None
    for v in d.get("PolicyVersionList", []):
        if v.get("IsDefaultVersion") or (default and v.get("VersionId") == default):
            doc = _document(v.get("Document"))
            default = default or v.get("VersionId")
            break
    arn = d["Arn"]
    return ManagedPolicy(arn=arn, name=d.get("PolicyName") or arn.rsplit("/", 1)[-1],
                         default_version_id=default, document=doc)


def transform_instance_profiles(roles: list[dict]) -> list[InstanceProfile]:
    profiles: dict[str, InstanceProfile] = {}
    for r in roles:
        for p in r.get("InstanceProfileList", []):
            profiles[p["Arn"]] = InstanceProfile(
                arn=p["Arn"], name=p["InstanceProfileName"],
                role_arns=tuple(x["Arn"] for x in p.get("Roles", [])))
    return list(profiles.values())


def transform(details: dict[str, list]) -> dict[str, list]:
    roles = details["RoleDetailList"]
    used: set[str] = set()
    for d in roles + details["UserDetailList"] + details["GroupDetailList"]:
        used.update(p["PolicyArn"] for p in d.get("AttachedManagedPolicies", []))
        if d.get("PermissionsBoundary"):
            used.add(d["PermissionsBoundary"]["PermissionsBoundaryArn"])
    # Keep only managed policies that something uses: AWS has >1,000 it would otherwise ship.
    return {
        "roles": [transform_role(d) for d in roles],
        "users": [transform_user(d) for d in details["UserDetailList"]],
        "groups": [transform_group(d) for d in details["GroupDetailList"]],
        "managed_policies": [transform_policy(p) for p in details["Policies"]
                             if p["Arn"] in used],
        "instance_profiles": transform_instance_profiles(roles),
    }




DETAIL_LISTS = ("RoleDetailList", "UserDetailList", "GroupDetailList", "Policies")


def load_authorization_details(paths: list[str]) -> tuple[str, dict[str, list]]:
    """(account id, IAM part of an inventory) from what `aws iam
    get-account-authorization-details --output json` printed: one merged file, or one per page.
    No AWS call; the account id comes from the ARNs."""
    from auditor.fsutil import InputError, load_json, read_input
    from auditor.model import SnapshotError

    merged: dict[str, list] = {k: [] for k in DETAIL_LISTS}
    for path in paths:
        try:
            doc = load_json(read_input(path), path)
        except InputError as e:
            raise SnapshotError(str(e)) from None
        if not isinstance(doc, dict) or not any(isinstance(doc.get(k), list) for k in DETAIL_LISTS):
            raise SnapshotError(f"{path}: not an authorization-details document (no RoleDetailList, "
                                "UserDetailList, GroupDetailList or Policies list)")
        for key in DETAIL_LISTS:
            merged[key] += doc.get(key) or []
    try:
        iam_part = transform(merged)
    except (KeyError, TypeError, AttributeError) as e:
        raise SnapshotError(f"{paths[0]}: an entry of the wrong shape ({type(e).__name__}: {e})") from None
    accounts = {a.split(":")[4] for kind in ("roles", "users", "groups") for a in
                (x.arn for x in iam_part[kind]) if a.count(":") >= 5 and a.split(":")[4].isdigit()}
    if len(accounts) > 1:
        raise SnapshotError(f"{paths[0]}: principals of several accounts ({', '.join(sorted(accounts))})")
    if not accounts:
        raise SnapshotError(f"{paths[0]}: no role, user or group ARN names the account")
    return accounts.pop(), iam_part
