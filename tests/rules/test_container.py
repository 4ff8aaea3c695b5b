"""Rules C101–C109 (auditor.rules.container): each fires, and its near misses stay quiet."""

from __future__ import annotations

from auditor.collect.ecs import transform_environment
from auditor.model import (
    ContainerDefinition,
)
from tests.builders import fires, inventory, service, task_def


def with_container(windows=False, network_mode="awsvpc", pid=None, ipc=None, **kw):
    c = ContainerDefinition(**{"name": "app", "image": "repo/app:1.2", "user": "1000",
                               "readonly_root_filesystem": True,
                               "log_configuration": {"logDriver": "awslogs"}, **kw})
    td = task_def("app", network_mode=network_mode, containers=(c,), pid_mode=pid, ipc_mode=ipc,
                  os_family="WINDOWS_SERVER_2019_FULL" if windows else None)
    return inventory(tds=[td], services=[service("app", td)])


def test_c101_privileged_and_near_miss():
    assert len(fires(with_container(privileged=True), "C101")) == 1
    assert fires(with_container(), "C101") == []


def env(**pairs):
    return transform_environment([{"name": k, "value": v} for k, v in pairs.items()])


def test_c102_secrets_fire_with_redacted_evidence():
    secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    inv = with_container(environment=env(AWS_SECRET_ACCESS_KEY=secret_key, STRIPE="sk_live_" + "a" * 24,
                                         DATABASE_URL="postgres://app:hunter22@db:5432/app",
                                         DB_PASSWORD="correct-horse"))
    found = fires(inv, "C102")
    assert {f.evidence["variable"] for f in found} == {"AWS_SECRET_ACCESS_KEY", "STRIPE",
                                                       "DATABASE_URL", "DB_PASSWORD"}
    blob = repr([f.to_dict() for f in found])
    for value in (secret_key, "hunter22", "correct-horse", "a" * 24):
        assert value not in blob


def test_c102_near_misses():
    inv = with_container(environment=env(MYSQL_ALLOW_EMPTY_PASSWORD="yes",
                                         DB_PASSWORD_SECRET_ARN="arn:aws:secretsmanager:us-east-1:1:secret:x",
                                         PASSWORD_FILE="/run/secrets/db", TOKEN_TTL="3600",
                                         FEATURE_ENABLED="true", API_KEY="", LOG_LEVEL="debug",
                                         SERVICE_URL="https://api.example.com/v1"))
    assert fires(inv, "C102") == []
    assert all(e.value is not None for e in inv.task_definitions[0].containers[0].environment)


def test_c103_root_user_variants_and_windows_near_miss():
    for user in (None, "root", "0", "0:0", "root:staff"):
        assert len(fires(with_container(user=user), "C103")) == 1, user
    assert fires(with_container(user="1000:1000"), "C103") == []
    assert fires(with_container(user=None, windows=True), "C103") == []


def test_c104_writable_root_and_near_miss():
    assert len(fires(with_container(readonly_root_filesystem=False), "C104")) == 1
    assert fires(with_container(), "C104") == []


def test_c105_host_namespaces_and_task_near_miss():
    assert len(fires(with_container(pid="host"), "C105")) == 1
    assert len(fires(with_container(ipc="host"), "C105")) == 1
    assert fires(with_container(pid="task", ipc="task"), "C105") == []


def test_c106_capabilities_with_ptrace_medium_and_near_miss():
    [f] = fires(with_container(linux_parameters={"capabilities": {"add": ["SYS_ADMIN"]}}), "C106")
    assert f.severity == "high"
    [f] = fires(with_container(linux_parameters={"capabilities": {"add": ["SYS_PTRACE"]}}), "C106")
    assert f.severity == "medium"
    assert fires(with_container(linux_parameters={"capabilities": {"add": ["CHOWN"],
                                                                   "drop": ["ALL"]}}), "C106") == []


def test_c107_no_logging_and_near_miss():
    assert len(fires(with_container(log_configuration=None), "C107")) == 1
    assert fires(with_container(), "C107") == []


def test_c108_unpinned_images_and_near_misses():
    for image in ("nginx", "nginx:latest", "registry:5000/team/app", "registry:5000/team/app:latest"):
        assert len(fires(with_container(image=image), "C108")) == 1, image
    for image in ("nginx:1.27", "registry:5000/team/app:2.1", "nginx@sha256:" + "a" * 64,
                  "nginx:latest@sha256:" + "a" * 64):
        assert fires(with_container(image=image), "C108") == [], image


def test_c109_host_network_and_near_miss():
    assert len(fires(with_container(network_mode="host"), "C109")) == 1
    assert fires(with_container(network_mode="bridge"), "C109") == []
