"""Privilege-escalation methods as data: each one declared once, with the permissions it needs,
what it gains and where it is documented. Rule I103 (and the danger ordering of evidence) read
this list; adding a method is one entry here and one case in the tests.

Sources: Rhino Security Labs, "AWS IAM Privilege Escalation – Methods and Mitigation" (2018);
the pathfinding.cloud catalogue of AWS privilege-escalation paths; Prowler's IAM privilege
escalation check; Bishop Fox's iam-vulnerable; the AWS documentation of each service's
"pass a role" parameter. Every action name is checked against the IAM catalogue by a test.
"""

from __future__ import annotations

from dataclasses import dataclass

RHINO = "Rhino Security Labs, AWS IAM privilege escalation methods"
PATHFINDING = "pathfinding.cloud"
PROWLER = "Prowler, iam_policy_allows_privilege_escalation"
ECS_API = "Amazon ECS API Reference, CreateService and UpdateService (taskDefinition)"


@dataclass(frozen=True)
class Method:
    id: str
    actions: tuple[str, ...]  # all needed, on the resources the method acts on
    gains: str  # passed-role | principal-credentials | own-policy | instance-role | task-role
    sources: tuple[str, ...]
    certain: bool = True  # False: it also needs something the permissions alone do not show
    # For the ECS methods, how graph/escalation.py builds the path on an account (its steps and
    # the preconditions they check) and the call that starts the task.
    route: str | None = None  # new-task-definition | task-role-override | registered-host |
    #                           existing-task-definition | execute-command | enable-execute-command
    launch: str | None = None


def _m(id_: str, gains: str, *actions: str, sources=(RHINO, PROWLER), certain: bool = True,
       route: str | None = None) -> Method:
    launch = next((a for a in actions if a in LAUNCHES), None) if route else None
    return Method(id_, actions, gains, tuple(sources), certain, route, launch)


LAUNCHES = ("ecs:RunTask", "ecs:StartTask", "ecs:CreateService", "ecs:UpdateService", "ecs:CreateTaskSet")


METHODS: tuple[Method, ...] = (
    # IAM alone: change one's own policies or take another principal's credentials.
    _m("CreateNewPolicyVersion", "own-policy", "iam:CreatePolicyVersion"),
    _m("SetExistingDefaultPolicyVersion", "own-policy", "iam:SetDefaultPolicyVersion", certain=False),
    _m("CreateAccessKey", "principal-credentials", "iam:CreateAccessKey"),
    _m("CreateLoginProfile", "principal-credentials", "iam:CreateLoginProfile"),
    _m("UpdateLoginProfile", "principal-credentials", "iam:UpdateLoginProfile"),
    _m("AttachUserPolicy", "own-policy", "iam:AttachUserPolicy"),
    _m("AttachGroupPolicy", "own-policy", "iam:AttachGroupPolicy"),
    _m("AttachRolePolicy", "own-policy", "iam:AttachRolePolicy"),
    _m("PutUserPolicy", "own-policy", "iam:PutUserPolicy"),
    _m("PutGroupPolicy", "own-policy", "iam:PutGroupPolicy"),
    _m("PutRolePolicy", "own-policy", "iam:PutRolePolicy"),
    _m("AddUserToGroup", "own-policy", "iam:AddUserToGroup"),
    _m("UpdateRolePolicyToAssumeIt", "principal-credentials", "iam:UpdateAssumeRolePolicy"),
    # Compute that runs with a role passed to it.
    _m("PassExistingRoleToNewEC2Instance", "passed-role", "iam:PassRole", "ec2:RunInstances"),
    _m("PassExistingRoleToSpotInstances", "passed-role", "iam:PassRole", "ec2:RequestSpotInstances",
       sources=(PATHFINDING, PROWLER)),
    _m("PassExistingRoleToLaunchTemplateAutoScaling", "passed-role", "iam:PassRole",
       "ec2:CreateLaunchTemplate", "autoscaling:CreateAutoScalingGroup", sources=(PATHFINDING,)),
    _m("PassExistingRoleToLaunchConfigurationAutoScaling", "passed-role", "iam:PassRole",
       "autoscaling:CreateLaunchConfiguration", "autoscaling:CreateAutoScalingGroup",
       sources=(PATHFINDING, PROWLER)),
    _m("PassExistingRoleToNewLambdaThenInvoke", "passed-role", "iam:PassRole", "lambda:CreateFunction",
       "lambda:InvokeFunction"),
    _m("PassExistingRoleToNewLambdaThenTriggerWithEventSource", "passed-role", "iam:PassRole",
       "lambda:CreateFunction", "lambda:CreateEventSourceMapping"),
    _m("PassExistingRoleToNewLambdaThenAddPermission", "passed-role", "iam:PassRole",
       "lambda:CreateFunction", "lambda:AddPermission", sources=(PATHFINDING, PROWLER)),
    _m("EditExistingLambdaFunctionWithRole", "passed-role", "lambda:UpdateFunctionCode", certain=False),
    _m("EditExistingLambdaFunctionConfiguration", "passed-role", "lambda:UpdateFunctionConfiguration",
       sources=(PATHFINDING,), certain=False),
    _m("PassExistingRoleToNewGlueDevEndpoint", "passed-role", "iam:PassRole", "glue:CreateDevEndpoint"),
    _m("UpdateExistingGlueDevEndpoint", "passed-role", "glue:UpdateDevEndpoint", certain=False),
    _m("PassExistingRoleToNewGlueJob", "passed-role", "iam:PassRole", "glue:CreateJob", "glue:StartJobRun",
       sources=(PATHFINDING, PROWLER)),
    _m("UpdateExistingGlueJob", "passed-role", "iam:PassRole", "glue:UpdateJob", "glue:StartJobRun",
       sources=(PATHFINDING,), certain=False),
    _m("PassExistingRoleToCloudFormation", "passed-role", "iam:PassRole", "cloudformation:CreateStack"),
    _m("UpdateExistingCloudFormationStack", "passed-role", "cloudformation:UpdateStack",
       sources=(PATHFINDING, PROWLER), certain=False),
    _m("ExecuteChangeSetOnExistingStack", "passed-role", "cloudformation:CreateChangeSet",
       "cloudformation:ExecuteChangeSet", sources=(PATHFINDING,), certain=False),
    _m("PassExistingRoleToNewDataPipeline", "passed-role", "iam:PassRole", "datapipeline:CreatePipeline",
       "datapipeline:PutPipelineDefinition"),
    _m("PassExistingRoleToNewCodeBuildProject", "passed-role", "iam:PassRole", "codebuild:CreateProject",
       "codebuild:StartBuild"),
    _m("StartExistingCodeBuildProjectWithOverride", "passed-role", "codebuild:StartBuild",
       sources=(PATHFINDING,), certain=False),
    _m("PassExistingRoleToNewSageMakerNotebook", "passed-role", "iam:PassRole",
       "sagemaker:CreateNotebookInstance", "sagemaker:CreatePresignedNotebookInstanceUrl"),
    _m("PassExistingRoleToNewSageMakerTrainingJob", "passed-role", "iam:PassRole",
       "sagemaker:CreateTrainingJob", sources=(PATHFINDING, PROWLER)),
    _m("PassExistingRoleToNewSageMakerProcessingJob", "passed-role", "iam:PassRole",
       "sagemaker:CreateProcessingJob", sources=(PATHFINDING,)),
    _m("PassExistingRoleToNewAppRunnerService", "passed-role", "iam:PassRole", "apprunner:CreateService",
       sources=(PATHFINDING,)),
    _m("PassExistingRoleToNewBatchJob", "passed-role", "iam:PassRole", "batch:RegisterJobDefinition",
       "batch:SubmitJob", sources=(PATHFINDING,)),
    _m("PassExistingRoleToBedrockAgentCoreCodeInterpreter", "passed-role", "iam:PassRole",
       "bedrock-agentcore:CreateCodeInterpreter", "bedrock-agentcore:StartCodeInterpreterSession",
       "bedrock-agentcore:InvokeCodeInterpreter", sources=(PATHFINDING,)),
    # An existing instance's role, by changing what it runs or logging in.
    _m("ModifyInstanceUserDataThenRestart", "instance-role", "ec2:ModifyInstanceAttribute",
       "ec2:StopInstances", "ec2:StartInstances", sources=(PATHFINDING, PROWLER), certain=False),
    _m("EC2InstanceConnect", "instance-role", "ec2-instance-connect:SendSSHPublicKey",
       sources=(PATHFINDING,), certain=False),
    _m("SsmStartSession", "instance-role", "ssm:StartSession", sources=(PATHFINDING, PROWLER), certain=False),
    _m("SsmSendCommand", "instance-role", "ssm:SendCommand", sources=(PATHFINDING, PROWLER), certain=False),
    # ECS: a task with a role passed to it, or code run in an existing task. graph/escalation.py
    # tries them in this order for each role and reports the first that works.
    _m("PassExistingRoleToNewEcsTaskRunTask", "task-role", "iam:PassRole", "ecs:RegisterTaskDefinition",
       "ecs:RunTask", sources=(PATHFINDING, PROWLER), route="new-task-definition"),  # ecs-002, ecs-004
    _m("PassExistingRoleToNewEcsTaskStartTask", "task-role", "iam:PassRole", "ecs:RegisterTaskDefinition",
       "ecs:StartTask", sources=(PATHFINDING,), route="new-task-definition"),  # ecs-005
    _m("PassExistingRoleToNewEcsService", "task-role", "iam:PassRole", "ecs:RegisterTaskDefinition",
       "ecs:CreateService", sources=(PATHFINDING, PROWLER), route="new-task-definition"),  # ecs-001, ecs-003
    _m("PassExistingRoleToUpdatedEcsService", "task-role", "iam:PassRole", "ecs:RegisterTaskDefinition",
       "ecs:UpdateService", sources=(PATHFINDING,), route="new-task-definition"),
    _m("OverrideTaskRoleOnRunTask", "task-role", "iam:PassRole", "ecs:RunTask", sources=(PATHFINDING,),
       certain=False, route="task-role-override"),  # ecs-008
    _m("OverrideTaskRoleOnStartTask", "task-role", "iam:PassRole", "ecs:StartTask", sources=(PATHFINDING,),
       certain=False, route="task-role-override"),  # ecs-009
    _m("RegisterContainerInstanceThenStartTask", "task-role", "iam:PassRole",
       "ecs:RegisterContainerInstance", "ecs:StartTask", sources=(PATHFINDING,), certain=False,
       route="registered-host"),  # ecs-007
    _m("PassExistingRoleToNewEcsTaskSet", "task-role", "iam:PassRole", "ecs:RegisterTaskDefinition",
       "ecs:CreateTaskSet", sources=(PATHFINDING,), certain=False, route="new-task-definition"),
    # a service moved onto an existing definition runs that definition's own code: conditional
    _m("MoveNewServiceOntoExistingTaskDefinition", "task-role", "iam:PassRole", "ecs:CreateService",
       sources=(ECS_API,), certain=False, route="existing-task-definition"),
    _m("MoveServiceOntoExistingTaskDefinition", "task-role", "iam:PassRole", "ecs:UpdateService",
       sources=(ECS_API,), certain=False, route="existing-task-definition"),
    # the session needs the container's runtime id, which DescribeTasks gives (ecs-006)
    _m("EcsExecIntoTask", "task-role", "ecs:ExecuteCommand", "ecs:DescribeTasks", sources=(PATHFINDING,),
       certain=False, route="execute-command"),
    _m("EnableEcsExecThenExecute", "task-role", "ecs:UpdateService", "ecs:ExecuteCommand",
       "ecs:DescribeTasks", sources=(PATHFINDING,), certain=False, route="enable-execute-command"),
)

# name -> actions: the shape the rest of the package reads.
ESCALATION_METHODS: dict[str, tuple[str, ...]] = {m.id: m.actions for m in METHODS}
BY_ID: dict[str, Method] = {m.id: m for m in METHODS}
# The methods graph/escalation.py turns into paths on an account, in the order it tries them.
ECS_ROUTES: tuple[Method, ...] = tuple(m for m in METHODS if m.route)
