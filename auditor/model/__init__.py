"""The inventory model: frozen dataclasses, built by pure transforms, saved as a snapshot."""

from auditor.model.aws import *  # noqa: F403
from auditor.model.ecs import *  # noqa: F403
from auditor.model.inventory import (  # noqa: F401
    SNAPSHOT_SCHEMA,
    Gap,
    Inventory,
    inventory_from_dict,
    load_snapshot,
    save_snapshot,
)
from auditor.model.org import *  # noqa: F403
from auditor.model.resources import *  # noqa: F403
from auditor.model.serde import SnapshotError  # noqa: F401
