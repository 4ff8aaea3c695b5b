"""Reading an ARN's parts where several layers need them."""

from __future__ import annotations


def account_of(arn: str, default: str = "") -> str:
    """The account field of an ARN (`default` when it has none: an S3 bucket, a bare name)."""
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4] else default
