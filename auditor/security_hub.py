"""Import ASFF findings into AWS Security Hub so that it matches the scan.

These are the only calls ecs-auditor makes that change anything, and only when asked
(`--security-hub`); they are declared here, apart from the collector's read-only policy
(`ecs-auditor permissions --security-hub` prints them). A finding that this run no longer
reports is archived by importing it again with RecordState ARCHIVED, which is how a finding
provider closes its own findings:
https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchimportfindings.html
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# Security Hub calls, each with why it is made.
ACTIONS = {
    "securityhub:BatchImportFindings": "import this run's findings, and archive those it no longer reports",
    "securityhub:GetFindings": "find this tool's active findings from earlier runs (to archive)",
}
BATCH = 100  # BatchImportFindings takes at most 100 findings per call
# What an archived copy keeps: the fields BatchImportFindings requires, and the resource.
REQUIRED = ("SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId", "Types", "CreatedAt",
            "Severity", "Title", "Description", "Resources")


class SecurityHubError(Exception):
    """Security Hub refused the import (not enabled, denied, or findings rejected)."""


@dataclass
class ImportReport:
    imported: int = 0
    archived: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)  # {Id, ErrorCode, ErrorMessage}

    def summary(self) -> str:
        text = f"Security Hub: {self.imported} findings imported, {self.archived} archived"
        if self.failed:
            codes = sorted({f.get("ErrorCode", "?") for f in self.failed})
            text += f", {len(self.failed)} rejected ({', '.join(codes)})"
        return text


def policy() -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [
        {"Sid": "EcsAuditorSecurityHubImport", "Effect": "Allow", "Action": sorted(ACTIONS),
         "Resource": "*"}]}


def _earlier(client, account: str, product_arn: str) -> list[dict[str, Any]]:
    """This tool's active findings for the account, from earlier runs."""
    filters = {"ProductArn": [{"Value": product_arn, "Comparison": "EQUALS"}],
               "AwsAccountId": [{"Value": account, "Comparison": "EQUALS"}],
               "RecordState": [{"Value": "ACTIVE", "Comparison": "EQUALS"}],
               "Id": [{"Value": f"ecs-auditor/{account}/", "Comparison": "PREFIX"}]}
    out = []
    for page in client.get_paginator("get_findings").paginate(Filters=filters, MaxResults=100):
        out += page.get("Findings", [])
    # A provider's filter is a hint; keep exactly ours (moto, for one, ignores some filters).
    return [f for f in out if f.get("Id", "").startswith(f"ecs-auditor/{account}/")
            and f.get("ProductArn") == product_arn and f.get("RecordState", "ACTIVE") == "ACTIVE"]


def _import(client, findings: list[dict[str, Any]], report: ImportReport) -> int:
    ok = 0
    for i in range(0, len(findings), BATCH):
        batch = findings[i:i + BATCH]
        answer = client.batch_import_findings(Findings=batch)
        ok += answer.get("SuccessCount", len(batch) - answer.get("FailedCount", 0))
        report.failed += [{k: str(f.get(k, "")) for k in ("Id", "ErrorCode", "ErrorMessage")}
                          for f in answer.get("FailedFindings", [])]
    return ok


def import_findings(client, findings: list[dict[str, Any]], account: str, product_arn: str,
                    now: str | None = None) -> ImportReport:
    """Import `findings` (ASFF) and archive this tool's earlier active findings that are not
    among them. Errors from Security Hub itself become SecurityHubError (one line)."""
    from botocore.exceptions import BotoCoreError, ClientError

    now = now or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = ImportReport()
    try:
        current = {f["Id"] for f in findings}
        stale = [f for f in _earlier(client, account, product_arn) if f["Id"] not in current]
        report.imported = _import(client, findings, report)
        archive = [{**{k: f[k] for k in REQUIRED if k in f}, "UpdatedAt": now, "RecordState": "ARCHIVED"}
                   for f in stale]
        report.archived = _import(client, archive, report)
    except ClientError as e:
        err = e.response.get("Error", {})
        raise SecurityHubError(f"Security Hub refused the import: {err.get('Code')}: "
                               f"{str(err.get('Message', ''))[:200]}") from None
    except BotoCoreError as e:
        raise SecurityHubError(f"Security Hub could not be reached: {e}") from None
    return report
