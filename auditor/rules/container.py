"""Rules C101–C110: container hardening, and secrets in task definitions."""

from __future__ import annotations

import re
from collections.abc import Iterator

from auditor.facts.images import image_reference
from auditor.model import ContainerDefinition, TaskDefinition
from auditor.rules.context import AuditContext
from auditor.rules.engine import Hit, rule
from auditor.rules.hits import td_hit
from auditor.rules.reads import WORKLOADS

DANGEROUS_CAPABILITIES = {"ALL": "high", "SYS_ADMIN": "high", "NET_ADMIN": "high",
                          "SYS_MODULE": "high", "DAC_READ_SEARCH": "high", "SYS_PTRACE": "medium"}


def _containers(ctx: AuditContext) -> Iterator[tuple[TaskDefinition, object, ContainerDefinition]]:
    for td, w in ctx.task_definitions():
        for c in td.containers:
            yield td, w, c


@rule("C101", "privileged-container", "high", "Privileged container",
      reads=WORKLOADS, subjects="task-definition", controls=("aws-fsbp:ECS.4",))
def privileged(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds containers with "privileged": true.

    Why is this bad: A privileged container has root on the host: every other container and the
    instance role with it.

    Example: A legacy image that wanted to mount file systems.

    Remediation: Remove privileged and add only the capability the container needs.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/security-tasks-containers.html
    """
    for td, w, c in _containers(ctx):
        if c.privileged:
            yield td_hit(ctx, td, w, f"Container {c.name} of {td.family}:{td.revision} runs privileged.",
                         part=("container", c.name))


@rule("C102", "secrets-in-environment", "critical", "Secret in a plain environment variable",
      reads=WORKLOADS, subjects="task-definition", controls=("aws-fsbp:ECS.8",))
def secrets_in_environment(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds environment variables whose name or value looks like a secret (AWS
    keys, private keys, tokens, passwords, connection strings with credentials). The value is never
    copied: the evidence shows the variable name and a redacted preview.

    Why is this bad: Anyone who may call ecs:DescribeTaskDefinition, or read the console, CI logs
    or this revision forever, reads the secret.

    Example: "environment": [{"name": "AWS_SECRET_ACCESS_KEY", "value": "wJalr..."}].

    Remediation: Move the value to Secrets Manager or Parameter Store, reference it through
    "secrets", rotate it, and deregister the revisions that hold it.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-envvar-secrets-manager.html
    """
    for td, w, c in _containers(ctx):
        for e in c.environment:
            if e.verdict == "secret":
                yield td_hit(ctx, td, w, f"Environment variable {e.name} of container {c.name} in "
                             f"{td.family}:{td.revision} holds a secret ({e.reason}).",
                             {"variable": e.name, "reason": e.reason, "preview": e.preview},
                             key=f"{c.name}/{e.name}", part=("container", c.name))


_ROOT = re.compile(r"^(root|0)(:.*)?$")


@rule("C103", "container-runs-as-root", "medium", "Container runs as root",
      reads=WORKLOADS, subjects="linux-task-definition", controls=("aws-fsbp:ECS.20",))
def runs_as_root(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds Linux containers whose user is unset, root, 0 or 0:group (Windows
    containers are skipped).

    Why is this bad: A process escaping the application runs as root inside the container, one
    kernel bug away from root on the host.

    Example: No "user" in the container definition and no USER in the Dockerfile.

    Remediation: Set "user" to a non-root uid (and USER in the image).

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/security-tasks-containers.html
    """
    for td, w, c in _containers(ctx):
        if not td.is_windows and (c.user is None or _ROOT.match(c.user.strip())):
            yield td_hit(ctx, td, w, f"Container {c.name} of {td.family}:{td.revision} runs as "
                         f"{'root (no user set)' if c.user is None else c.user}.", {"user": c.user},
                         part=("container", c.name))


@rule("C104", "writable-root-filesystem", "low", "Container root file system is writable",
      reads=WORKLOADS, subjects="task-definition", controls=("aws-fsbp:ECS.5",))
def writable_root(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds containers without "readonlyRootFilesystem": true.

    Why is this bad: An attacker can drop tools and persist changes in the container.

    Example: The default (writable).

    Remediation: Set readonlyRootFilesystem and mount volumes for the paths that must be written.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/security-tasks-containers.html
    """
    for td, w, c in _containers(ctx):
        if not c.readonly_root_filesystem and not td.is_windows:
            yield td_hit(ctx, td, w, f"Container {c.name} of {td.family}:{td.revision} has a "
                         "writable root file system.", part=("container", c.name))


@rule("C105", "host-namespace-shared", "high", "Task shares the host's PID or IPC namespace",
      reads=WORKLOADS, subjects="task-definition", controls=("aws-fsbp:ECS.3",))
def host_namespace(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds task definitions with pidMode host or ipcMode host.

    Why is this bad: Containers see and can signal or trace every process on the host.

    Example: A monitoring agent with "pidMode": "host".

    Remediation: Remove them, or confine such agents to dedicated instances.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/task_definition_parameters.html
    """
    for td, w in ctx.task_definitions():
        modes = [m for m, v in (("pidMode", td.pid_mode), ("ipcMode", td.ipc_mode)) if v == "host"]
        if modes:
            yield Hit(resource_arn=td.arn, resource_type="ecs-task-definition", region=td.region,
                      message=f"{td.family}:{td.revision} shares the host's "
                              f"{' and '.join(m[:3].upper() for m in modes)} namespace.",
                      evidence={"modes": modes}, related_arns=ctx.related(w))


@rule("C106", "dangerous-capabilities", "high", "Container adds dangerous Linux capabilities",
      reads=WORKLOADS, subjects="task-definition")
def dangerous_capabilities(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds containers that add ALL, SYS_ADMIN, NET_ADMIN, SYS_MODULE,
    DAC_READ_SEARCH (high) or SYS_PTRACE (medium).

    Why is this bad: These capabilities break container isolation (mounts, kernel modules,
    network control, reading any file, tracing processes).

    Example: "linuxParameters": {"capabilities": {"add": ["SYS_ADMIN"]}}.

    Remediation: Drop them; use a narrower capability or a managed service.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_KernelCapabilities.html
    """
    for td, w, c in _containers(ctx):
        added = ((c.linux_parameters or {}).get("capabilities") or {}).get("add") or []
        bad = [cap for cap in added if cap in DANGEROUS_CAPABILITIES]
        if bad:
            sev = "high" if any(DANGEROUS_CAPABILITIES[b] == "high" for b in bad) else "medium"
            yield td_hit(ctx, td, w, f"Container {c.name} of {td.family}:{td.revision} adds "
                         f"{', '.join(bad)}.", {"capabilities": bad},
                         severity=sev, part=("container", c.name))


@rule("C107", "logging-disabled", "medium", "Container has no log configuration",
      reads=WORKLOADS, subjects="task-definition", controls=("aws-fsbp:ECS.9",))
def logging_disabled(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds containers without a logConfiguration.

    Why is this bad: Output stays on the host (or is lost on Fargate): no record for incident
    response.

    Example: A container definition without logConfiguration.

    Remediation: Configure awslogs (or FireLens) for every container.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using_awslogs.html
    """
    for td, w, c in _containers(ctx):
        if not c.log_configuration:
            yield td_hit(ctx, td, w, f"Container {c.name} of {td.family}:{td.revision} has no "
                         "log configuration.", part=("container", c.name))


@rule("C108", "image-not-pinned", "low", "Image is not pinned",
      reads=WORKLOADS, subjects="task-definition")
def image_not_pinned(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds images with the tag latest, or with no tag and no digest.

    Why is this bad: Each task may run different code; a poisoned or broken push reaches
    production on the next scale-out, and you cannot tell what ran.

    Example: "image": "nginx".

    Remediation: Reference an immutable tag or a digest (image@sha256:...).

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/security-tasks-containers.html
    """
    for td, w, c in _containers(ctx):
        _, tag, digest = image_reference(c.image)
        if not digest and tag in (None, "latest"):
            yield td_hit(ctx, td, w, f"Container {c.name} of {td.family}:{td.revision} uses "
                         f"unpinned image {c.image}.", {"image": c.image}, part=("container", c.name))


@rule("C109", "host-network-mode", "medium", "Task uses host network mode",
      reads=WORKLOADS, subjects="task-definition", controls=("aws-fsbp:ECS.17",))
def host_network(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds task definitions with network mode host.

    Why is this bad: Containers share the host's network stack: they reach IMDS and every
    host port, and cannot have their own security group.

    Example: "networkMode": "host".

    Remediation: Use awsvpc (own ENI and security group) or bridge.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/bestpracticesguide/networking-networkmode.html
    """
    for td, w in ctx.task_definitions():
        if td.network_mode == "host":
            yield Hit(resource_arn=td.arn, resource_type="ecs-task-definition", region=td.region,
                      message=f"{td.family}:{td.revision} uses host network mode.",
                      related_arns=ctx.related(w))


@rule("C110", "secrets-in-task-definition-fields", "critical",
      "Secret in a task definition field other than the environment", reads=WORKLOADS,
      subjects="task-definition")
def secrets_in_fields(ctx: AuditContext) -> Iterator[Hit]:
    """What it does: Finds secret shapes (detected as for C102: detect-secrets' plugins plus the
    URL, flag and option shapes they miss) in log configuration options (FireLens included),
    volume driver options, command, entryPoint, healthCheck.command and dockerLabels.

    Why is this bad: Task definitions are readable by anyone allowed ecs:DescribeTaskDefinition,
    and copied into CI logs, infrastructure code and support tickets; a Splunk token in log
    options or a password in a command line is as exposed as one in an environment variable.
    The collector redacts the value: only the field, the reason and a preview are kept.

    Example: "logConfiguration": {"logDriver": "splunk", "options": {"splunk-token": "..."}}.

    Remediation: Use logConfiguration.secretOptions (or a FireLens config file from S3), and
    secrets with valueFrom for anything a command needs; rotate the exposed secret.

    References:
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/specifying-sensitive-data.html
    - https://docs.aws.amazon.com/AmazonECS/latest/developerguide/secrets-logconfig.html
    """
    for td, w in ctx.task_definitions():
        places = [(f"container {c.name}", c.name, s) for c in td.containers for s in c.secret_fields]
        places += [(f"volume {v.name}", v.name, s) for v in td.volumes for s in v.secret_fields]
        for where, part, s in places:
            yield td_hit(ctx, td, w, f"{s.field} of {where} in {td.family}:{td.revision} holds a "
                         f"secret ({s.reason}).", {"in": where, "field": s.field, "reason": s.reason,
                                                    "preview": s.preview}, key=f"{part}/{s.field}")
