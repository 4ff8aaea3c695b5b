"""What security pipelines take: OCSF Detection Findings (Security Lake, SIEMs) and the AWS Security
Finding Format (Security Hub's BatchImportFindings).

OCSF events are built with py-ocsf-models, so the models validate every field rather than us
assembling JSON by hand. OCSF Detection Finding (class 2004) has no `compliance` attribute; the
controls go in `unmapped.compliance`, as OCSF says for source data the class does not define.
ASFF follows https://docs.aws.amazon.com/securityhub/latest/userguide/securityhub-findings-format.html
(SchemaVersion 2018-10-08), with the field limits that page gives.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from auditor import __version__
from auditor.fsutil import atomic_write_text
from auditor.rules.compliance import FRAMEWORKS

OCSF_SEVERITY = {"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}
ASFF_SEVERITY = {"critical": "CRITICAL", "high": "HIGH", "medium": "MEDIUM", "low": "LOW",
                 "info": "INFORMATIONAL"}
# ASFF and CloudFormation names of the resources findings are about.
AWS_TYPES = {"ecs-task-definition": "AwsEcsTaskDefinition", "ecs-service": "AwsEcsService",
             "ecs-cluster": "AwsEcsCluster", "iam-role": "AwsIamRole", "iam-user": "AwsIamUser",
             "elbv2-load-balancer": "AwsElbv2LoadBalancer", "efs-file-system": "AwsEfsFileSystem"}
ASFF_CLASSIFIER = {"iam": "IAM", "launch-type": "ECS Launch Type", "load-balancer": "Load Balancing",
                   "efs": "EFS", "container": "Container Hardening", "network": "Network Exposure",
                   "cost": "Cost Optimisation"}
# Rules whose finding is an escalation path, not only a misconfiguration.
ESCALATION_RULES = {"I103", "I107", "I304"}


def records(result, status: tuple[str, ...]) -> list[dict[str, Any]]:
    """The findings (status FAIL) and, when asked for, the resources that passed (PASS)."""
    out = [f.to_dict() | {"status": "FAIL"} for f in result.findings] if "fail" in status else []
    return out + (result.passes() if "pass" in status else [])


def _epoch_ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp.replace("Z", "+00:00")).timestamp() * 1000)


def _partition(arn: str) -> str:
    return arn.split(":")[1] if arn.startswith("arn:") else "aws"


def _home_region(result) -> str:
    return (result.inventory.regions or ("us-east-1",))[0]


def ocsf_event(rec: dict[str, Any], generated_at: str):
    from py_ocsf_models.events.findings.detection_finding import DetectionFinding
    from py_ocsf_models.events.findings.detection_finding_type_id import DetectionFindingTypeID
    from py_ocsf_models.objects.account import Account, TypeID
    from py_ocsf_models.objects.cloud import Cloud
    from py_ocsf_models.objects.evidence_artifacts import EvidenceArtifacts
    from py_ocsf_models.objects.finding_info import FindingInformation
    from py_ocsf_models.objects.metadata import Metadata
    from py_ocsf_models.objects.product import Product
    from py_ocsf_models.objects.remediation import Remediation
    from py_ocsf_models.objects.resource_details import ResourceDetails

    when = _epoch_ms(generated_at)
    account = rec["account_id"]
    region = None if rec["region"] == "global" else rec["region"]
    suppressed = rec["muted"]
    return DetectionFinding(
        activity_id=1, activity_name="Create", type_uid=DetectionFindingTypeID.Create,
        type_name="Detection Finding: Create", time=when,
        severity_id=OCSF_SEVERITY[rec["severity"]], severity=rec["severity"].capitalize(),
        status_id=3 if suppressed else 1, status="Suppressed" if suppressed else "New",
        status_code=rec["status"], status_detail=rec.get("mute_reason"),
        message=rec["message"],
        metadata=Metadata(product=Product(name="ecs-auditor", vendor_name="ecs-auditor",
                                          version=__version__, uid="ecs-auditor"),
                          event_code=rec["rule_id"], profiles=["cloud"]),
        finding_info=FindingInformation(uid=rec["fingerprint"], title=rec["title"], desc=rec["message"],
                                        types=[rec["category"]], created_time=when,
                                        src_url=(rec["references"] or [None])[0]),
        cloud=Cloud(provider="AWS", region=region,
                    account=Account(uid=account, name=account, type_id=TypeID.AWS_Account,
                                    type="AWS Account")),
        resources=[ResourceDetails(uid=rec["resource_arn"], name=rec["resource_arn"].rsplit("/", 1)[-1],
                                   type=AWS_TYPES.get(rec["resource_type"], rec["resource_type"]),
                                   region=region, cloud_partition=_partition(rec["resource_arn"]),
                                   data={"account_id": account, "related_arns": rec["related_arns"]})],
        remediation=Remediation(desc=rec["remediation"], references=rec["references"] or None),
        evidences=[EvidenceArtifacts(name="evidence", data=rec["evidence"])] if rec["evidence"] else None,
        unmapped={"compliance": rec["compliance"], "rule_name": rec["rule_name"]},
    )


def ocsf_events(result, status: tuple[str, ...] = ("fail",)) -> list[dict[str, Any]]:
    return [ocsf_event(r, result.generated_at).model_dump(mode="json", exclude_none=True)
            for r in records(result, status)]


def write_ocsf(result, folder: Path, options) -> list[Path]:
    path = folder / "findings.ocsf.json"
    return [atomic_write_text(path, json.dumps(ocsf_events(result, options.status), default=str))]


def _requirement(c: dict[str, str]) -> str:
    return f"{FRAMEWORKS[c['framework']].name} v{c['version']}/{c['control']}"


def asff_finding(rec: dict[str, Any], account: str, home: str, generated_at: str) -> dict[str, Any]:
    """One ASFF finding; its Id is stable across runs (the fingerprint), so a re-import updates
    it and an archive finds it."""
    partition = _partition(rec["resource_arn"])
    region = rec["region"] if rec["region"] != "global" else home
    passed = rec["status"] == "PASS"
    types = [f"Software and Configuration Checks/AWS Security Best Practices/"
             f"{ASFF_CLASSIFIER[rec['category']]}"]
    if rec["compliance"]:
        types.append("Software and Configuration Checks/Industry and Regulatory Standards/"
                     + FRAMEWORKS[rec["compliance"][0]["framework"]].name)
    if rec["rule_id"] in ESCALATION_RULES:
        types.append("TTPs/Privilege Escalation")
    finding = {
        "SchemaVersion": "2018-10-08",
        "Id": f"ecs-auditor/{account}/{rec['rule_id']}/{rec['fingerprint']}",
        "ProductArn": f"arn:{partition}:securityhub:{home}:{account}:product/{account}/default",
        "GeneratorId": rec["rule_id"],
        "AwsAccountId": account,
        "Types": types,
        "CreatedAt": generated_at, "UpdatedAt": generated_at,
        "Severity": {"Label": "INFORMATIONAL" if passed else ASFF_SEVERITY[rec["severity"]],
                     "Original": rec["severity"]},
        "Title": rec["title"][:256],
        "Description": rec["message"][:1024],
        "Remediation": {"Recommendation": {"Text": rec["remediation"][:512]}},
        "ProductFields": {"ProviderName": "ecs-auditor", "ProviderVersion": __version__,
                          "ecs-auditor/RuleName": rec["rule_name"],
                          "ecs-auditor/Fingerprint": rec["fingerprint"]},
        "Resources": [{"Type": AWS_TYPES.get(rec["resource_type"], "Other"), "Id": rec["resource_arn"],
                       "Partition": partition, "Region": region}],
        "Compliance": {"Status": "PASSED" if passed else "FAILED"},
        "Workflow": {"Status": "SUPPRESSED" if rec["muted"] else "NEW"},
        "RecordState": "ACTIVE",
    }
    if rec["references"]:
        finding["Remediation"]["Recommendation"]["Url"] = rec["references"][0]
        finding["SourceUrl"] = rec["references"][0]
    if rec["compliance"]:  # at most 32 requirements (ASFF)
        finding["Compliance"]["RelatedRequirements"] = [_requirement(c) for c in rec["compliance"]][:32]
    if rec.get("mute_reason"):
        finding["Note"] = {"Text": f"muted: {rec['mute_reason']}"[:512], "UpdatedBy": "ecs-auditor",
                           "UpdatedAt": generated_at}
    return finding


def asff_findings(result, status: tuple[str, ...] = ("fail",),
                  home: str | None = None) -> list[dict[str, Any]]:
    """`home`: the Security Hub region they are for (default: the first audited region)."""
    account, home = result.inventory.account_id, home or _home_region(result)
    stamp = result.generated_at or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [asff_finding(r, account, home, stamp) for r in records(result, status)]


def write_asff(result, folder: Path, options) -> list[Path]:
    path = folder / "findings.asff.json"
    return [atomic_write_text(path, json.dumps(asff_findings(result, options.status)))]
