"""Rules K101–K106 (auditor.rules.cost): K103 and K105 here; K101, K102, K104 and K106 fire on
the demo account, and their figures are checked in tests/advice/test_costs.py."""

from __future__ import annotations

from dataclasses import replace

from auditor.audit import audit
from auditor.model import ContainerInstance, Ec2Instance
from tests.builders import CLUSTER, R, inventory, service, task_def


def with_count(s, n):
    return replace(s, desired_count=n)


def test_k103_many_small_fargate_tasks_pack_cheaper_on_t3():
    td = task_def("small", compat=("FARGATE",), cpu="256", memory="512")
    inv = inventory(tds=[td], services=[with_count(service("small", td, "FARGATE"), 14)])
    [f] = [f for f in audit(inv, instance_family="t3").findings if f.rule_id == "K103"]
    # Fargate: 14 x (0.25 x 0.04048 + 0.5 x 0.004445) x 730; EC2: 7 tasks per t3.medium -> 2.
    assert f.evidence["recommended"] == "EC2: 2 x t3.medium"
    assert f.evidence["monthly_cost_usd"] == round(14 * (0.25 * 0.04048 + 0.5 * 0.004445) * 730, 2)
    assert f.evidence["recommended_monthly_cost_usd"] == round(2 * 0.0416 * 730, 2)
    # On m6i (the default family) the same tasks are not 20% cheaper: no finding.
    assert [f for f in audit(inv).findings if f.rule_id == "K103"] == []


def host(i, itype, cpu, mem, remaining_cpu=None, remaining_mem=None):
    inst = Ec2Instance(instance_id=f"i-{i}", region=R, instance_type=itype)
    ci = ContainerInstance(arn=f"arn:aws:ecs:{R}:1:container-instance/c/{i}", cluster_arn=CLUSTER,
                           region=R, ec2_instance_id=inst.instance_id, registered_cpu=cpu,
                           registered_memory=mem,
                           remaining_cpu=cpu if remaining_cpu is None else remaining_cpu,
                           remaining_memory=mem if remaining_mem is None else remaining_mem)
    return ci, inst


def ec2_inventory(td, hosts, count=1):
    cis, insts = zip(*hosts, strict=True)
    inv = inventory(tds=[td], services=[with_count(service("app", td), count)])
    return replace(inv, container_instances=cis, ec2_instances=insts)


def test_k103_memory_heavy_ec2_task_is_cheaper_on_fargate():
    td = task_def("app", network_mode="awsvpc", cpu="256", memory="7680")
    inv = ec2_inventory(td, [host(1, "m5.large", 2048, 7680, 1792, 0)])
    [f] = [f for f in audit(inv).findings if f.rule_id == "K103"]
    assert f.evidence["recommended"] == "Fargate: 1 x 1 vCPU / 8 GB"
    bridge = task_def("app", network_mode="bridge", cpu="256", memory="7680")
    # A bridge-mode task has an L101 blocker: Fargate is not offered.
    assert [f for f in audit(ec2_inventory(bridge, [host(1, "m5.large", 2048, 7680, 1792, 0)])).findings
            if f.rule_id == "K103"] == []


def test_k105_idle_cluster_and_busy_near_miss():
    td = task_def("app", network_mode="bridge", cpu="256", memory="512")
    idle = ec2_inventory(td, [host(i, "m5.large", 2048, 7680, 2048 - 256 * (i == 1), 7680 - 512 * (i == 1))
                              for i in range(1, 4)])
    [f] = [f for f in audit(idle).findings if f.rule_id == "K105"]
    assert f.evidence["recommended"] == "1 instance(s)"
    assert f.evidence["monthly_saving_usd"] == round(2 * 0.096 * 730, 2)
    busy = ec2_inventory(td, [host(1, "m5.large", 2048, 7680, 1024, 3000)])
    assert [f for f in audit(busy).findings if f.rule_id == "K105"] == []
