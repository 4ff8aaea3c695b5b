"""The notebooks run top to bottom: the account ones against a demo snapshot made in the test,
the organisation one against an org scan of a moto organisation made in the test."""

from __future__ import annotations

import os

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ACCOUNT_NOTEBOOKS = [p for p in NOTEBOOKS if not p.name.startswith("03-")]


def test_notebooks_are_committed_without_outputs():
    assert len(NOTEBOOKS) == 3
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name


def execute(path, old: str, new: str, tmp_path, monkeypatch) -> list:
    nb = nbformat.read(path, as_version=4)
    [params] = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    params.source = params.source.replace(old, new)
    assert new in params.source
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("ECS_AUDITOR_HASH_KEY", os.environ.get("ECS_AUDITOR_HASH_KEY", "test-key"))
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any(o.output_type in ("execute_result", "display_data") for o in outputs)
    return outputs


@pytest.mark.parametrize("path", ACCOUNT_NOTEBOOKS, ids=[p.name for p in ACCOUNT_NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, demo_snapshot, tmp_path, monkeypatch):
    snapshot, _, _ = demo_snapshot
    execute(path, "../reports/demo/snapshot.json.gz", str(snapshot), tmp_path, monkeypatch)


@pytest.mark.e2e
def test_organisation_notebook_explores_an_org_run(tmp_path, monkeypatch):
    from auditor.demo.organisation import MEMBER_ROLE, build_organisation
    from tests.conftest import aws_env, run_cli, separate_moto_server

    with separate_moto_server(managed_policies=False) as url:
        demo = build_organisation(url, members=4)
        run = tmp_path / "org"
        proc = run_cli("org", "scan", "--member-role-name", MEMBER_ROLE, "--regions", "us-east-1",
                       "--no-metrics", "--output", str(run), env=aws_env(url))
        assert proc.returncode == 0, proc.stderr
    outputs = execute(ROOT / "notebooks" / "03-organisation.ipynb", "../reports/org", str(run),
                      tmp_path, monkeypatch)
    text = "".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert demo.roles["ci-runner"] in text and demo.roles["deployer"] in text  # the path is printed
    assert "Workloads" in text and "Platform" in text  # findings by OU
