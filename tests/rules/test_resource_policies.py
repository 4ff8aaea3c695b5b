"""auditor.rules.resource_policies: resource policies as a layer of the engine, and I401–I404.

Semantics from the IAM User Guide, "Policy evaluation logic" and "Cross-account policy
evaluation logic" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html,
.../reference_policies_evaluation-logic-cross-account.html), and the KMS Developer Guide, "Key
policies" (https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html).
"""

from __future__ import annotations

import json

from auditor import audit
from auditor.model import KmsKey, ManagedPolicy, ResourcePolicy, SecretRef
from auditor.model.ecs import ContainerDefinition
from tests.builders import ACCT, R, allow, inventory, policy, role, service, task_def

OTHER = "999988887777"
BUCKET = "arn:aws:s3:::reports"
OBJECT = f"{BUCKET}/2026/q4.csv"
SECRET = f"arn:aws:secretsmanager:{R}:{ACCT}:secret:prod/db-AbCdEf"
KEY = f"arn:aws:kms:{R}:{ACCT}:key/1111-2222"
QUEUE = f"arn:aws:sqs:{R}:{ACCT}:jobs"
REPO = f"arn:aws:ecr:{R}:{ACCT}:repository/app"


def bucket(*statements, **kw) -> ResourcePolicy:
    return ResourcePolicy(BUCKET, "s3", R, "reports", json.dumps(policy(*statements)), "present", **kw)


def app(task_role, *resources, secrets=(), image="nginx@sha256:1", extra_roles=(), **kw):
    c = ContainerDefinition(name="app", image=image, secrets=tuple(SecretRef(n, v) for n, v in secrets))
    execution = kw.pop("execution", None)
    td = task_def("app", task_role=task_role, execution_role=execution, compat=("FARGATE",), containers=(c,))
    roles = [r for r in (task_role, execution, *extra_roles) if r]
    return inventory(roles=roles, tds=[td], services=[service("app", td, "FARGATE")],
                     resource_policies=tuple(r for r in resources if isinstance(r, ResourcePolicy)),
                     kms_keys=tuple(r for r in resources if isinstance(r, KmsKey)), **kw)


def stmt(effect, principal, action, resource, **kw) -> dict:
    return {"Effect": effect, "Principal": principal, "Action": action, "Resource": resource, **kw}


# --- the engine -----------------------------------------------------------------------------

def test_an_allow_only_in_the_bucket_policy_suffices_in_the_same_account():
    r = role("app")  # no identity policy at all
    res = audit(app(r, bucket(stmt("Allow", {"AWS": r.arn}, "s3:GetObject", f"{BUCKET}/*"))))
    sim = res.simulate(r.arn, "s3:GetObject", OBJECT)
    assert sim["decision"] == "allowed"
    assert [d["layer"] for d in sim["decided_by"] if d["effect"] == "allow"] == ["resource"]
    assert r.arn in {p.arn for p in res.who_can("s3:GetObject", OBJECT).principals}
    rows = [p for p in res.what_can(r.arn).permissions if p.source.startswith("bucket policy")]
    assert [(p.action, p.resource) for p in rows] == [("s3:getobject", f"{BUCKET}/*")]


def test_a_deny_only_in_the_bucket_policy_wins_over_the_identity_policy():
    r = role("app", allow("s3:GetObject", f"{BUCKET}/*"))
    res = audit(app(r, bucket(stmt("Deny", "*", "s3:GetObject", f"{BUCKET}/*"))))
    sim = res.simulate(r.arn, "s3:GetObject", OBJECT)
    assert sim["decision"] == "denied"
    assert any(d["layer"] == "resource" and d["effect"] == "deny" for d in sim["decided_by"])
    assert res.who_can("s3:GetObject", OBJECT).principals == ()


def test_a_grant_to_the_account_root_needs_the_identity_policy_too():
    r = role("app")
    root = {"AWS": f"arn:aws:iam::{ACCT}:root"}
    res = audit(app(r, bucket(stmt("Allow", root, "s3:GetObject", f"{BUCKET}/*"))))
    assert res.simulate(r.arn, "s3:GetObject", OBJECT)["decision"] == "denied"


def test_a_bucket_of_another_account_needs_both_sides():
    other_bucket = ResourcePolicy("arn:aws:s3:::their-data", "s3", R, "their-data", json.dumps(policy(
        stmt("Allow", {"AWS": f"arn:aws:iam::{ACCT}:root"}, "s3:GetObject", "arn:aws:s3:::their-data/*"))),
        "present")
    with_iam = role("reader", allow("s3:GetObject", "arn:aws:s3:::their-data/*"))
    without = role("other")
    res = audit(app(with_iam, other_bucket, extra_roles=[without]))
    res.model.layers["arn:aws:s3:::their-data"] = res.model.layers["arn:aws:s3:::their-data"].__class__(
        **{**vars(res.model.layers["arn:aws:s3:::their-data"]), "account": OTHER})
    assert res.simulate(with_iam.arn, "s3:GetObject", "arn:aws:s3:::their-data/x")["decision"] == "allowed"
    assert res.simulate(without.arn, "s3:GetObject", "arn:aws:s3:::their-data/x")["decision"] == "denied"


def test_a_boundary_limits_a_resource_grant_to_the_role_arn():
    boundary = ManagedPolicy(arn=f"arn:aws:iam::{ACCT}:policy/b", name="b",
                             document=policy(allow("sqs:*")))
    r = role("app")
    r = r.__class__(**{**vars(r), "permissions_boundary_arn": boundary.arn})
    res = audit(app(r, bucket(stmt("Allow", {"AWS": r.arn}, "s3:GetObject", f"{BUCKET}/*")),
                    managed_policies=(boundary,)))
    assert res.simulate(r.arn, "s3:GetObject", OBJECT)["decision"] == "denied"


def _key(*statements, grants=()) -> KmsKey:
    return KmsKey(KEY, "1111-2222", R, "CUSTOMER", policy=json.dumps(policy(*statements)),
                  policy_status="present", grants=tuple(grants), grants_status="present")


def test_kms_needs_the_key_policy_and_delegation_lets_iam_decide():
    r = role("app", allow("kms:Decrypt", KEY))
    only_admin = _key(stmt("Allow", {"AWS": f"arn:aws:iam::{ACCT}:role/key-admin"}, "kms:*", "*"))
    assert audit(app(r, only_admin)).simulate(r.arn, "kms:Decrypt", KEY)["decision"] == "denied"
    delegating = _key(stmt("Allow", {"AWS": f"arn:aws:iam::{ACCT}:root"}, "kms:*", "*"))
    assert audit(app(r, delegating)).simulate(r.arn, "kms:Decrypt", KEY)["decision"] == "allowed"
    nobody = role("nobody")
    granted = _key(grants=[{"GranteePrincipal": nobody.arn, "Operations": ["Decrypt"]}])
    assert audit(app(nobody, granted)).simulate(nobody.arn, "kms:Decrypt", KEY)["decision"] == "allowed"


def test_an_unreadable_policy_makes_the_answer_conditional():
    r = role("app", allow("s3:GetObject", f"{BUCKET}/*"))
    unknown = ResourcePolicy(BUCKET, "s3", R, "reports", None, "unknown")
    res = audit(app(r, unknown))
    sim = res.simulate(r.arn, "s3:GetObject", OBJECT)
    assert sim["decision"] == "conditional"
    assert any("could not be read" in d["policy"] for d in sim["decided_by"])
    assert res.who_can("s3:GetObject", OBJECT).notes


# --- I202: kms:Decrypt for injected secrets --------------------------------------------------

def test_i202_needs_decrypt_on_the_secrets_customer_key_through_the_key_policy():
    secret = ResourcePolicy(SECRET, "secretsmanager", R, "prod/db", None, "none", kms_key_id=KEY)
    execution = role("exec", allow("secretsmanager:GetSecretValue", SECRET), allow("kms:Decrypt", KEY))
    no_delegation = _key(stmt("Allow", {"AWS": f"arn:aws:iam::{ACCT}:role/key-admin"}, "kms:*", "*"))
    res = audit(app(role("task"), secret, no_delegation, execution=execution,
                    secrets=[("DB", SECRET)]))
    [f] = [f for f in res.findings if f.rule_id == "I202"]
    assert [(m["action"], m["resource"]) for m in f.evidence["missing"]] == [("kms:decrypt", KEY)]
    delegating = _key(stmt("Allow", {"AWS": f"arn:aws:iam::{ACCT}:root"}, "kms:*", "*"))
    res = audit(app(role("task"), secret, delegating, execution=execution, secrets=[("DB", SECRET)]))
    assert not [f for f in res.findings if f.rule_id == "I202"]  # near miss: delegation, IAM allows


# --- I401 / I402 / I403 / I404 ----------------------------------------------------------------

def _codes(res, code):
    return [f for f in res.findings if f.rule_id == code]


def test_i401_a_secret_readable_by_another_account():
    execution = role("exec", allow("secretsmanager:GetSecretValue", SECRET))
    shared = ResourcePolicy(SECRET, "secretsmanager", R, "prod/db", json.dumps(policy(
        stmt("Allow", {"AWS": f"arn:aws:iam::{OTHER}:root"}, "secretsmanager:GetSecretValue", "*"))),
        "present")
    res = audit(app(role("task"), shared, execution=execution, secrets=[("DB", SECRET)]))
    [f] = _codes(res, "I401")
    assert f.resource_arn == SECRET and f.evidence["admitted"][0]["principal"] == f"arn:aws:iam::{OTHER}:root"
    mine = ResourcePolicy(SECRET, "secretsmanager", R, "prod/db", json.dumps(policy(
        stmt("Allow", {"AWS": execution.arn}, "secretsmanager:GetSecretValue", "*"))), "present")
    assert not _codes(audit(app(role("task"), mine, execution=execution, secrets=[("DB", SECRET)])), "I401")


def test_i402_a_public_queue_and_its_near_misses():
    worker = role("task", allow("sqs:ReceiveMessage", QUEUE))
    public = ResourcePolicy(QUEUE, "sqs", R, "jobs",
                            json.dumps(policy(stmt("Allow", "*", "sqs:SendMessage", QUEUE))), "present")
    [f] = _codes(audit(app(worker, public)), "I402")
    assert f.severity == "critical" and "sqs:SendMessage" in f.message
    limited = ResourcePolicy(QUEUE, "sqs", R, "jobs", json.dumps(policy(stmt(
        "Allow", "*", "sqs:SendMessage", QUEUE,
        Condition={"StringEquals": {"aws:SourceAccount": ACCT}}))), "present")
    assert not _codes(audit(app(worker, limited)), "I402")
    unused = role("task", allow("s3:GetObject", "*"))
    assert not _codes(audit(app(unused, public)), "I402")  # no workload uses the queue


def test_i402_a_public_bucket_is_quiet_behind_block_public_access():
    r = role("app", allow("s3:GetObject", f"{BUCKET}/*"))
    public = stmt("Allow", "*", "s3:GetObject", f"{BUCKET}/*")
    assert _codes(audit(app(r, bucket(public))), "I402")
    blocked = bucket(public, public_access_block={"RestrictPublicBuckets": True}, block_status="present")
    assert not _codes(audit(app(r, blocked)), "I402")
    account_blocked = app(r, bucket(public), account_public_access_block={"RestrictPublicBuckets": True},
                          account_block_status="present")
    assert not _codes(audit(account_blocked), "I402")


def test_i403_a_repository_another_account_may_push_to():
    image = f"{ACCT}.dkr.ecr.{R}.amazonaws.com/app@sha256:1"
    push = ResourcePolicy(REPO, "ecr", R, "app", json.dumps(policy(stmt(
        "Allow", {"AWS": f"arn:aws:iam::{OTHER}:root"}, "ecr:*", "*"))), "present", tag_mutability="MUTABLE")
    [f] = _codes(audit(app(role("task"), push, image=image)), "I403")
    assert f.resource_arn == REPO and "mutable" in f.message
    pull = ResourcePolicy(REPO, "ecr", R, "app", json.dumps(policy(stmt(
        "Allow", {"AWS": f"arn:aws:iam::{OTHER}:root"}, ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        "*"))), "present")
    assert not _codes(audit(app(role("task"), pull, image=image)), "I403")


def test_i404_a_delegating_key_and_a_non_admin_that_may_administer_it():
    r = role("task", allow("kms:Decrypt", KEY))
    ci = role("ci", allow("kms:*", "*"))
    key = _key(stmt("Allow", {"AWS": f"arn:aws:iam::{ACCT}:root"}, "kms:*", "*"))
    [f] = _codes(audit(app(r, key, extra_roles=[ci])), "I404")
    assert [a["principal"] for a in f.evidence["admitted"]] == [ci.arn]
    named = _key(stmt("Allow", {"AWS": f"arn:aws:iam::{ACCT}:role/key-admin"}, "kms:*", "*"),
                 stmt("Allow", {"AWS": r.arn}, "kms:Decrypt", "*"))
    assert not _codes(audit(app(r, named, extra_roles=[ci])), "I404")


def test_a_grant_to_the_role_s_sessions_is_not_limited_by_its_boundary():
    """IAM User Guide, "Evaluating identity-based policies with resource-based policies": a
    boundary does not limit what a resource policy grants to a role session named directly."""
    boundary = ManagedPolicy(arn=f"arn:aws:iam::{ACCT}:policy/b", name="b", document=policy(allow("sqs:*")))
    r = role("app")
    r = r.__class__(**{**vars(r), "permissions_boundary_arn": boundary.arn})
    every_session = f"arn:aws:sts::{ACCT}:assumed-role/app/*"
    res = audit(app(r, bucket(stmt("Allow", {"AWS": every_session}, "s3:GetObject", f"{BUCKET}/*")),
                    managed_policies=(boundary,)))
    assert res.simulate(r.arn, "s3:GetObject", OBJECT)["decision"] == "allowed"
    one_session = f"arn:aws:sts::{ACCT}:assumed-role/app/task-1234"  # ECS names sessions by task
    res = audit(app(r, bucket(stmt("Allow", {"AWS": one_session}, "s3:GetObject", f"{BUCKET}/*")),
                    managed_policies=(boundary,)))
    assert res.simulate(r.arn, "s3:GetObject", OBJECT)["decision"] == "conditional"


def test_a_conditional_deny_in_the_bucket_policy_makes_the_answer_conditional():
    """A TLS-only deny (aws:SecureTransport false) may apply to a request offline: conditional,
    and exact once the context says the request used TLS."""
    r = role("app", allow("s3:GetObject", f"{BUCKET}/*"))
    tls = stmt("Deny", "*", "s3:*", f"{BUCKET}/*", Condition={"Bool": {"aws:SecureTransport": "false"}})
    res = audit(app(r, bucket(tls)))
    assert res.simulate(r.arn, "s3:GetObject", OBJECT)["decision"] == "conditional"
    for tls_used, decision in (("true", "allowed"), ("false", "denied")):
        sim = res.simulate(r.arn, "s3:GetObject", OBJECT, {"aws:SecureTransport": tls_used})
        assert sim["decision"] == decision
