"""Read an account into an Inventory (collector.py), one module per AWS service.

The collector's names load on first use, so that reading an authorization-details file
(iam_details.py) or catching CollectError does not import boto3: an offline audit never talks
to AWS and should not pay for loading a client.
"""

from __future__ import annotations

import importlib
from typing import Any

from auditor import callable_module

# What collector.py defines for callers of the package.
_COLLECTOR = ("CollectOptions", "MODULES", "SESSION_ACTIONS", "call_graph", "collect",
              "declared_actions", "make_session")


class CollectError(RuntimeError):
    """Collection could not start at all (no credentials, no such profile...)."""


def __getattr__(name: str) -> Any:
    if name not in _COLLECTOR:
        raise AttributeError(f"module 'auditor.collect' has no attribute {name!r}")
    return getattr(importlib.import_module("auditor.collect.collector"), name)


__all__ = ["CollectError", *_COLLECTOR]

callable_module(__name__)
