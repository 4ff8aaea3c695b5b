"""An organisation run through the Python API (what notebooks use)::

    from auditor import load_org_run
    run = load_org_run("reports/org")
    run.accounts_frame()      # one row per account: OU path, status, error, findings
    run.findings_frame()      # every finding with its account's OU
    run.cross_graph()         # networkx.DiGraph: principals, edges within and across accounts
    run.paths()               # the cross-account escalation paths (I305's evidence)
    run.account(ID)           # one account's AuditResult, re-audited from its snapshot
    run.who_can(ACTION, ARN)  # who in the whole organisation may, by a path of any length
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import networkx as nx
import pandas as pd

from auditor.model.arns import account_of
from auditor.model.org import Organisation
from auditor.org.run import OrgError, load_org, read_manifests


@dataclass
class OrgRun:
    run_dir: Path

    @cached_property
    def org(self) -> Organisation:
        return load_org(self.run_dir)

    @cached_property
    def manifest(self) -> dict[str, dict]:
        return read_manifests(self.run_dir)

    @cached_property
    def document(self) -> dict:
        path = self.run_dir / "findings.json"
        if not path.exists():
            raise OrgError(f"{self.run_dir}: no findings.json (run `org merge` first)")
        return json.loads(path.read_text())

    def accounts_frame(self) -> pd.DataFrame:
        rows = []
        for a in self.org.accounts:
            e = self.manifest.get(a.account_id, {})
            rows.append({"account_id": a.account_id, "name": a.name,
                         "ou": " / ".join(self.org.ou_names(a.account_id)),
                         "status": e.get("status", "not scanned"), "error": e.get("error"),
                         "findings": e.get("findings", 0), "regions": ",".join(e.get("regions", [])),
                         "regions_skipped": ",".join(e.get("regions_skipped", [])),
                         "seconds": e.get("seconds")})
        return pd.DataFrame(rows)

    def findings_frame(self) -> pd.DataFrame:
        cols = ["account_id", "severity", "rule_id", "category", "resource_arn", "message", "muted",
                "fingerprint"]
        frame = pd.DataFrame([{k: f.get(k) for k in cols} for f in self.document["findings"]], columns=cols)
        ous = {a.account_id: " / ".join(self.org.ou_names(a.account_id)) for a in self.org.accounts}
        frame.insert(1, "ou", frame["account_id"].map(ous))
        return frame

    def paths(self) -> list[dict]:
        return [{"start": f["resource_arn"], **f["evidence"]} for f in self.document["findings"]
                if f["rule_id"] == "I305"]

    @cached_property
    def facts(self) -> dict[str, dict]:
        """Each scanned account's org-facts (admins, edges, carriers, trusts)."""
        from auditor.org.cross import load_facts

        return load_facts(self.run_dir, sorted(self.manifest))

    @cached_property
    def cross_edges(self) -> list[dict]:
        """The cross-account sts:AssumeRole edges `org merge` decided."""
        from auditor.org.merge import CROSS_FILE

        path = self.run_dir / CROSS_FILE
        return json.loads(path.read_text())["edges"] if path.exists() else []

    def cross_graph(self) -> nx.DiGraph:
        """Principals of every scanned account (attribute account, admin), with the edges
        between them: within an account (ECS methods, IMDS, sts:AssumeRole) and across."""
        g = nx.DiGraph()
        for a, f in self.facts.items():
            for arn in f["admins"]:
                g.add_node(arn, account=a, admin=True)
        for e in [x for f in self.facts.values() for x in f["edges"]] + self.cross_edges:
            g.add_edge(e["from"], e["to"], kind=e["kind"], conditional=e["conditional"])
        for n in g.nodes:
            g.nodes[n].setdefault("account", account_of(n))
            g.nodes[n].setdefault("admin", False)
        return g

    def who_can(self, action: str, resource: str = "*") -> dict:
        """The resource's own account answers who there may do it (identity, SCPs, the resource's
        policy, escalation within the account); then every principal of another account that
        reaches one of those by a path of any length (cross-account sts:AssumeRole included) is
        added with its steps. "*" asks every scanned account."""
        from auditor.graph import AccessModel
        from auditor.graph.paths import shortest_paths
        from auditor.model import load_snapshot
        from auditor.org.cross import edge_graph, path_steps

        scanned = [a for a in self.facts if (self.run_dir / "accounts" / a / "snapshot.json.gz").exists()]
        owner = account_of(resource)
        asked = [owner] if owner in scanned else scanned
        entries = []
        for a in asked:
            model = AccessModel(load_snapshot(self.run_dir / "accounts" / a / "snapshot.json.gz"))
            entries += [dict(e.to_dict(), account_id=a) for e in model.who_can(action, resource).principals]
        direct = {e["arn"] for e in entries if not e.get("reach")}
        graph = edge_graph(self.facts, self.cross_edges)
        for start, hops in sorted(shortest_paths(graph, direct).items()):
            account = account_of(start)
            if account in asked:
                continue  # the account's own answer has its principals already
            entries.append({"arn": start, "account_id": account, "via_role": hops[-1].target,
                            "decision": "conditional" if any(e.conditional for e in hops) else "allowed",
                            "path": path_steps(start, hops), "workloads": [], "resources": [],
                            "reach": "organisation"})
        return {"action": action.lower(), "resource": resource, "principals": entries}

    def account(self, account_id: str):
        from auditor.audit import audit
        from auditor.model import load_snapshot

        return audit(load_snapshot(self.run_dir / "accounts" / account_id / "snapshot.json.gz"))


def load_org_run(run_dir: str | Path) -> OrgRun:
    run = OrgRun(Path(run_dir))
    run.org  # noqa: B018 - fail now, with a clear error, if this is not an org run
    return run
