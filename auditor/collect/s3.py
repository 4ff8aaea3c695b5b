"""S3 buckets: each one's policy, Block Public Access and default encryption key, read in the
bucket's own region; and the account's Block Public Access (S3 Control)."""

from __future__ import annotations

from botocore.exceptions import ClientError

from auditor.collect.base import CallLedger, Clients, read_policy
from auditor.collect.limits import checked
from auditor.model import ResourcePolicy

# Each call (as its IAM action) -> the calls whose results it starts from.
ACTIONS: dict[str, tuple[str, ...]] = {
    "s3:ListAllMyBuckets": (),
    "s3:GetBucketLocation": ("s3:ListAllMyBuckets",),
    "s3:GetBucketPolicy": ("s3:ListAllMyBuckets",),
    "s3:GetBucketPublicAccessBlock": ("s3:ListAllMyBuckets",),
    "s3:GetEncryptionConfiguration": ("s3:ListAllMyBuckets",),
    "s3:GetAccountPublicAccessBlock": (),
}
BLOCK_KEYS = ("BlockPublicAcls", "IgnorePublicAcls", "BlockPublicPolicy", "RestrictPublicBuckets")


def _region_of(clients: Clients, ledger: CallLedger, home: str, bucket: dict) -> str | None:
    if bucket.get("BucketRegion"):
        return bucket["BucketRegion"]
    resp = ledger.guard("s3", home, "GetBucketLocation", lambda: clients("s3", home).get_bucket_location(
        Bucket=bucket["Name"]), resource=f"arn:aws:s3:::{bucket['Name']}")
    if resp is None:
        return None
    # No constraint means us-east-1; "EU" is the old name of eu-west-1 (S3 API reference).
    where = resp.get("LocationConstraint") or "us-east-1"
    return "eu-west-1" if where == "EU" else where


def get_buckets(clients: Clients, ledger: CallLedger, home: str) -> list[ResourcePolicy]:
    resp = ledger.guard("s3", home, "ListBuckets", lambda: checked(
        clients("s3", home).list_buckets(), "Buckets", "ListBuckets"))
    out = []
    for b in (resp or {}).get("Buckets", []):
        name = b["Name"]
        arn = f"arn:aws:s3:::{name}"
        region = _region_of(clients, ledger, home, b)
        if region is None:
            out.append(ResourcePolicy(arn, "s3", "unknown", name, block_status="unknown"))
            continue
        s3 = clients("s3", region)
        policy, status = read_policy(ledger, "s3", region, "GetBucketPolicy",
                                     lambda n=name, c=s3: c.get_bucket_policy(Bucket=n), "Policy", arn,
                                     ("NoSuchBucketPolicy",))
        block, block_status = _bucket_block(ledger, s3, region, name, arn)
        out.append(ResourcePolicy(arn, "s3", region, name, policy, status,
                                  kms_key_id=_default_key(ledger, s3, region, name, arn),
                                  public_access_block=block, block_status=block_status))
    return out


def _block(ledger: CallLedger, service: str, region: str, call, resource: str | None = None):
    """(Block Public Access settings or None, present | none | unknown), bucket or account."""
    try:
        resp = ledger.guard(service, region, "GetPublicAccessBlock", lambda: checked(
            call(), "PublicAccessBlockConfiguration", "GetPublicAccessBlock"), resource=resource,
            expected=("NoSuchPublicAccessBlockConfiguration",))
    except ClientError:
        return None, "none"
    if resp is None:
        return None, "unknown"
    conf = resp["PublicAccessBlockConfiguration"]
    return {k: bool(conf.get(k)) for k in BLOCK_KEYS}, "present"


def _bucket_block(ledger: CallLedger, s3, region: str, name: str, arn: str):
    return _block(ledger, "s3", region, lambda: s3.get_public_access_block(Bucket=name), arn)


def _default_key(ledger: CallLedger, s3, region: str, name: str, arn: str) -> str | None:
    try:
        resp = ledger.guard("s3", region, "GetBucketEncryption", lambda: s3.get_bucket_encryption(
            Bucket=name), resource=arn, expected=("ServerSideEncryptionConfigurationNotFoundError",))
    except ClientError:
        return None
    for r in ((resp or {}).get("ServerSideEncryptionConfiguration") or {}).get("Rules", []):
        default = r.get("ApplyServerSideEncryptionByDefault") or {}
        if default.get("KMSMasterKeyID"):
            return default["KMSMasterKeyID"]
    return None


def get_account_block(clients: Clients, ledger: CallLedger, home: str, account: str):
    """(the account's Block Public Access settings or None, present | none | unknown)."""
    return _block(ledger, "s3control", home,
                  lambda: clients("s3control", home).get_public_access_block(AccountId=account))
