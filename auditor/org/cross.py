"""Cross-account analysis, offline, from the per-account facts and snapshots.

Trust is indexed by the account it names (not all pairs of accounts): for each account A
that some role of another account B trusts, A's snapshot is loaded once and each candidate
principal of A is decided by the one engine: its identity policy, boundary and A's SCPs must
allow sts:AssumeRole on B's role, and B's RCPs (sts is an RCP service) must not deny it. A
trust naming A's root admits every principal of A whose own policies allow the call; one
naming a principal admits that principal only (IAM User Guide, "Cross-account policy
evaluation logic": both sides must allow). A condition on either side makes the step
conditional. Then paths of any length run over the union of every account's edges."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from auditor.graph.paths import Edge, admits, shortest_paths
from auditor.iam.evaluate import DENIED
from auditor.iam.organisation import levels_verdict, rcp_levels
from auditor.model.arns import account_of
from auditor.model.org import Organisation


@dataclass
class OrgView:
    """What the organisation rules judge (rules/organisation.py reads it as ctx.org_view)."""

    paths: list[dict] = field(default_factory=list)
    outside_trusts: list[dict] = field(default_factory=list)
    cross_edges: list[dict] = field(default_factory=list)
    principal_subjects: list[tuple[str, str]] = field(default_factory=list)
    role_subjects: list[tuple[str, str]] = field(default_factory=list)


def trust_index(facts: dict[str, dict]) -> dict[str, list[dict]]:
    """Trusted account (or "*") -> the trust entries of roles in other accounts naming it."""
    out: dict[str, list[dict]] = {}
    for f in facts.values():
        for t in f["trusts"]:
            out.setdefault(t["account"], []).append(t)
    return out


def cross_edges(org: Organisation, facts: dict[str, dict],
                load_model: Callable[[str], object]) -> list[dict]:
    index = trust_index(facts)
    anyone = index.get("*", [])
    rcps: dict[str, tuple] = {}  # role account -> its RCP levels, parsed once
    edges = []
    for a in sorted(facts):
        entries = [t for t in index.get(a, []) + anyone if account_of(t["role"]) != a]
        if not entries:
            continue
        model = load_model(a)
        for t in entries:
            b = account_of(t["role"])
            if b not in rcps:
                rcps[b] = rcp_levels(org.controls(b)) if org.account(b) else ()
            kind = "any" if t["principal"] == "*" else "aws"
            for arn, p in sorted(model.principals.items()):
                if not admits(kind, t["principal"], arn, a) or "sts:assumerole" not in p.grants:
                    continue
                v = p.decide("sts:AssumeRole", t["role"])
                if v.decision == DENIED:
                    continue
                rcp = levels_verdict(rcps[b], "sts:AssumeRole", t["role"], {
                    "aws:principalorgid": (org.org_id,), "aws:principalaccount": (a,),
                    "aws:principalarn": (arn,), "aws:principalisawsservice": ("false",)})
                if rcp is not None and rcp.decision == DENIED:
                    continue
                conditional = v.decision != "allowed" or t["conditions"] or \
                    (rcp is not None and rcp.decision != "allowed")
                edges.append({"from": arn, "to": t["role"], "kind": "cross-account",
                              "conditional": bool(conditional), "steps": [{
                                  "action": "sts:AssumeRole", "resource": t["role"],
                                  "decision": "conditional" if conditional else "allowed",
                                  "note": f"{b} trusts {t['principal']}"}]})
        del model  # one account's model at a time
    return edges


def edge_graph(facts: dict[str, dict], extra: list[dict]) -> dict[str, list[Edge]]:
    out: dict[str, list[Edge]] = {}
    for e in [x for f in facts.values() for x in f["edges"]] + extra:
        out.setdefault(e["from"], []).append(Edge(e["to"], e["kind"], e["conditional"], tuple(e["steps"])))
    return out


def path_steps(start: str, hops: list[Edge]) -> list[dict]:
    """A path's steps, each saying which principal takes it and which it becomes."""
    steps, node = [], start
    for e in hops:
        steps += [dict(s, **{"from": node, "to": e.target}) for s in e.steps]
        node = e.target
    return steps


def escalation_paths(facts: dict[str, dict], crossing: list[dict]) -> tuple[list[dict], set[str]]:
    """For each account's admins: the principals of other accounts that reach one, each once
    (its shortest path), when a workload carries it or it makes a cross-account step itself."""
    graph = edge_graph(facts, crossing)
    carriers = {arn: [c["arn"] for c in cs] for f in facts.values() for arn, cs in f["carriers"].items()}
    starters = {e["from"] for e in crossing}
    subjects = set(carriers) | starters
    out = []
    for b in sorted(facts):
        goals = set(facts[b]["admins"])
        if not goals:
            continue
        for start, hops in sorted(shortest_paths(graph, goals).items()):
            if account_of(start) == b or start not in subjects:
                continue
            out.append({"start": start, "target": hops[-1].target, "steps": path_steps(start, hops),
                        "conditional": any(e.conditional for e in hops),
                        "carried_by": carriers.get(start, [])[:10]})
    return out, subjects


def outside_trusts(org: Organisation, facts: dict[str, dict]) -> tuple[list[dict], set[str]]:
    """Roles ECS uses, or reachable from one, that trust an account outside the organisation
    without sts:ExternalId."""
    members = {a.account_id for a in org.accounts} | {org.management_account_id}
    graph = edge_graph(facts, [])
    judged: dict[str, str] = {}
    for f in facts.values():
        for role in f["ecs_roles"]:
            judged.setdefault(role, "used by ECS")
        for role in f["ecs_roles"]:  # and what they reach, by any path within the account
            todo, seen = [role], {role}
            while todo:
                for e in graph.get(todo.pop(), ()):
                    if e.target not in seen:
                        seen.add(e.target)
                        todo.append(e.target)
                        judged.setdefault(e.target, f"reachable from {role}")
    out = []
    for f in facts.values():
        for t in f["trusts"]:
            if t["role"] not in judged or t["account"] in members or t["account"] == "*":
                continue
            if "sts:externalid" in t["guards"]:
                continue
            out.append({**t, "why": judged[t["role"]]})
    return out, set(judged)


def build_view(org: Organisation, facts: dict[str, dict], load_model) -> OrgView:
    crossing = cross_edges(org, facts, load_model)
    paths, starts = escalation_paths(facts, crossing)
    trusts, roles = outside_trusts(org, facts)
    return OrgView(paths, trusts, crossing, [(a, "global") for a in sorted(starts)],
                   [(r, "global") for r in sorted(roles)])


def load_facts(run_dir: Path, accounts: list[str]) -> dict[str, dict]:
    from auditor.org.facts import FACTS_FILE

    out = {}
    for a in accounts:
        path = run_dir / "accounts" / a / FACTS_FILE
        if path.exists():
            out[a] = json.loads(path.read_text())
    return out
