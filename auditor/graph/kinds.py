"""Node kinds and edge labels of the who-can-do-what graph, declared in one place."""

from __future__ import annotations

from enum import StrEnum


class Node(StrEnum):
    ACCOUNT = "account"
    CLUSTER = "cluster"
    SERVICE = "service"
    TASK_DEFINITION = "task-definition"
    CONTAINER = "container"
    ROLE = "iam-role"
    USER = "iam-user"
    INSTANCE_PROFILE = "instance-profile"
    CONTAINER_INSTANCE = "container-instance"
    EC2_INSTANCE = "ec2-instance"
    LOAD_BALANCER = "load-balancer"
    TARGET_GROUP = "target-group"
    FILE_SYSTEM = "efs-file-system"
    ACCESS_POINT = "efs-access-point"


class Edge(StrEnum):
    CONTAINS = "contains"  # account -> cluster, cluster -> service
    RUNS = "runs"  # service -> task definition
    HAS_CONTAINER = "has-container"
    TASK_ROLE = "task-role"
    EXECUTION_ROLE = "execution-role"
    HAS_INSTANCE = "has-instance"  # cluster -> container instance
    BACKED_BY = "backed-by"  # container instance -> EC2 instance
    HAS_PROFILE = "has-instance-profile"
    PROFILE_ROLE = "profile-role"
    REACHES_VIA_IMDS = "reaches-instance-role-via-imds"  # task definition -> role
    BEHIND = "behind"  # service -> target group / classic load balancer
    TARGET_OF = "target-group-of"  # target group -> load balancer
    MOUNTS = "mounts"  # task definition -> file system / access point
    ACCESS_POINT_OF = "access-point-of"
    CAN_PASS = "can-pass-role"  # principal -> role
    CAN_EXEC = "can-exec-into"  # principal -> service
    CAN_ESCALATE = "can-escalate-to"  # principal -> role
