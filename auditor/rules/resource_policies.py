"""Rules I401–I404: what the resources ECS workloads use let others do — a bucket, secret, key,
queue or topic shared with another account or with anyone, an image repository others may push
to, a key anyone in the account may administer."""

from __future__ import annotations

from collections.abc import Iterator

from auditor.graph.resources import outsiders
from auditor.iam.evaluate import DENIED
from auditor.rules.context import AuditContext
from auditor.rules.engine import Hit, rule
from auditor.rules.reads import IAM, KEYS, REPOSITORIES, SHARED_DATA, WORKLOADS
from auditor.rules.resource_use import DATA_ACTIONS, PUSH_ACTIONS

TYPES = {"s3": "s3-bucket", "secretsmanager": "secretsmanager-secret", "kms": "kms-key",
         "sqs": "sqs-queue", "sns": "sns-topic", "ecr": "ecr-repository"}
KEY_ADMIN = ("kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:DisableKey", "kms:CreateGrant")


def _blocked_public(ctx: AuditContext, arn: str) -> bool:
    """S3 Block Public Access with RestrictPublicBuckets (bucket or account) takes a public
    policy's effect away (S3 User Guide, "Blocking public access to your Amazon S3 storage")."""
    r = ctx.ix.resource_policy.get(arn)
    if r is None or r.service != "s3":
        return False
    blocks = [b for b in (r.public_access_block, ctx.inv.account_public_access_block) if b]
    return any(b.get("RestrictPublicBuckets") for b in blocks)


def _admitted(ctx: AuditContext, reach: str, actions: tuple[str, ...], services=None) -> Iterator[tuple]:
    account = ctx.inv.account_id
    for arn, use in sorted(ctx.used_resources.items()):
        if services and use.service not in services:
            continue
        layer = ctx.model.layers[arn]
        probe = f"{arn}/ecs-auditor-probe" if use.service == "s3" else arn
        who: dict[str, dict] = {}
        for action in actions or DATA_ACTIONS[use.service]:
            for o in outsiders(layer, action, probe, account):
                if o.reach == reach:
                    entry = who.setdefault(o.arn, {"principal": o.arn, "actions": [], "decision": o.decision,
                                                   "statement": o.statement})
                    entry["actions"].append(action)
        if reach == "external" and layer.kms:
            for g in layer.grants:
                grantee = str(g.get("GranteePrincipal") or "")
                if grantee.startswith("arn:") and grantee.split(":")[4] not in ("", account):
                    who.setdefault(grantee, {"principal": grantee, "actions": list(g.get("Operations") or []),
                                             "decision": "allowed", "statement": "KMS grant"})
        if who:
            yield arn, use, layer, sorted(who.values(), key=lambda e: e["principal"])


def _hit(use, layer, message: str, admitted: list[dict], **evidence) -> Hit:
    return Hit(resource_arn=use.arn, resource_type=TYPES[use.service], region=use.region, message=message,
               evidence={"policy": layer.source, "admitted": admitted, "used_by_roles": list(use.roles),
                         **evidence},
               related_arns=use.workloads, exposure_of=use.workloads)


@rule("I401", "workload-data-shared-cross-account", "high",
      "Data an ECS workload uses is open to another account", reads=WORKLOADS + IAM + SHARED_DATA + KEYS,
      subjects="shared-resource")
def shared_cross_account(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds buckets, secrets, KMS keys, queues and topics that an ECS workload
    reads or writes whose resource policy (or a KMS grant) lets another account read or write them.

    Why is this bad: The data the service depends on can be read, changed or poisoned from an
    account whose security you do not control; across accounts only that account's IAM stands in
    the way.

    Example: A bucket policy granting s3:GetObject to arn:aws:iam::999988887777:root.

    Remediation: Remove the other account from the policy, or narrow it to named roles and add
    aws:PrincipalOrgID / aws:SourceAccount conditions; review KMS grants.

    References:
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/example-walkthroughs-managing-access-example2.html
    """
    for _arn, use, layer, who in _admitted(ctx, "external", ()):
        names = ", ".join(w["principal"] for w in who[:3])
        actions = sorted({a for w in who for a in w["actions"]})
        yield _hit(use, layer, f"The {layer.source}, which ECS workloads use, lets another account do "
                   f"{', '.join(actions)}: {names}.", who)


@rule("I402", "workload-data-public", "critical", "Data an ECS workload uses is open to anyone",
      reads=WORKLOADS + IAM + SHARED_DATA + KEYS, subjects="shared-resource")
def shared_public(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds buckets, secrets, KMS keys, queues and topics an ECS workload reads or
    writes whose resource policy allows `Principal: *` without a condition that limits it to
    the organisation, an account, a VPC or a source (S3 Block Public Access with
    RestrictPublicBuckets takes a public bucket policy's effect away, and then it does not fire).

    Why is this bad: Anyone on the internet with any AWS credentials can read or write them.

    Example: A queue policy allowing sqs:SendMessage to "*".

    Remediation: Name the principals, or add aws:PrincipalOrgID or aws:SourceAccount; turn on
    Block Public Access for S3.

    References:
    - https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html
    - https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html
    """
    for arn, use, layer, who in _admitted(ctx, "public", ()):
        if _blocked_public(ctx, arn):
            continue
        unknown_block = ctx.ix.resource_policy.get(arn) is not None and \
            ctx.ix.resource_policy[arn].service == "s3" and "unknown" in (
                ctx.ix.resource_policy[arn].block_status, ctx.inv.account_block_status)
        actions = sorted({a for w in who for a in w["actions"]})
        yield _hit(use, layer, f"The {layer.source}, which ECS workloads use, lets anyone do "
                   f"{', '.join(actions)}.", who,
                   block_public_access="unknown" if unknown_block else "off")


@rule("I403", "workload-image-repo-writable-by-others", "critical",
      "Image repository of an ECS workload can be pushed to by others",
      reads=WORKLOADS + REPOSITORIES, subjects="image-repository")
def repo_writable(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds ECR repositories that task definitions pull images from whose
    repository policy lets another account, or anyone, push (ecr:PutImage and the layer upload
    actions).

    Why is this bad: Whoever can push can replace the image the task runs, and so run code with
    the task role (and, on EC2, whatever the instance role gives), at the next deployment or
    scale-out, more so with a mutable tag.

    Example: A repository policy allowing ecr:* to arn:aws:iam::999988887777:root.

    Remediation: Allow other accounts only the pull actions; make tags immutable and pin images
    by digest.

    References:
    - https://docs.aws.amazon.com/AmazonECR/latest/userguide/repository-policy-examples.html
    - https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-tag-mutability.html
    """
    for reach in ("public", "external"):
        for arn, use, layer, who in _admitted(ctx, reach, PUSH_ACTIONS, services=("ecr",)):
            tags = ctx.ix.resource_policy[arn].tag_mutability
            whom = "anyone" if reach == "public" else "another account"
            yield _hit(use, layer, f"The {layer.source} lets {whom} push images that ECS workloads run"
                       f"{' (tags are mutable)' if tags == 'MUTABLE' else ''}.",
                       who, reach=reach, tag_mutability=tags)


@rule("I404", "workload-key-administrable-by-account", "medium",
      "KMS key of an ECS workload can be administered broadly in the account",
      reads=WORKLOADS + IAM + KEYS, subjects="workload-key")
def key_administrable(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds customer managed KMS keys that ECS workloads use (their secrets,
    parameters, file systems or data) whose key policy delegates kms:* to the account root with
    no condition, and lists the principals (other than admins) that identity policies then let
    administer the key (kms:PutKeyPolicy, ScheduleKeyDeletion, DisableKey, CreateGrant).

    Why is this bad: Whoever can change the key policy or schedule the key's deletion can lock
    the workload out of its data or grant themselves decryption.

    Example: The default key policy ("Enable IAM User Permissions") and a CI role with kms:* on *.

    Remediation: Name the key administrators in the key policy instead of delegating kms:* to the
    root, or scope identity policies' key administration to named keys and roles.

    References:
    - https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
    """
    account = ctx.inv.account_id
    for arn, use in sorted(ctx.used_resources.items()):
        key = ctx.ix.kms_key.get(arn)
        layer = ctx.model.layers[arn]
        if key is None or key.manager != "CUSTOMER" or not layer.statements:
            continue
        names = {f"arn:aws:iam::{account}:root", account}
        delegating = [st for st in layer.statements if st.effect == "Allow" and not st.conditions
                      and names & set((st.principals or {}).get("AWS", ()))
                      and "kms:*" in {a.lower() for a in st.actions}]
        if not delegating:
            continue
        admins = []
        for p_arn in sorted(ctx.model.principals):
            if ctx.model.is_admin(p_arn):
                continue
            can = [a for a in KEY_ADMIN if ctx.model.decide(p_arn, a, arn).decision != DENIED]
            if can:
                admins.append({"principal": p_arn, "actions": can})
        if admins:
            name = key.aliases[0] if key.aliases else key.key_id
            yield _hit(use, layer, f"Key {name} delegates kms:* to the account and {len(admins)} "
                       "non-admin principal(s) may administer it.", admins,
                       delegating_statement=delegating[0].sid or "")
