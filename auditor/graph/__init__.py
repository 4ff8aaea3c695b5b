"""The who-can-do-what graph and the questions it answers."""

from auditor.graph.access import AccessModel  # noqa: F401
from auditor.graph.build import build_graph, write_graphml, write_node_link  # noqa: F401
from auditor.graph.kinds import Edge, Node  # noqa: F401
