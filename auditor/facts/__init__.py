"""Neutral facts several layers share: Fargate sizes and blockers, image references, what ECS
needs from its roles, and the dated price tables."""
