"""Container image references: repository, tag and digest, and which are private ECR images."""

from __future__ import annotations

import re

_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr(?:-fips)?\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[^:@]+)")


def image_reference(image: str) -> tuple[str, str | None, str | None]:
    """(repository, tag, digest) of an image reference; a registry port is not a tag."""
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = last.rpartition(":")[2] if ":" in last else None
    repo = name[: len(name) - len(tag) - 1] if tag else name
    return repo, tag, digest or None


def ecr_repository(image: str) -> tuple[str, str, str] | None:
    """(account, region, repository) of a private ECR image, else None."""
    m = _ECR_IMAGE.match(image)
    return (m["account"], m["region"], m["repo"]) if m else None


def ecr_image_id(image: str) -> dict[str, str]:
    """The imageIds entry ECR's BatchGetImage takes for an image reference (tag latest if none)."""
    _, tag, digest = image_reference(image)
    return {"imageDigest": digest} if digest else {"imageTag": tag or "latest"}
