"""ecs-auditor: who can do what in Amazon ECS, what does not fit, and what it costs."""

__version__ = "0.1.0"
