"""Which buckets, secrets, keys, queues, topics and repositories ECS workloads use: the resources
rules I401–I404 judge. A resource is used when a workload's role (task, execution, or an
instance role its containers reach) may read or write it by the whole decision, when a task
definition injects it, or, for ECR, when a task definition's image comes from it."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.graph.resources import layer_for
from auditor.iam.evaluate import DENIED
from auditor.iam.glob import resource_glob

# What reading or writing a resource means, per service (a representative data action each).
DATA_ACTIONS = {
    "s3": ("s3:GetObject", "s3:PutObject"),
    "secretsmanager": ("secretsmanager:GetSecretValue", "secretsmanager:PutSecretValue"),
    "kms": ("kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"),
    "sqs": ("sqs:ReceiveMessage", "sqs:SendMessage"),
    "sns": ("sns:Publish", "sns:Subscribe"),
    "ecr": ("ecr:BatchGetImage",),
}
PUSH_ACTIONS = ("ecr:PutImage", "ecr:InitiateLayerUpload", "ecr:UploadLayerPart", "ecr:CompleteLayerUpload")


@dataclass(frozen=True)
class Use:
    arn: str
    service: str
    region: str
    roles: tuple[str, ...]  # the workload roles that read or write it
    workloads: tuple[str, ...]


def _probe(arn: str, service: str) -> str:
    return f"{arn}/ecs-auditor-probe" if service == "s3" else arn


def _names_bucket(p, action: str, bucket_arn: str) -> bool:
    """Does an allow statement name objects of this bucket for the action (b/reports/* too)?"""
    from auditor.iam.evaluate import names_action

    for st in p.statements:
        if st.effect == "Allow" and st.not_resources is None and names_action(st, action):
            for r in st.resources:
                if r != "*" and resource_glob(r.split("/", 1)[0]).fullmatch(bucket_arn):
                    return True
    return False


def _named(layer, p, action: str, arn: str) -> bool:
    from auditor.iam.evaluate import names_action
    from auditor.iam.resource_access import naming

    return any(st.effect == "Allow" and names_action(st, action)
               and naming(st, p.arn, layer.account) == "direct" for st in layer.statements or ())


def used_resources(ctx) -> dict[str, Use]:
    """Read through AuditContext.used_resources (computed once per audit)."""
    model, inv = ctx.model, ctx.inv
    holders: dict[str, set[str]] = {}  # role -> workloads
    for role, kinds in model.role_usage.items():
        for ws in kinds.values():
            holders.setdefault(role, set()).update(w.arn for w in ws)
    out: dict[str, Use] = {}
    region_of = {r.arn: r.region for r in inv.resource_policies} | {k.arn: k.region for k in inv.kms_keys}
    # What task definitions inject (no decision needed, only the resources named).
    injected = {n.resource for w in model.workloads.values()
                for n in model.needs(w.task_definition) if n.action.startswith(("secretsmanager", "kms"))}
    # Collected only because workloads use them: image repositories, and the keys below.
    collected_for_workloads = {r.arn for r in inv.resource_policies if r.service == "ecr"}
    # Keys of the log groups, file systems and parameters workloads use (collected for them).
    for ref in [g.kms_key_id for g in inv.log_groups] + [f.kms_key_id for f in inv.file_systems] + \
            [p.key_id for p in inv.parameters]:
        key = ctx.ix.kms_key_ref.get(ref or "")
        if key:
            collected_for_workloads.add(key.arn)
    for arn, layer in model.layers.items():
        roles, workloads = set(), set()
        for role, ws in holders.items():
            p = model.principals.get(role)
            if p is None:
                continue
            for action in DATA_ACTIONS[layer.service]:
                # Its own policies, or the resource's naming it: a grant to everyone ("*")
                # does not make every workload a user of the resource.
                v = p.decide(action, _probe(arn, layer.service))
                if v.decision != DENIED or _named(layer, p, action, arn) or (
                        layer.service == "s3" and _names_bucket(p, action, arn)):
                    roles.add(role)
                    workloads |= ws
                    break
        if roles or any(layer_for({arn: layer}, r) for r in injected) or arn in collected_for_workloads:
            out[arn] = Use(arn, layer.service, region_of.get(arn, "global"), tuple(sorted(roles)),
                           tuple(sorted(workloads)))
    return out
