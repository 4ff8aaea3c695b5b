"""IAM, once per account, through GetAccountAuthorizationDetails (never one call per role);
iam_details.py turns the answer into the model."""

from __future__ import annotations

from auditor.collect.base import CallLedger, Clients
from auditor.collect.limits import required

# Each call -> the calls whose results it starts from.
ACTIONS: dict[str, tuple[str, ...]] = {"iam:GetAccountAuthorizationDetails": ()}


def get_authorization_details(clients: Clients, ledger: CallLedger) -> dict[str, list] | None:
    iam = clients("iam", "us-east-1")
    out: dict[str, list] = {"RoleDetailList": [], "UserDetailList": [], "GroupDetailList": [],
                            "Policies": []}

    def fetch() -> dict[str, list]:
        for page in iam.get_paginator("get_account_authorization_details").paginate(
            Filter=["Role", "User", "Group", "LocalManagedPolicy", "AWSManagedPolicy"],
            PaginationConfig={"PageSize": 1000},
        ):
            for key in out:
                out[key].extend(required(page, key, "GetAccountAuthorizationDetails"))
        return out

    return ledger.guard("iam", "global", "GetAccountAuthorizationDetails", fetch)
