"""ecs-auditor: who can do what in Amazon ECS, what does not fit, and what it costs.

The Python API (what notebooks use)::

    from auditor import collect, audit, load_snapshot
    result = audit(load_snapshot("reports/demo/snapshot.json.gz"))
"""

__version__ = "0.1.0"
__all__ = ["audit", "collect", "load_snapshot", "save_snapshot"]


def __getattr__(name: str):
    # Imported on first use, so `ecs-auditor --help` stays fast.
    if name == "audit":
        from auditor.audit import audit
        return audit
    if name == "collect":
        from auditor.collect import collect
        return collect
    if name in ("load_snapshot", "save_snapshot"):
        from auditor import model
        return getattr(model, name)
    raise AttributeError(f"module 'auditor' has no attribute {name!r}")
