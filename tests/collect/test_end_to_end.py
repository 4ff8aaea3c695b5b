"""The real `ecs-auditor collect` against a moto server over HTTP."""

from __future__ import annotations

from collections import Counter

from bench.bounds import lower_bound


def test_every_seeded_resource_is_in_the_snapshot(demo_snapshot):
    _, inv, seeded = demo_snapshot
    assert inv.account_id == "123456789012"
    assert inv.gaps == ()
    assert {c.arn for c in inv.clusters} == set(seeded.clusters.values())
    assert {s.arn for s in inv.services} == set(seeded.services.values())
    assert set(seeded.task_definitions.values()) <= {t.arn for t in inv.task_definitions}
    roles = {r.name for r in inv.roles}
    assert set(seeded.roles) <= roles
    profile = next(p for p in inv.instance_profiles if p.name == "ecs-instance-profile")
    assert profile.role_arns == (seeded.roles["ecs-instance"],)
    assert {i.instance_id for i in inv.ec2_instances} == set(seeded.instances.values())
    assert {i.ec2_instance_id for i in inv.container_instances} == set(seeded.instances.values())
    assert set(seeded.target_groups.values()) == {t.arn for t in inv.target_groups}
    lbs = {lb.name: lb for lb in inv.load_balancers}
    assert {"public-alb", "internal-alb", "ingest-nlb", "legacy-clb"} == set(lbs)
    assert lbs["legacy-clb"].type == "classic" and lbs["ingest-nlb"].type == "network"
    assert {f.file_system_id for f in inv.file_systems} == set(seeded.file_systems.values())
    assert {a.access_point_id for a in inv.access_points} == set(seeded.access_points.values())
    assert {u.service_arn for u in inv.utilisation} == {s.arn for s in inv.services}


def test_fields_that_rules_depend_on_survive_collection(demo_snapshot):
    _, inv, seeded = demo_snapshot
    ix = inv.index
    admin = ix.service[seeded.services["admin-tool"]]
    assert admin.enable_execute_command is True
    assert admin.assign_public_ip == "ENABLED"
    assert ix.service[seeded.services["reports"]].platform_version == "1.3.0"
    daemon = ix.service[seeded.services["metrics-agent"]]
    assert daemon.scheduling_strategy == "DAEMON"
    hosts = [i for i in inv.ec2_instances if i.http_tokens == "required"]
    assert len(hosts) == 2 and all(h.http_put_response_hop_limit == 2 for h in hosts)
    assert all(h.instance_profile_arn and h.instance_profile_arn.endswith("/ecs-instance-profile")
               for h in inv.ec2_instances)
    files = ix.task_definition[seeded.task_definitions["files"]]
    efs = files.volumes[0].efs
    assert efs.iam == "ENABLED" and efs.access_point_id == seeded.access_points["files"]
    shared = ix.file_system[("us-east-1", seeded.file_systems["shared"])]
    assert shared.policy_status == "present" and shared.encrypted
    legacy = ix.file_system[("us-east-1", seeded.file_systems["legacy"])]
    assert legacy.policy_status == "none" and not legacy.encrypted
    util = ix.utilisation[seeded.services["api"]]
    assert len(util.cpu_average) >= 300 and max(util.cpu_average) < 15


def test_call_counts_equal_the_lower_bound(demo_snapshot):
    _, inv, seeded = demo_snapshot
    # The demo's shape, so the bound below is about this account and not a tautology.
    assert len(inv.clusters) == 3 and len(inv.services) == len(seeded.services) == 14
    assert Counter(inv.call_counts) == lower_bound(inv)
