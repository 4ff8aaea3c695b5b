"""Member accounts' clients share their service's class and model (org/client_classes.py):
what botocore derives from the service's JSON is made once, what belongs to the account
(credentials, region, handlers) stays the client's own, and sessions that are not the scan's
are served exactly as botocore serves them."""

from __future__ import annotations

import gc

import boto3
from botocore.docs.docstring import ClientMethodDocstring

from auditor.org.account import _boto3_session, _core_session


def member(key: str, region: str = "eu-west-1") -> boto3.session.Session:
    return _boto3_session(_core_session(), aws_access_key_id=key, aws_secret_access_key="s",
                          region_name=region)


def test_two_accounts_clients_share_class_and_model_not_credentials_or_region():
    a = member("AKIAAAAAAAAAAAAAAAAA").client("ecs")
    b = member("AKIABBBBBBBBBBBBBBBB", "us-east-2").client("ecs")
    assert type(a) is type(b)
    assert a.meta.service_model is b.meta.service_model
    assert a._request_signer._credentials.access_key == "AKIAAAAAAAAAAAAAAAAA"
    assert b._request_signer._credentials.access_key == "AKIABBBBBBBBBBBBBBBB"
    assert (a.meta.region_name, b.meta.region_name) == ("eu-west-1", "us-east-2")
    assert a.meta.events is not b.meta.events  # a handler one account registers is its own


def test_the_classes_keep_the_methods_that_boto3_and_botocore_add_when_building_them():
    s3 = member("AKIAAAAAAAAAAAAAAAAA").client("s3")
    again = member("AKIABBBBBBBBBBBBBBBB").client("s3")
    assert type(s3) is type(again)
    for method in ("upload_file", "generate_presigned_url", "generate_presigned_post", "list_buckets"):
        assert callable(getattr(again, method))


def test_sessions_that_are_not_the_scans_get_their_own_classes_as_botocore_makes_them():
    mine = member("AKIAAAAAAAAAAAAAAAAA").client("sqs")
    plain = [boto3.session.Session(aws_access_key_id="AKIACCCCCCCCCCCCCCCC", aws_secret_access_key="s",
                                   region_name="eu-west-1").client("sqs") for _ in range(2)]
    assert type(plain[0]) is not type(mine)
    assert type(plain[0]) is not type(plain[1])
    assert plain[0].meta.service_model is not mine.meta.service_model


def test_releasing_an_accounts_client_leaves_no_per_operation_garbage():
    member("AKIAAAAAAAAAAAAAAAAA").client("ec2")  # the shared class exists from here on
    gc.collect()
    flags = gc.get_debug()
    gc.set_debug(gc.DEBUG_SAVEALL)  # keep what a collection finds unreachable, to look at
    try:
        client = member("AKIABBBBBBBBBBBBBBBB").client("ec2")
        assert client.describe_instances  # hundreds of operations: one docstring object each
        del client
        gc.collect()
        docstrings = sum(isinstance(o, ClientMethodDocstring) for o in gc.garbage)
        classes = sum(isinstance(o, type) and o.__name__ == "EC2" for o in gc.garbage)
    finally:
        gc.set_debug(flags)
        gc.garbage.clear()
    assert (docstrings, classes) == (0, 0)
