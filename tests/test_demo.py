"""`ecs-auditor demo` as a user runs it: a subprocess, a fresh folder, every category, no leak."""

from __future__ import annotations

import gzip
import json

from auditor.demo.seed import PLANTED_SECRETS
from tests.conftest import run_cli

CATEGORIES = {"iam", "launch-type", "load-balancer", "efs", "container", "network", "cost"}


def test_demo_writes_every_output_with_every_category_and_leaks_no_secret(tmp_path):
    out = tmp_path / "demo"
    proc = run_cli("demo", "--output", str(out), timeout=240)
    assert proc.returncode == 0, proc.stderr
    shown = {p.name for p in out.iterdir() if not p.name.startswith(".")}  # beside the hidden mark
    assert shown == {"snapshot.json.gz", "findings.json", "findings.csv", "permissions.csv",
                     "costs.csv", "report.html"}
    doc = json.loads((out / "findings.json").read_text())
    assert {f["category"] for f in doc["findings"]} == CATEGORIES
    assert doc["coverage"]["gaps"] == []
    # Most services are clean, as in life: findings name a minority of them.
    assert "report.html" in proc.stdout and "critical" in proc.stdout
    # The planted secrets were found...
    c102 = [f for f in doc["findings"] if f["rule_id"] == "C102"]
    assert {f["evidence"]["variable"] for f in c102} == {"AWS_SECRET_ACCESS_KEY", "AWS_ACCESS_KEY_ID"}
    # ...and never copied into any output, the snapshot included.
    texts = {p.name: (gzip.decompress(p.read_bytes()) if p.suffix == ".gz" else p.read_bytes())
             for p in out.iterdir()}
    texts["stdout"] = proc.stdout.encode()
    texts["stderr"] = proc.stderr.encode()
    for name, blob in texts.items():
        for secret in PLANTED_SECRETS:
            assert secret.encode() not in blob, f"{secret[:4]}… leaked into {name}"
