"""`what-can`: a workload's or principal's permissions, grouped by identity (task role, execution
role, instance role), as its policies write them with counts; concrete actions with --expand."""

from __future__ import annotations

import argparse
import json

from auditor.cli.inputs import UsageError

LABELS = {"task-role": "Task role", "execution-role": "Execution role", "instance-role": "Instance role",
          "self": "Itself"}


def check_action_pattern(pattern: str) -> None:
    """An --action pattern must name at least one action of the catalogue."""
    from auditor.iam.catalogue import catalogue

    cat = catalogue()
    if ":" not in pattern and pattern.strip() != "*":
        raise UsageError(f"--action must look like service:Action or service:*, got {pattern!r}")
    if not cat.expand(pattern):
        svc = pattern.partition(":")[0].lower()
        near = cat.nearest(pattern) or ([f"{svc}:*"] if svc in cat.by_service else [])
        raise UsageError(f"--action {pattern!r} matches no known action"
                         + (f"; did you mean {', '.join(near)}?" if near else ""))


def _name(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def _proper(action: str) -> str:
    from auditor.iam.catalogue import catalogue

    info = catalogue().actions.get(action)
    return info.name if info else action


def print_what_can(model, result, action: str | None, expand: bool) -> None:
    from auditor.iam.catalogue import action_matches

    print(f"What {result.arn} can do:")
    if not result.principals:
        print("  it holds no IAM role")
    for ident in result.principals:
        rows = [p for p in result.permissions if p.via_role == ident.role_arn]
        actions = {p.action for p in rows}
        print(f"\n{LABELS.get(ident.via, ident.via)} {_name(ident.role_arn)}: {ident.reason}")
        print(f"  {len(actions)} actions{' matching ' + action if action else ''}")
        if expand:
            for p in sorted(rows, key=lambda r: (r.action, r.resource)):
                print(f"    {_proper(p.action):<50} {p.resource}  [{p.decision}]")
            continue
        for g in model.grant_rows(ident.role_arn):
            if g.action.startswith("NOT "):
                matched = actions if action else None
            else:
                matched = {a for a in actions if action_matches(g.action, a)}
            if action and not matched and g.decision != "denied":
                continue
            count = f"{len(matched)} matching" if action else f"{g.actions_left} of {g.actions_covered}"
            print(f"    {g.action:<40} on {g.resource:<30} [{g.decision}] {count} actions"
                  f"  ({g.source_policy} {g.statement})")
    if result.escalations:
        print("\nThrough ECS it can also obtain:")
        for e in result.escalations:
            steps = " → ".join(s["action"] for s in e["steps"]) or e["kind"]
            how = ", conditional" if e["conditional"] else ""
            print(f"  {_name(e['target'])} (+{e['gains_actions']} actions{how}): {steps}")
    if not expand and result.permissions:
        print("\n(--expand lists every concrete action; --json gives them with resources)")


def cmd_what_can(args: argparse.Namespace) -> int:
    from auditor.graph import AccessModel
    from auditor.graph.names import NameError_, resolve
    from auditor.model import load_snapshot

    if args.action:
        check_action_pattern(args.action)
    model = AccessModel(load_snapshot(args.snapshot))
    try:
        arn = resolve(model, args.arn)
    except NameError_ as e:
        raise UsageError(str(e)) from None
    result = model.what_can(arn, args.action)
    if args.json:
        print(json.dumps(result.to_dict(), indent=2))
    else:
        print_what_can(model, result, args.action, args.expand)
    return 0
