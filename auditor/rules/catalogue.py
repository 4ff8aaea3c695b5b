"""The user-facing rule catalogue, generated from the rules' own docstrings."""

from __future__ import annotations

from auditor.rules.engine import SECTIONS, Rule, load_rules


def catalogue_json() -> list[dict]:
    return [{"code": r.code, "name": r.name, "category": r.category, "severity": r.severity,
             "title": r.title, "module": r.module, "reads": list(r.reads), "subjects": r.subjects,
             "compliance": [c.to_dict() | {"title": c.title} for c in r.controls],
             **{k.lower().replace(" ", "_"): v for k, v in r.doc.items()}}
            for r in load_rules().values()]


def rule_text(r: Rule) -> str:
    """One rule's full documentation, as `ecs-auditor rules CODE` prints it."""
    out = [f"{r.code} {r.name} ({r.category}, {r.severity})", r.title, ""]
    for section in SECTIONS:
        out += [f"{section}:", *(f"  {line}" for line in r.doc.get(section, "").splitlines()), ""]
    out += [f"Code: {r.module}", f"Reads: {', '.join(r.reads)}", f"Checks: every {r.subjects}"]
    out += [f"Control: {c} v{c.version}: {c.title}" for c in r.controls]
    return "\n".join(out)


def catalogue_text() -> str:
    lines = []
    for r in load_rules().values():
        lines.append(f"{r.code}  {r.name:<45} {r.severity:<8} {r.title}")
    return "\n".join(lines)


def catalogue_markdown() -> str:
    out = ["# Rule catalogue", "",
           "Generated from the rules' docstrings by `python -m auditor.rules.catalogue`; "
           "do not edit by hand.", "",
           "| code | name | category | severity | title | controls |", "|---|---|---|---|---|---|"]
    rules = load_rules()
    out += [f"| {r.code} | {r.name} | {r.category} | {r.severity} | {r.title} | "
            f"{', '.join(str(c) for c in r.controls)} |" for r in rules.values()]
    for r in rules.values():
        out += ["", f"## {r.code} {r.name}", "", f"*{r.category}, {r.severity}* — {r.title}", ""]
        if r.controls:
            out += ["**Controls.** " + "; ".join(f"{c} (v{c.version}): {c.title}" for c in r.controls), ""]
        for section in SECTIONS:
            body = r.doc.get(section, "")
            out += [f"**{section}.** {body}" if section != "References" else
                    "**References.**\n" + body, ""]
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    from pathlib import Path

    from auditor.fsutil import atomic_write_text

    atomic_write_text(Path("docs/rules.md"), catalogue_markdown())
    print("docs/rules.md written")
