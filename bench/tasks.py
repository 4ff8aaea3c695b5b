"""One measured task per process (so peak memory is that task's): python -m bench.tasks TASK ARGS.
Prints a JSON line with its own timings."""

from __future__ import annotations

import json
import sys
import time


def iam(snapshot: str) -> dict:
    from auditor.iam import build_principals, classify
    from auditor.model import load_snapshot

    inv = load_snapshot(snapshot)
    t = time.perf_counter()
    principals = build_principals(inv)
    admins = sum(bool(classify(p).admin) for p in principals.values())
    return {"roles": len(inv.roles), "policies": len(inv.managed_policies),
            "classify_seconds": round(time.perf_counter() - t, 2), "admin_roles": admins}


def graph(snapshot: str) -> dict:
    from auditor.graph import AccessModel, build_graph
    from auditor.model import load_snapshot

    inv = load_snapshot(snapshot)
    t = time.perf_counter()
    model = AccessModel(inv)
    g = build_graph(model)
    built = time.perf_counter() - t
    t = time.perf_counter()
    who = model.who_can("s3:PutObject", "arn:aws:s3:::bucket-1/key")
    return {"graph_seconds": round(built, 2), "nodes": g.number_of_nodes(),
            "edges": g.number_of_edges(), "who_can_seconds": round(time.perf_counter() - t, 2),
            "who_can_principals": len(who.principals)}


def audit(snapshot: str, out: str, formats: str = "html,csv,json") -> dict:
    from pathlib import Path

    from auditor.audit import audit as run
    from auditor.model import load_snapshot
    from auditor.report import parse_formats, write_outputs

    t = time.perf_counter()
    result = run(load_snapshot(snapshot))
    write_outputs(result, out, parse_formats(formats))
    files = [p for p in Path(out).iterdir() if p.is_file()]
    return {"audit_seconds": round(time.perf_counter() - t, 2), "findings": len(result.findings),
            "outputs_mb": round(sum(p.stat().st_size for p in files) / 1e6, 2),
            "permissions_csv_mb": round(sum(p.stat().st_size for p in files
                                            if p.name == "permissions.csv") / 1e6, 2)}


if __name__ == "__main__":
    task, *args = sys.argv[1:]
    print(json.dumps({"iam": iam, "graph": graph, "audit": audit}[task](*args)))
