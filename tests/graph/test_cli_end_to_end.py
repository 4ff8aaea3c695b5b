"""`who-can` and `what-can` on a snapshot collected from the moto server, through the CLI."""

from __future__ import annotations

import json

import networkx as nx

from auditor.graph import AccessModel, build_graph, write_graphml, write_node_link
from tests.conftest import run_cli


def test_what_can_a_service_on_ec2_includes_the_instance_role(demo_snapshot):
    path, inv, seeded = demo_snapshot
    proc = run_cli("what-can", seeded.services["cache-proxy"], "--snapshot", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    # cache-proxy has no task role and runs in bridge mode on hosts with hop limit 2; ECS
    # itself uses the execution role, which is listed apart from what the containers hold.
    assert [(p["role_arn"], p["via"]) for p in out["principals"]] == [
        (seeded.roles["ecs-instance"], "instance-role"),
        (seeded.roles["ecs-task-execution"], "execution-role")]
    held = {p["action"] for p in out["permissions"] if p["via_role"] == seeded.roles["ecs-instance"]}
    assert {"s3:putobject", "ec2:terminateinstances"} <= held


def test_what_can_with_an_action_filter(demo_snapshot):
    path, _, seeded = demo_snapshot
    proc = run_cli("what-can", seeded.task_definitions["web"], "--snapshot", str(path),
                   "--action", "s3:*", "--json")
    out = json.loads(proc.stdout)
    assert {p["action"] for p in out["permissions"]} == {"s3:getobject", "s3:listbucket"}
    assert {p["via"] for p in out["principals"]} == {"task-role", "execution-role"}


def test_who_can_lists_roles_workloads_and_escalation_paths(demo_snapshot):
    path, _, seeded = demo_snapshot
    proc = run_cli("who-can", "iam:CreateUser", "--snapshot", str(path), "--json")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    by_arn = {p["arn"]: p for p in out["principals"]}
    admin = by_arn[seeded.roles["admin-tool-task"]]
    assert admin["path"] == [] and {"arn": seeded.services["admin-tool"], "via": "task-role"} \
        in admin["workloads"]
    ci = by_arn["arn:aws:iam::123456789012:user/ci-deployer"]
    assert [s["action"] for s in ci["path"]][0] == "iam:PassRole"
    text = run_cli("who-can", "iam:CreateUser", "--snapshot", str(path))
    assert "in the steps below" in text.stdout and "-> admin-tool-task" in text.stdout


def test_who_can_rejects_an_unknown_action_in_one_line(demo_snapshot):
    path, _, _ = demo_snapshot
    proc = run_cli("who-can", "s3:GetObjekt", "--snapshot", str(path))
    assert proc.returncode == 2 and "s3:GetObject" in proc.stderr
    assert proc.stderr.count("\n") == 1


def test_graph_exports_load_back(demo_snapshot, tmp_path):
    _, inv, seeded = demo_snapshot
    g = build_graph(AccessModel(inv))
    td = seeded.task_definitions["web"]
    assert g.has_edge(seeded.services["web"], td, key="runs")
    assert g.has_edge(td, seeded.roles["web-task"], key="task-role")
    assert g.has_edge(td, seeded.roles["ecs-task-execution"], key="execution-role")
    assert g.has_edge(seeded.task_definitions["cache-proxy"], seeded.roles["ecs-instance"],
                      key="reaches-instance-role-via-imds")
    back = nx.read_graphml(write_graphml(g, tmp_path / "g.graphml"))
    assert back.number_of_nodes() == g.number_of_nodes()
    data = json.loads(write_node_link(g, tmp_path / "g.json").read_text())
    assert len(data["links"]) == g.number_of_edges()


def test_who_can_follows_paths_of_any_length_on_the_demo(demo_snapshot):
    """The demo's API task role may become ci-helper (sts:AssumeRole, trusted by the account),
    which can run a task with the admin role: two hops, every step shown."""
    path, _, seeded = demo_snapshot
    out = json.loads(run_cli("who-can", "iam:CreateUser", "--snapshot", str(path), "--json").stdout)
    by_arn = {p["arn"]: p for p in out["principals"]}
    api = by_arn[seeded.roles["api-task"]]
    assert [s["action"] for s in api["path"]] == ["sts:AssumeRole", "iam:PassRole",
                                                 "ecs:RegisterTaskDefinition", "ecs:RunTask"]
    assert api["path"][0]["to"] == seeded.roles["ci-helper"]
    assert api["via_role"] == seeded.roles["admin-tool-task"]
    # Every principal listed can do it itself or has a path; the ones with neither are absent.
    assert all(p["path"] or p["decision"] == "allowed" for p in out["principals"])
    for weak in ("web-task", "worker-task", "files-task"):
        assert seeded.roles[weak] not in by_arn
