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


def organisation() -> nbformat.NotebookNode:
    cell = new_code_cell('RUN_DIR = "../reports/org"  # from `ecs-auditor org scan --output reports/org`\n')
    cell.metadata["tags"] = ["parameters"]
    return new_notebook(cells=[
        new_markdown_cell("# Explore an organisation run\nAccounts and their status, findings by OU, "
                          "and the cross-account graph with its escalation paths."),
        cell,
        new_code_cell("import matplotlib.pyplot as plt\nimport networkx as nx\n"
                      "\nfrom auditor import load_org_run\n\n"
                      "run = load_org_run(RUN_DIR)\naccounts = run.accounts_frame()\n"
                      "accounts[['account_id', 'name', 'ou', 'status', 'findings',\n"
                      "          'regions_skipped', 'error']]"),
        new_markdown_cell("## Accounts by status (an unreachable account is a gap, not an empty account)"),
        new_code_cell("accounts.status.value_counts()"),
        new_markdown_cell("## Findings by OU and severity"),
        new_code_cell("findings = run.findings_frame()\n"
                      "by_ou = findings[~findings.muted.astype(bool)].pivot_table(\n"
                      "    index='ou', columns='severity', values='fingerprint',\n"
                      "    aggfunc='count', fill_value=0)\n"
                      "_ = by_ou.plot.barh(stacked=True, figsize=(8, 3))\nby_ou"),
        new_markdown_cell("## Cross-account escalation paths"),
        new_code_cell("for p in run.paths():\n"
                      "    print(p['start'], '->', p['target'],\n"
                      "          '(conditional)' if p['conditional'] else '')\n"
                      "    for s in p['steps']:\n"
                      "        print('   ', s['action'], 'on', s['resource'], '-', s['decision'])"),
        new_markdown_cell("## The graph: principals of every account, and the edges across"),
        new_code_cell("g = run.cross_graph()\n"
                      "across = [(u, v) for u, v, d in g.edges(data=True) if d['kind'] == 'cross-account']\n"
                      "hood = g.edge_subgraph(across).copy() if across else g\n"
                      "colours = ['tab:red' if hood.nodes[n]['admin'] else 'tab:blue' for n in hood]\n"
                      "labels = {n: n.rsplit('/', 1)[-1] + '\\n' + hood.nodes[n]['account'] for n in hood}\n"
                      "plt.figure(figsize=(8, 4))\n"
                      "nx.draw_networkx(hood, pos=nx.spring_layout(hood, seed=1), labels=labels,\n"
                      "                 node_color=colours, font_size=8)\n_ = plt.axis('off')\n"
                      "len(g), len(across)"),
    ])


if __name__ == "__main__":
    import sys

    wanted = sys.argv[1:]  # names to write (default: all); notebook cell ids change on rewrite
    for name, nb in (("01-explore-account.ipynb", explore()), ("02-cost-and-fit.ipynb", cost()),
                     ("03-organisation.ipynb", organisation())):
        if wanted and name not in wanted:
            continue
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        nbformat.write(nb, HERE / name)
        print("wrote", name)
