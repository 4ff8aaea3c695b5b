"""Rules C101–C110 (auditor.rules.container): each fires, and its near misses stay quiet."""

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


# Shapes the hand-written classifier used to miss (issue: nothing leaked, nothing silent).
MISSED_SHAPES = {
    "DB_PASS": "hunter2hunter", "KEY_PASSPHRASE": "correct horse battery",
    "NEWRELIC_LICENSE_KEY": "0123456789abcdef0123456789abcdef01234567",
    "ENCRYPTION_KEY": "c2VjcmV0LWtleS1tYXRlcmlhbA==", "REDIS_URL": "redis://:pw-r3dis@cache:6379",
    "DATABASE_URL": "postgres://app:pa/ss9@db/app",
    "SPRING_APPLICATION_JSON": '{"spring":{"datasource":{"password":"s3cr3tpw"}}}',
    "JAVA_OPTS": "-Xmx1g -Ddb.Password=s3cr3tpw",
    "AZURE_STORAGE": "DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=abcdEFGH1234abcd==",
    "SLACK_HOOK": "https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "ARGS": "--db-password x9x9x9x9",
}


def test_c102_finds_the_shapes_detect_secrets_and_the_extra_patterns_cover():
    found = fires(with_container(environment=env(**MISSED_SHAPES)), "C102")
    assert {f.evidence["variable"] for f in found} == set(MISSED_SHAPES)
    blob = repr([f.to_dict() for f in found])
    assert not [v for v in MISSED_SHAPES.values() if v in blob]


def test_c102_leaves_digests_shas_and_plain_flags_alone():
    inv = with_container(environment=env(
        GIT_SHA="3f2c1a9b8d7e6f5a4b3c2d1e0f9a8b7c6d5e4f3a",
        JAVA_OPTS="-Xmx512m -Dspring.profiles.active=prod",
        ARGS="--port 8080 --workers 4", TOKEN_URL="https://auth.example.com/token", SECRET_MODE="strict"))
    assert fires(inv, "C102") == []


def with_fields(**container):
    from auditor.collect.ecs import transform_task_definition

    raw = {"taskDefinitionArn": "arn:aws:ecs:us-east-1:111122223333:task-definition/app:1",
           "family": "app", "revision": 1, "networkMode": "awsvpc",
           "containerDefinitions": [{"name": "app", "image": "repo/app:1.2", **container}],
           "volumes": [{"name": "data", "dockerVolumeConfiguration": {
               "driver": "rexray/ebs", "driverOpts": {"password": "vol-s3cret-9", "size": "10"}}}]}
    td = transform_task_definition(raw, "us-east-1")
    return td, inventory(tds=[td], services=[service("app", td)])


def test_c110_secrets_in_log_options_driver_options_commands_and_labels_are_redacted():
    token = "B5A79AAD-D822-46CC-80D1-819F80D7BFB0"
    td, inv = with_fields(
        logConfiguration={"logDriver": "splunk", "options": {"splunk-token": token,
                                                             "splunk-url": "https://splunk:8088"}},
        command=["serve", "--db-password", "cmd-s3cret-1"],
        entryPoint=["sh", "-c", "exec app -Dapi.token=entry-s3cret-2"],
        healthCheck={"command": ["CMD-SHELL", "curl -f http://admin:hc-s3cret-3@localhost/health"]},
        dockerLabels={"team": "payments", "datadog_api_key": "0123456789abcdef0123456789abcdef"})
    found = fires(inv, "C110")
    assert {f.evidence["field"] for f in found} == {
        "logConfiguration.options.splunk-token", "command", "entryPoint", "healthCheck.command",
        "dockerLabels.datadog_api_key", "dockerVolumeConfiguration.driverOpts.password"}
    # Redacted where it stood: nothing of the values is in the model, so in no output either.
    from auditor.model.serde import to_jsonable
    blob = repr(to_jsonable(td)) + repr([f.to_dict() for f in found])
    for value in (token, "cmd-s3cret-1", "entry-s3cret-2", "hc-s3cret-3", "vol-s3cret-9",
                  "0123456789abcdef0123456789abcdef"):
        assert value not in blob
    assert td.containers[0].log_configuration["options"]["splunk-url"] == "https://splunk:8088"


def test_c110_near_miss_plain_fields_stay_quiet_and_are_kept():
    td, inv = with_fields(logConfiguration={"logDriver": "awslogs", "options": {
        "awslogs-group": "/ecs/app", "awslogs-region": "us-east-1"}}, command=["serve", "--port", "80"],
        dockerLabels={"team": "payments"})
    # Only the volume's driver password (the same in both): the plain fields stay quiet.
    assert [f.evidence["field"] for f in fires(inv, "C110")] == [
        "dockerVolumeConfiguration.driverOpts.password"]
    assert td.containers[0].log_configuration["options"]["awslogs-group"] == "/ecs/app"
