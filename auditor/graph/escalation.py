"""Principals that can obtain a more privileged role through ECS (rule I304)."""

from __future__ import annotations

from dataclasses import dataclass, field

from auditor.iam import DENIED
from auditor.iam.principals import Principal

ECS_TASKS = "ecs-tasks.amazonaws.com"
PASS_CONTEXT = {"iam:passedtoservice": (ECS_TASKS,)}
LAUNCH_NEW = ("ecs:RunTask", "ecs:StartTask", "ecs:CreateService", "ecs:UpdateService")
OVERRIDE = ("ecs:RunTask", "ecs:StartTask")  # these accept a taskRoleArn override


@dataclass
class EscalationPath:
    principal: str
    target_role: str
    kind: str  # new-task-definition | task-role-override | existing-task-definition | execute-command
    steps: list[dict] = field(default_factory=list)
    conditional: bool = False
    gains: int = 0
    sample_gains: list[str] = field(default_factory=list)
    via: list[str] = field(default_factory=list)  # services or task definitions used

    def to_dict(self) -> dict:
        return {"principal": self.principal, "target_role": self.target_role, "kind": self.kind,
                "steps": self.steps, "conditional": self.conditional,
                "gains_actions": self.gains, "sample_gains": self.sample_gains, "via": self.via}


def _step(p: Principal, action: str, resource: str, context=None) -> dict | None:
    v = p.decide(action, resource, context)
    if v.decision == DENIED:
        return None
    return {"action": action, "resource": resource, "decision": v.decision}


def gains(principal: Principal, target: Principal) -> list[str]:
    """Actions the target role may perform that the principal may not."""
    return sorted(set(target.grants) - set(principal.grants))


def find_paths(p: Principal, ecs_roles: list[Principal], td_roles: dict[str, list[str]],
               exec_services: list[tuple[str, str, str]], is_admin) -> list[EscalationPath]:
    """Paths from principal p. `td_roles`: role -> task definitions using it as task role;
    `exec_services`: (service arn, cluster arn, task role arn) with ECS Exec enabled."""
    if is_admin(p.arn):
        return []
    g = p.grants
    can_pass = "iam:passrole" in g
    can_register = "ecs:registertaskdefinition" in g
    launchers = [a for a in LAUNCH_NEW if a.lower() in g]
    can_exec = "ecs:executecommand" in g
    if not ((can_pass and launchers) or can_exec):
        return []
    out: list[EscalationPath] = []
    cache: dict[str, list[str]] = {}
    for role in ecs_roles:
        if role.arn == p.arn:
            continue

        def worth(role: Principal = role) -> list[str]:
            # Computed only when a path exists: set difference on large grant tables.
            if role.arn not in cache:
                cache[role.arn] = gains(p, role)
            return cache[role.arn]

        pass_step = _step(p, "iam:PassRole", role.arn, PASS_CONTEXT) if can_pass else None
        if pass_step and launchers:
            if can_register and worth():
                steps = [pass_step, _step(p, "ecs:RegisterTaskDefinition", "*"),
                         {"action": launchers[0], "resource": "*", "decision":
                          "conditional" if g[launchers[0].lower()].conditional else "allowed"}]
                out.append(_path(p, role, "new-task-definition", steps, worth()))
            elif any(a in launchers for a in OVERRIDE) and worth():
                a = next(a for a in launchers if a in OVERRIDE)
                steps = [pass_step, {"action": a, "resource": "*", "decision": "allowed",
                                     "note": "overrides.taskRoleArn on an existing task definition"}]
                out.append(_path(p, role, "task-role-override", steps, worth()))
            elif td_roles.get(role.arn) and worth():
                steps = [pass_step, {"action": launchers[0], "resource": td_roles[role.arn][0],
                                     "decision": "allowed"}]
                out.append(_path(p, role, "existing-task-definition", steps, worth(),
                                 td_roles[role.arn][:5]))
        if can_exec:
            for svc, cluster, task_role in exec_services:
                if task_role != role.arn:
                    continue
                step = _step(p, "ecs:ExecuteCommand", cluster)
                if step and worth():
                    out.append(_path(p, role, "execute-command", [step], worth(), [svc]))
                    break
    return out


def _path(p: Principal, role: Principal, kind: str, steps: list[dict], extra: list[str],
          via: list[str] | None = None) -> EscalationPath:
    steps = [s for s in steps if s]
    return EscalationPath(p.arn, role.arn, kind, steps,
                          any(s["decision"] == "conditional" for s in steps), len(extra),
                          _highlights(extra), via or [])


def _highlights(actions: list[str]) -> list[str]:
    """A few telling examples: IAM and secrets first."""
    first = [a for a in actions if a.startswith(("iam:", "secretsmanager:", "sts:", "kms:"))]
    return (first + [a for a in actions if a not in first])[:8]
