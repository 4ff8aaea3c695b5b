"""Neutral facts about ECS that several layers share (sizes, images, what an execution role needs)."""
