"""ECR image manifests of x86 Fargate workloads, to tell which images also run on ARM64."""

from __future__ import annotations

import json

from botocore.exceptions import ClientError

from auditor.collect.base import CallLedger, Clients, chunks, read_policy
from auditor.collect.limits import checked
from auditor.facts.images import ecr_image_id, ecr_repository
from auditor.model import ImageInfo, ResourcePolicy

# Each call -> the calls whose results it starts from.
ACTIONS: dict[str, tuple[str, ...]] = {
    "ecr:BatchGetImage": ("ecs:DescribeServices", "ecs:DescribeTaskDefinition"),
    "ecr:DescribeRepositories": ("ecs:DescribeTaskDefinition",),
    "ecr:GetRepositoryPolicy": ("ecr:DescribeRepositories",),
}
MEDIA_TYPES = [
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
]


def architectures(manifest: str) -> tuple[str, ...]:
    """Platforms an image index lists; () for a single-platform manifest (not told here)."""
    try:
        doc = json.loads(manifest)
    except (TypeError, json.JSONDecodeError):
        return ()
    return tuple(sorted({m.get("platform", {}).get("architecture", "")
                         for m in doc.get("manifests", []) if isinstance(m, dict)} - {""}))


def get_images(clients: Clients, ledger: CallLedger, region: str, account: str,
               images: list[str]) -> list[ImageInfo]:
    by_repo: dict[str, list[str]] = {}
    for image in sorted(set(images)):
        repo = ecr_repository(image)
        if repo and repo[0] == account and repo[1] == region:
            by_repo.setdefault(repo[2], []).append(image)
    ecr = clients("ecr", region)
    out = []
    for repo, names in sorted(by_repo.items()):
        for batch in chunks(names, 100):
            try:
                resp = ledger.guard("ecr", region, "BatchGetImage", lambda r=repo, b=batch: checked(
                    ecr.batch_get_image(repositoryName=r, imageIds=[ecr_image_id(i) for i in b],
                                        acceptedMediaTypes=MEDIA_TYPES), "images", "BatchGetImage"),
                    resource=repo,
                    expected=("RepositoryNotFoundException",))
            except ClientError:
                continue  # no such repository: nothing to tell about its architectures
            for img in (resp or {}).get("images", []):
                ident = img.get("imageId", {})
                for name in batch:
                    want = ecr_image_id(name)
                    if all(ident.get(k) == v for k, v in want.items()):
                        out.append(ImageInfo(name, region, architectures(img.get("imageManifest", "")),
                                             img.get("imageManifestMediaType")))
    return out


def get_repositories(clients: Clients, ledger: CallLedger, region: str, account: str,
                     images: list[str]) -> list[ResourcePolicy]:
    """The repositories of this account and region that images come from: tag mutability,
    encryption key and repository policy (who else may push or pull)."""
    names = sorted({r[2] for r in map(ecr_repository, images) if r and r[0] == account and r[1] == region})
    ecr = clients("ecr", region)
    out = []
    for batch in chunks(names, 100):
        try:
            resp = ledger.guard("ecr", region, "DescribeRepositories", lambda b=batch: checked(
                ecr.describe_repositories(repositoryNames=b), "repositories", "DescribeRepositories"),
                expected=("RepositoryNotFoundException",))
        except ClientError:  # one name of the batch does not exist: ask for each on its own
            resp = {"repositories": [r for n in batch for r in _one(ledger, ecr, region, n)]}
        for d in (resp or {}).get("repositories", []):
            name, arn = d["repositoryName"], d["repositoryArn"]
            policy, status = read_policy(ledger, "ecr", region, "GetRepositoryPolicy",
                                         lambda n=name: ecr.get_repository_policy(repositoryName=n),
                                         "policyText", arn, ("RepositoryPolicyNotFoundException",))
            enc = d.get("encryptionConfiguration") or {}
            out.append(ResourcePolicy(arn, "ecr", region, name, policy, status, enc.get("kmsKey"),
                                      tag_mutability=d.get("imageTagMutability")))
    return out


def _one(ledger: CallLedger, ecr, region: str, name: str) -> list[dict]:
    try:
        resp = ledger.guard("ecr", region, "DescribeRepositories", lambda: checked(
            ecr.describe_repositories(repositoryNames=[name]), "repositories", "DescribeRepositories"),
            expected=("RepositoryNotFoundException",))
    except ClientError:
        return []
    return (resp or {}).get("repositories", [])
