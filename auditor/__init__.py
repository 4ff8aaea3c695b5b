"""ecs-auditor: who can do what in Amazon ECS, what does not fit, and what it costs.

The Python API (what notebooks use)::

    from auditor import collect, audit, load_snapshot
    result = audit(load_snapshot("reports/demo/snapshot.json.gz"))
"""

__version__ = "0.1.0"

# Bound after the submodules of the same names are imported, so the names mean the functions.
from auditor.audit import audit  # noqa: E402
from auditor.collect import collect  # noqa: E402
from auditor.model import load_snapshot, save_snapshot  # noqa: E402

__all__ = ["audit", "collect", "load_snapshot", "save_snapshot"]
