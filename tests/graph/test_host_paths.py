"""Host-level paths (#17): the credentials of an instance whose role may call what the ECS
agent calls (ecs:DiscoverPollEndpoint, ecs:Poll) are the credentials of every task on that
instance (ECScape, Sweet Security 2025; ECS Developer Guide, "Security considerations": tasks
on one container instance are not isolated from each other's roles), and a principal allowed
ecs:RegisterContainerInstance on a cluster can join a host to it and be given tasks of its EC2
services (conditional: the scheduler must place one there). Near misses stay quiet."""

from __future__ import annotations

from auditor.audit import audit
from auditor.graph import AccessModel
from auditor.model import Task
from tests.builders import CLUSTER, EC2_TRUST, R, allow, host, inventory, role, service, task_def, user

AGENT = ["ecs:DiscoverPollEndpoint", "ecs:Poll"]
ADMIN = role("admin-task", allow("*"))
ADMIN_TD = task_def("admin", task_role=ADMIN)


def instance_role(actions=AGENT, resource="*"):
    return role("instance", allow(actions, resource), trust=EC2_TRUST)


def running_on(ci, td=ADMIN_TD, n=1):
    return Task(arn=f"arn:aws:ecs:{R}:111122223333:task/c/{n:032x}", cluster_arn=CLUSTER, region=R,
                task_definition_arn=td.arn, launch_type="EC2", container_instance_arn=ci.arn)


def edges(inv, who):
    return [e for e in AccessModel(inv).other_edges.get(who, [])
            if e.kind in ("agent-credentials", "register-instance")]


def i304(inv, who):
    return [f for f in audit(inv).findings if f.rule_id == "I304" and f.resource_arn == who]


def test_the_instance_role_takes_the_role_of_a_task_running_on_its_instance():
    inst = instance_role()
    h = host(1, inst)
    inv = inventory(roles=[inst, ADMIN], tds=[ADMIN_TD], hosts=[h], tasks=(running_on(h[0]),))
    [e] = edges(inv, inst.arn)
    assert e.target == ADMIN.arn and not e.conditional
    assert [s["action"] for s in e.steps] == AGENT and e.steps[-1]["resource"] == h[0].arn
    [f] = i304(inv, inst.arn)
    assert f.severity == "high" and f.evidence["paths"][0]["target_role"] == ADMIN.arn
    entry = next(x for x in audit(inv).who_can("iam:CreateUser").principals if x.arn == inst.arn)
    assert entry.via_role == ADMIN.arn


def test_an_ec2_service_of_the_cluster_is_conditional_until_a_task_lands_there():
    inst = instance_role()
    inv = inventory(roles=[inst, ADMIN], tds=[ADMIN_TD], services=[service("admin", ADMIN_TD, "EC2")],
                    hosts=[host(1, inst)])
    [e] = edges(inv, inst.arn)
    assert e.target == ADMIN.arn and e.conditional and e.steps[-1]["decision"] == "conditional"
    [f] = i304(inv, inst.arn)
    assert f.severity != "high"


def test_agent_near_misses():
    # without ecs:Poll the connection that carries the credentials cannot be opened
    inst = instance_role(["ecs:DiscoverPollEndpoint"])
    h = host(1, inst)
    assert not edges(inventory(roles=[inst, ADMIN], tds=[ADMIN_TD], hosts=[h], tasks=(running_on(h[0]),)),
                     inst.arn)
    # Poll allowed only for another instance
    inst = role("instance", allow("ecs:DiscoverPollEndpoint"),
                allow("ecs:Poll", f"arn:aws:ecs:{R}:111122223333:container-instance/c/other"),
                trust=EC2_TRUST)
    h = host(1, inst)
    assert not edges(inventory(roles=[inst, ADMIN], tds=[ADMIN_TD], hosts=[h], tasks=(running_on(h[0]),)),
                     inst.arn)
    # the task runs on another instance (with another role), and no service places tasks here
    inst, other = instance_role(), role("other-instance", allow("s3:GetObject"), trust=EC2_TRUST)
    h1, h2 = host(1, inst), host(2, other)
    inv = inventory(roles=[inst, other, ADMIN], tds=[ADMIN_TD], hosts=[h1, h2], tasks=(running_on(h2[0]),))
    assert not edges(inv, inst.arn)
    # a Fargate service never lands on the instance
    inst = instance_role()
    fargate_td = task_def("admin", task_role=ADMIN, compat=("FARGATE",))
    inv = inventory(roles=[inst, ADMIN], tds=[fargate_td], services=[service("admin", fargate_td, "FARGATE")],
                    hosts=[host(1, inst)])
    assert not edges(inv, inst.arn)


REGISTER = ["ecs:RegisterContainerInstance", *AGENT]


def cluster_account(ops):
    return inventory(roles=[ADMIN], users=[ops], tds=[ADMIN_TD], services=[service("admin", ADMIN_TD, "EC2")])


def test_registering_a_container_instance_gets_the_tasks_of_ec2_services():
    ops = user("ops", allow(REGISTER))
    inv = cluster_account(ops)
    [e] = edges(inv, ops.arn)
    assert e.target == ADMIN.arn and e.kind == "register-instance" and e.conditional
    assert e.steps[0] == {"action": "ecs:RegisterContainerInstance", "resource": CLUSTER,
                          "decision": "allowed", "note": "a host it controls joins the cluster"}
    [f] = i304(inv, ops.arn)
    assert f.severity != "high"  # it waits for the scheduler


def test_register_near_misses():
    other_cluster = f"arn:aws:ecs:{R}:111122223333:cluster/other"
    scoped = user("ops", allow("ecs:RegisterContainerInstance", other_cluster), allow(AGENT))
    assert not edges(cluster_account(scoped), scoped.arn)
    no_poll = user("ops", allow(["ecs:RegisterContainerInstance", "ecs:DiscoverPollEndpoint"]))
    assert not edges(cluster_account(no_poll), no_poll.arn)
    ops = user("ops", allow(REGISTER))
    fargate_td = task_def("admin", task_role=ADMIN, compat=("FARGATE",))
    inv = inventory(roles=[ADMIN], users=[ops], tds=[fargate_td],
                    services=[service("admin", fargate_td, "FARGATE")])
    assert not edges(inv, ops.arn)


def test_a_weak_workload_reaches_a_co_hosted_admin_task_through_the_instance_role():
    """The chain the issue names: code in a weak workload reaches the instance role through
    IMDS (bridge mode, hop limit 2: I301's verdict), and the instance role, as the host's
    agent, the admin task running beside it. who-can lists the instance role with the agent
    steps and the weak workload as where it is reached from."""
    inst = instance_role()
    weak_role = role("weak-task", allow("s3:GetObject", "arn:aws:s3:::b/*"))
    weak_td = task_def("weak", network_mode="bridge", task_role=weak_role)
    h = host(1, inst, hops=2)
    inv = inventory(roles=[inst, ADMIN, weak_role], tds=[ADMIN_TD, weak_td],
                    services=[service("weak", weak_td)], hosts=[h], tasks=(running_on(h[0]),))
    entry = next(x for x in audit(inv).who_can("iam:CreateUser").principals if x.arn == inst.arn)
    assert entry.via_role == ADMIN.arn and [s["action"] for s in entry.path] == AGENT
    assert weak_td.arn in {c.arn for c in entry.workloads}
    # with IMDSv2 and hop limit 1 the weak workload does not reach the instance role
    h1 = host(1, inst, hops=1)
    inv = inventory(roles=[inst, ADMIN, weak_role], tds=[ADMIN_TD, weak_td],
                    services=[service("weak", weak_td)], hosts=[h1], tasks=(running_on(h1[0]),))
    entry = next(x for x in audit(inv).who_can("iam:CreateUser").principals if x.arn == inst.arn)
    assert weak_td.arn not in {c.arn for c in entry.workloads}


def test_one_edge_per_instance_role_and_task_role_the_surest_kept():
    """Two hosts with the same instance role, the admin task running on the second and its
    service placing tasks on both: one edge, the certain one."""
    inst = instance_role()
    h1, h2 = host(1, inst), host(2, inst)
    inv = inventory(roles=[inst, ADMIN], tds=[ADMIN_TD], services=[service("admin", ADMIN_TD, "EC2")],
                    hosts=[h1, h2], tasks=(running_on(h2[0]),))
    [e] = edges(inv, inst.arn)
    assert not e.conditional and e.steps[-1]["resource"] == h2[0].arn
