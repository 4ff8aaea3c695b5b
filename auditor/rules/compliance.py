"""The compliance controls that rules implement: frameworks, versions and control titles.

A rule names its controls as "framework:control" in `@rule(controls=...)`; findings and the
`checks` section carry them as {framework, version, control}. Titles and numbers are AWS's and
CIS's own:
- AWS Foundational Security Best Practices (Security Hub):
  https://docs.aws.amazon.com/securityhub/latest/userguide/ecs-controls.html,
  .../iam-controls.html, .../efs-controls.html, .../elb-controls.html
- CIS Amazon Web Services Foundations Benchmark v3.0.0, section 1 (Identity and Access
  Management), as Security Hub maps it:
  https://docs.aws.amazon.com/securityhub/latest/userguide/cis-aws-foundations-benchmark.html
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    version: str
    url: str


FRAMEWORKS = {f.id: f for f in (
    Framework("aws-fsbp", "AWS Foundational Security Best Practices", "1.0.0",
              "https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html"),
    Framework("cis-aws", "CIS Amazon Web Services Foundations Benchmark", "3.0.0",
              "https://docs.aws.amazon.com/securityhub/latest/userguide/cis-aws-foundations-benchmark.html"),
)}

TITLES = {
    ("aws-fsbp", "ECS.2"): "ECS services should not have public IP addresses assigned to them automatically",
    ("aws-fsbp", "ECS.3"): "ECS task definitions should not share the host's process namespace",
    ("aws-fsbp", "ECS.4"): "ECS containers should run as non-privileged",
    ("aws-fsbp", "ECS.5"): "ECS containers should be limited to read-only access to root filesystems",
    ("aws-fsbp", "ECS.8"): "Secrets should not be passed as container environment variables",
    ("aws-fsbp", "ECS.9"): "ECS task definitions should have a logging configuration",
    ("aws-fsbp", "ECS.10"): "ECS Fargate services should run on the latest Fargate platform version",
    ("aws-fsbp", "ECS.12"): "ECS clusters should use Container Insights",
    ("aws-fsbp", "ECS.17"): "ECS task definitions should not use host network mode",
    ("aws-fsbp", "ECS.18"): "ECS task definitions should use in-transit encryption for EFS volumes",
    ("aws-fsbp", "ECS.20"): "ECS task definitions should configure non-root users in Linux container "
                            "definitions",
    ("aws-fsbp", "IAM.1"): "IAM policies should not allow full \"*\" administrative privileges",
    ("aws-fsbp", "IAM.21"): "IAM customer managed policies that you create should not allow wildcard "
                            "actions for services",
    ("aws-fsbp", "EFS.1"): "Elastic File System should be configured to encrypt file data at-rest using "
                           "AWS KMS",
    ("aws-fsbp", "ELB.1"): "Application Load Balancer should be configured to redirect all HTTP requests "
                           "to HTTPS",
    ("cis-aws", "1.16"): "Ensure IAM policies that allow full \"*:*\" administrative privileges are not "
                         "attached",
}


@dataclass(frozen=True)
class Control:
    framework: str
    control: str

    @property
    def version(self) -> str:
        return FRAMEWORKS[self.framework].version

    @property
    def title(self) -> str:
        return TITLES[(self.framework, self.control)]

    @property
    def sort_key(self) -> tuple:
        """ECS.2 before ECS.10."""
        return (self.framework, *(int(p) if p.isdigit() else p
                                  for p in re.split(r"(\d+)", self.control)))

    def to_dict(self) -> dict[str, str]:
        return {"framework": self.framework, "version": self.version, "control": self.control}

    def __str__(self) -> str:
        return f"{self.framework} {self.control}"


def parse_controls(names: tuple[str, ...] | list[str]) -> tuple[Control, ...]:
    """"aws-fsbp:ECS.2" -> Control; an unknown framework or control is a programming error."""
    out = []
    for name in names:
        framework, _, control = name.partition(":")
        if (framework, control) not in TITLES:
            raise ValueError(f"unknown control {name!r}: add it to auditor/rules/compliance.py")
        out.append(Control(framework, control))
    return tuple(out)
