"""SQS queues: each one's policy and encryption key."""

from __future__ import annotations

from auditor.collect.base import CallLedger, Clients
from auditor.collect.limits import checked
from auditor.model import ResourcePolicy

ACTIONS: dict[str, tuple[str, ...]] = {
    "sqs:ListQueues": (),
    "sqs:GetQueueAttributes": ("sqs:ListQueues",),
}


def _list(sqs) -> list[str]:
    # An account without queues answers with no QueueUrls key at all (not malformed).
    out, token, pages = [], None, 0
    while True:
        page = sqs.list_queues(MaxResults=1000, **({"NextToken": token} if token else {}))
        out += page.get("QueueUrls", [])
        token, pages = page.get("NextToken"), pages + 1
        if not token or pages >= getattr(sqs, "max_pages", 1000):
            return out


def get_queues(clients: Clients, ledger: CallLedger, region: str) -> list[ResourcePolicy]:
    sqs = clients("sqs", region)
    urls = ledger.guard("sqs", region, "ListQueues", lambda: _list(sqs))
    out = []
    for url in urls or []:
        name = url.rstrip("/").rsplit("/", 1)[-1]
        resp = ledger.guard("sqs", region, "GetQueueAttributes", lambda u=url: checked(
            sqs.get_queue_attributes(QueueUrl=u, AttributeNames=["QueueArn", "Policy", "KmsMasterKeyId"]),
            "Attributes", "GetQueueAttributes"), resource=url)
        if resp is None:
            out.append(ResourcePolicy(f"sqs-url:{url}", "sqs", region, name, url=url))
            continue
        attrs = resp["Attributes"]
        policy = attrs.get("Policy")
        out.append(ResourcePolicy(attrs.get("QueueArn", url), "sqs", region, name, policy,
                                  "present" if policy else "none", attrs.get("KmsMasterKeyId"), url=url))
    return out
