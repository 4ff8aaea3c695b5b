"""What a user has at hand, turned into the ARN an answer needs: a service name, `cluster/service`,
a task family (`web`) or `family:revision`, a role or user name, or the ARN itself."""

from __future__ import annotations

import difflib


class NameError_(KeyError):
    """No such resource, or several: the message names the candidates."""

    def __str__(self) -> str:
        return str(self.args[0])


def _names(model) -> dict[str, set[str]]:
    """Every short name -> the ARNs it may mean."""
    out: dict[str, set[str]] = {}

    def add(name: str, arn: str) -> None:
        out.setdefault(name, set()).add(arn)

    for w in model.workloads.values():
        td = w.task_definition
        add(td.arn, td.arn)
        add(f"{td.family}:{td.revision}", td.arn)
        add(td.family, td.arn)
        for s in w.services:
            cluster = s.cluster_arn.rsplit("/", 1)[-1]
            add(s.arn, s.arn)
            add(s.name, s.arn)
            add(f"{cluster}/{s.name}", s.arn)
    for arn, p in model.principals.items():
        add(arn, arn)
        add(p.name, arn)
    return out


def resolve(model, text: str) -> str:
    """The one ARN `text` names; NameError_ with suggestions when it names none or several."""
    names = _names(model)
    found = names.get(text) or names.get(text.strip())
    if found and len(found) > 1:
        # A service and the task family it runs (both "worker") are one workload: same answer.
        workloads = {(model.workload_for(a).arn if model.workload_for(a) else a) for a in found}
        if len(workloads) == 1:
            found = workloads
    if found and len(found) == 1:
        return next(iter(found))
    if found:
        shown = sorted(found)[:6]
        raise NameError_(f"{text!r} names {len(found)} resources: {', '.join(shown)}"
                         f"{' …' if len(found) > 6 else ''}; give one of them")
    near = difflib.get_close_matches(text, [n for n in names if not n.startswith("arn:")], n=4, cutoff=0.6)
    hint = f"; did you mean {', '.join(near)}?" if near else \
        "; give a service (name or cluster/service), a task family, a role or user name, or an ARN"
    raise NameError_(f"{text!r} is not a task definition, service or IAM principal in the snapshot{hint}")
