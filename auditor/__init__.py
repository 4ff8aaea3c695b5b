"""ecs-auditor: who can do what in Amazon ECS, what does not fit, and what it costs.

The Python API (what notebooks use)::

    from auditor import collect, audit, load_snapshot
    result = audit(load_snapshot("reports/demo/snapshot.json.gz"))

Only `__version__` is defined on import; the API names load their layer when first used, so
`import auditor.model` does not load boto3, pandas or the rules.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import Any

__version__ = "0.1.0"

# public name -> the module that defines it
_API = {"audit": "auditor.audit", "collect": "auditor.collect",
        "load_snapshot": "auditor.model", "save_snapshot": "auditor.model",
        "load_org_run": "auditor.org.api"}
__all__ = sorted(_API)


class _CallableModule(types.ModuleType):
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self, self.__name__.rsplit(".", 1)[-1])(*args, **kwargs)


def callable_module(name: str) -> None:
    """Make module `auditor.x` callable as its function `x`. `auditor.audit` and
    `auditor.collect` are modules (the package attribute is bound to the module once it is
    imported), and `from auditor import audit` must still give something that audits."""
    sys.modules[name].__class__ = _CallableModule


def __getattr__(name: str) -> Any:
    if name not in _API:
        raise AttributeError(f"module 'auditor' has no attribute {name!r}")
    return getattr(importlib.import_module(_API[name]), name)
