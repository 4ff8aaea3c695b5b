"""`python -m auditor`: the same as the ecs-auditor command."""

from auditor.cli import entry

entry()
