"""Small hand-built inventories, policies and rule runners: the builders every test shares."""

from __future__ import annotations

import json

from auditor.model import (
    Cluster,
    ContainerDefinition,
    ContainerInstance,
    Ec2Instance,
    InlinePolicy,
    InstanceProfile,
    Inventory,
    ManagedPolicy,
    Role,
    SecretRef,
    Service,
    TaskDefinition,
    User,
)
from auditor.rules.context import AuditContext
from auditor.rules.engine import load_rules, run_rules

ACCT = "111122223333"
R = "us-east-1"
CLUSTER = f"arn:aws:ecs:{R}:{ACCT}:cluster/c"
ECS_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
    "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": ACCT}}}]}
EC2_TRUST = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}


def policy(*statements: dict) -> dict:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*", **kw) -> dict:
    return {"Effect": "Allow", "Action": action, "Resource": resource, **kw}


def role(name: str, *statements: dict, trust: dict = ECS_TRUST) -> Role:
    inline = (InlinePolicy("p", policy(*statements)),) if statements else ()
    return Role(arn=f"arn:aws:iam::{ACCT}:role/{name}", name=name, trust_policy=trust,
                inline_policies=inline)


def user(name: str, *statements: dict) -> User:
    return User(arn=f"arn:aws:iam::{ACCT}:user/{name}", name=name,
                inline_policies=(InlinePolicy("p", policy(*statements)),))


def task_def(family: str, network_mode: str | None = "awsvpc", task_role: Role | None = None,
             execution_role: Role | None = None, compat=("EC2",), **kw) -> TaskDefinition:
    containers = kw.pop("containers", (ContainerDefinition(name="app", image="nginx@sha256:1"),))
    return TaskDefinition(arn=f"arn:aws:ecs:{R}:{ACCT}:task-definition/{family}:1", family=family,
                          revision=1, region=R, network_mode=network_mode,
                          task_role_arn=task_role.arn if task_role else None,
                          execution_role_arn=execution_role.arn if execution_role else None,
                          requires_compatibilities=tuple(compat), containers=tuple(containers),
                          **kw)


def service(name: str, td: TaskDefinition, launch: str = "EC2", **kw) -> Service:
    return Service(arn=f"arn:aws:ecs:{R}:{ACCT}:service/c/{name}", name=name, cluster_arn=CLUSTER,
                   region=R, task_definition_arn=td.arn, launch_type=launch, desired_count=2, **kw)


def host(i: int, instance_role: Role, tokens: str = "required", hops: int = 1,
         endpoint: str = "enabled") -> tuple[ContainerInstance, Ec2Instance, InstanceProfile]:
    profile = InstanceProfile(arn=f"arn:aws:iam::{ACCT}:instance-profile/p-{instance_role.name}",
                              name=f"p-{instance_role.name}", role_arns=(instance_role.arn,))
    inst = Ec2Instance(instance_id=f"i-{i:04d}", region=R, instance_type="m5.large",
                       instance_profile_arn=profile.arn, http_tokens=tokens,
                       http_put_response_hop_limit=hops, http_endpoint=endpoint)
    ci = ContainerInstance(arn=f"arn:aws:ecs:{R}:{ACCT}:container-instance/c/{i}",
                           cluster_arn=CLUSTER, region=R, ec2_instance_id=inst.instance_id,
                           registered_cpu=2048, registered_memory=7680)
    return ci, inst, profile


def inventory(roles=(), users=(), tds=(), services=(), hosts=(), **kw) -> Inventory:
    cis, insts, profiles = zip(*hosts, strict=True) if hosts else ((), (), ())
    kw.setdefault("regions", (R,))
    kw.setdefault("account_id", ACCT)
    return Inventory(clusters=(Cluster(arn=CLUSTER, name="c", region=R,
                                       settings={"containerInsights": "enabled"}),),
                     roles=tuple(roles), users=tuple(users), task_definitions=tuple(tds),
                     services=tuple(services), container_instances=tuple(cis),
                     ec2_instances=tuple(insts), instance_profiles=tuple(dict.fromkeys(profiles)),
                     **kw)


ECR_IMAGE = f"{ACCT}.dkr.ecr.{R}.amazonaws.com/app@sha256:1"
LOGS = {"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/app", "awslogs-region": R}}


def fargate_app(execution_role=None, task_role=None, secrets=(), **kw) -> Inventory:
    """A Fargate service whose container pulls from ECR, logs with awslogs and injects secrets."""
    c = ContainerDefinition(name="app", image=ECR_IMAGE, log_configuration=LOGS,
                            secrets=tuple(SecretRef(n, v) for n, v in secrets))
    td = task_def("app", task_role=task_role, execution_role=execution_role, compat=("FARGATE",),
                  containers=(c,), **kw)
    roles = [r for r in (execution_role, task_role) if r]
    return inventory(roles=list({r.arn: r for r in roles}.values()), tds=[td],
                     services=[service("app", td, "FARGATE")])


def dumps(obj) -> str:
    return json.dumps(obj, sort_keys=True)

# IAM-only inventories: roles with inline documents, managed policies and a boundary.
def iam_role(name: str, *docs: dict, managed: tuple[ManagedPolicy, ...] = (),
         boundary: ManagedPolicy | None = None, trust: dict | None = None) -> tuple[Role, list]:
    r = Role(arn=f"arn:aws:iam::{ACCT}:role/{name}", name=name, trust_policy=trust,
             inline_policies=tuple(InlinePolicy(f"p{i}", d) for i, d in enumerate(docs)),
             attached_policy_arns=tuple(m.arn for m in managed),
             permissions_boundary_arn=boundary.arn if boundary else None)
    return r, [*managed, *([boundary] if boundary else [])]


def iam_inventory(*roles_and_policies) -> Inventory:
    roles, policies = [], {}
    for r, pols in roles_and_policies:
        roles.append(r)
        policies.update({p.arn: p for p in pols})
    return Inventory(account_id=ACCT, roles=tuple(roles), managed_policies=tuple(policies.values()))


def managed(name: str, doc: dict | None) -> ManagedPolicy:
    return ManagedPolicy(arn=f"arn:aws:iam::{ACCT}:policy/{name}", name=name,
                         default_version_id="v2", document=doc)


def stmt(effect="Allow", action=None, resource="*", **kw) -> dict:
    d = {"Effect": effect, **kw}
    if action is not None:
        d["Action"] = action
    if resource is not None and "NotResource" not in kw:
        d["Resource"] = resource
    return d


# Running rules on a hand-built inventory.
def findings(inv, code: str | None = None):
    found, failures = run_rules(AuditContext(inv), [code] if code else None)
    assert failures == [], failures
    return found


def fires(inv, code: str) -> list:
    assert code in load_rules()
    return findings(inv, code)
