"""The collector calls that rules read, named once: each rule declares its `reads` from these, and
a coverage gap on a call affects exactly the rules that read it (or read what it leads to)."""

from __future__ import annotations

IAM = ("iam:GetAccountAuthorizationDetails",)
CLUSTERS = ("ecs:DescribeClusters",)
SERVICES = ("ecs:DescribeServices",)
TASK_DEFINITIONS = ("ecs:DescribeTaskDefinition",)
RUNNING_TASKS = ("ecs:DescribeTasks",)
CONTAINER_INSTANCES = ("ecs:DescribeContainerInstances",)
# The EC2 instances behind container instances: their instance profiles and metadata options.
INSTANCES = ("ec2:DescribeInstances",)
TARGET_GROUPS = ("elasticloadbalancing:DescribeTargetGroups",)
LOAD_BALANCERS = ("elasticloadbalancing:DescribeLoadBalancers",)
LISTENERS = ("elasticloadbalancing:DescribeListeners",)
SUBNETS = ("ec2:DescribeSubnets",)
SECURITY_GROUPS = ("ec2:DescribeSecurityGroups",)
FILE_SYSTEMS = ("elasticfilesystem:DescribeFileSystems",)
MOUNT_TARGETS = ("elasticfilesystem:DescribeMountTargets",)
MOUNT_TARGET_GROUPS = ("elasticfilesystem:DescribeMountTargetSecurityGroups",)
ACCESS_POINTS = ("elasticfilesystem:DescribeAccessPoints",)
FILE_SYSTEM_POLICIES = ("elasticfilesystem:DescribeFileSystemPolicy",)
IMAGES = ("ecr:BatchGetImage",)
METRICS = ("cloudwatch:GetMetricData",)

# A task definition and the services that run it (launch types, related ARNs).
WORKLOADS = TASK_DEFINITIONS + SERVICES
# The roles ECS uses: task and execution roles from task definitions, instance roles from the
# EC2 instances behind container instances.
ROLES_IN_USE = IAM + TASK_DEFINITIONS + CONTAINER_INSTANCES + INSTANCES
# What tells whether a workload is reachable from the internet (raises I1xx/I3xx severities).
EXPOSURE = SERVICES + TARGET_GROUPS + LOAD_BALANCERS
# Where containers run on EC2 and what the host gives them.
HOSTS = RUNNING_TASKS + CONTAINER_INSTANCES + INSTANCES
# Resources with their own policies, and what tells whether a public one is blocked.
BUCKETS = ("s3:ListAllMyBuckets", "s3:GetBucketLocation", "s3:GetBucketPolicy",
           "s3:GetBucketPublicAccessBlock", "s3:GetEncryptionConfiguration",
           "s3:GetAccountPublicAccessBlock")
SECRETS = ("secretsmanager:ListSecrets", "secretsmanager:GetResourcePolicy")
QUEUES_AND_TOPICS = ("sqs:ListQueues", "sqs:GetQueueAttributes", "sns:ListTopics", "sns:GetTopicAttributes")
SHARED_DATA = BUCKETS + SECRETS + QUEUES_AND_TOPICS
PARAMETERS = ("ssm:DescribeParameters",)
KEYS = ("kms:DescribeKey", "kms:GetKeyPolicy", "kms:ListGrants", "logs:DescribeLogGroups") + PARAMETERS
REPOSITORIES = ("ecr:DescribeRepositories", "ecr:GetRepositoryPolicy")
