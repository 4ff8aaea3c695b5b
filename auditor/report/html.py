"""Placeholder until the report is written."""


def render_report(result) -> str:
    return "<!doctype html><title>ecs-auditor</title>"
