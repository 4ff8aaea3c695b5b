"""Writes the notebooks (without outputs): python notebooks/make_notebooks.py"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent


def params(default: str, extra: str = "") -> nbformat.NotebookNode:
    cell = new_code_cell(f'SNAPSHOT = "{default}"  # from `ecs-auditor scan` or `collect`\n' + extra)
    cell.metadata["tags"] = ["parameters"]
    return cell


def explore() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_markdown_cell("# Explore an account\nFindings, the three identities of each workload, "
                          "who can do what, and escalation paths — from a snapshot, offline."),
        params("../reports/demo/snapshot.json.gz"),
        new_code_cell("import matplotlib.pyplot as plt\nimport networkx as nx\n"
                      "from auditor import audit, load_snapshot\n\n"
                      "result = audit(load_snapshot(SNAPSHOT))\nresult.summary()"),
        new_markdown_cell("## Findings by severity and category"),
        new_code_cell("findings = result.findings_frame()\n"
                      "findings.pivot_table(index='severity', columns='category',\n"
                      "                     values='fingerprint', aggfunc='count', fill_value=0)"),
        new_code_cell("findings[['severity', 'rule_id', 'message']].head(15)"),
        new_markdown_cell("## The three identities of each workload"),
        new_code_cell("result.identities_frame()"),
        new_markdown_cell("## Who can, what can"),
        new_code_cell("who = result.who_can('iam:PassRole')\n"
                      "[(p.arn, p.decision, len(p.workloads)) for p in who.principals]"),
        new_code_cell("workload = result.identities_frame().arn.iloc[0]\n"
                      "what = result.what_can(workload)\n"
                      "what.principals"),
        new_markdown_cell("## A workload's neighbourhood in the graph"),
        new_code_cell("hood = result.neighbourhood(workload, radius=2)\n"
                      "labels = {n: d.get('label', n) for n, d in hood.nodes(data=True)}\n"
                      "plt.figure(figsize=(10, 6))\n"
                      "nx.draw_networkx(hood, pos=nx.spring_layout(hood, seed=1), labels=labels,"
                      " node_size=300, font_size=8)\nplt.axis('off');"),
        new_markdown_cell("## Escalation paths through ECS"),
        new_code_cell("result.escalation_frame().sort_values('gains_actions', ascending=False).head(10)"),
    ])


def cost() -> nbformat.NotebookNode:
    return new_notebook(cells=[
        new_markdown_cell("# Cost and fit\nWhat each service costs, what it should run on, "
                          "and what-if: other headroom or instance family."),
        params("../reports/demo/snapshot.json.gz",
               "HEADROOM = 0.4  # what-if: right-size with more headroom\n"
               "FAMILY = 't3'  # what-if: pack EC2 candidates onto this family\n"),
        new_code_cell("import matplotlib.pyplot as plt\nfrom auditor import audit, load_snapshot\n\n"
                      "inventory = load_snapshot(SNAPSHOT)\nresult = audit(inventory)\n"
                      "costs = result.costs_frame()\ncosts"),
        new_markdown_cell("## Cost per cluster"),
        new_code_cell("by_cluster = costs.groupby('cluster')[\n"
                      "    ['monthly_cost_usd', 'monthly_saving_usd']].sum()\n"
                      "by_cluster.plot.barh(figsize=(8, 3), title='monthly USD');\nby_cluster"),
        new_markdown_cell("## Right-sizing and launch-type advice"),
        new_code_cell("advice = result.findings_frame()\n"
                      "advice[advice.category == 'cost'][['rule_id', 'resource_arn', 'message']]"),
        new_markdown_cell("## What if"),
        new_code_cell("what_if = audit(inventory, headroom=HEADROOM, instance_family=FAMILY).costs_frame()\n"
                      "key = ['cluster', 'service']\n"
                      "compare = costs.set_index(key)[['monthly_saving_usd']].join(\n"
                      "    what_if.set_index(key)[['monthly_saving_usd']], rsuffix='_what_if')\n"
                      "compare.plot.bar(figsize=(10, 3));\ncompare"),
    ])


if __name__ == "__main__":
    for name, nb in (("01-explore-account.ipynb", explore()), ("02-cost-and-fit.ipynb", cost())):
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, HERE / name)
        print("wrote", name)
