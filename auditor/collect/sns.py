"""SNS topics: each one's policy and encryption key."""

from __future__ import annotations

from auditor.collect.base import CallLedger, Clients
from auditor.collect.limits import checked, paginate
from auditor.model import ResourcePolicy

ACTIONS: dict[str, tuple[str, ...]] = {
    "sns:ListTopics": (),
    "sns:GetTopicAttributes": ("sns:ListTopics",),
}


def get_topics(clients: Clients, ledger: CallLedger, region: str) -> list[ResourcePolicy]:
    sns = clients("sns", region)
    topics = ledger.guard("sns", region, "ListTopics", lambda: paginate(sns, "list_topics", "Topics")) or []
    out = []
    for t in topics:
        arn = t["TopicArn"]
        resp = ledger.guard("sns", region, "GetTopicAttributes", lambda a=arn: checked(
            sns.get_topic_attributes(TopicArn=a), "Attributes", "GetTopicAttributes"), resource=arn)
        attrs = (resp or {}).get("Attributes", {})
        policy = attrs.get("Policy")
        status = "unknown" if resp is None else "present" if policy else "none"
        out.append(ResourcePolicy(arn, "sns", region, arn.rsplit(":", 1)[-1], policy, status,
                                  attrs.get("KmsMasterKeyId")))
    return out
