"""IAM policy engine: parsing, the action catalogue, evaluation, trust and classification."""

from auditor.iam.catalogue import catalogue  # noqa: F401
from auditor.iam.classify import Classification, classify  # noqa: F401
from auditor.iam.evaluate import ALLOWED, CONDITIONAL, DENIED, Verdict, decide  # noqa: F401
from auditor.iam.policy import Policy, PolicyError, Statement, parse_policy  # noqa: F401
from auditor.iam.principals import Grant, Principal, build_principals  # noqa: F401
from auditor.iam.trust import Trustee, trustees  # noqa: F401
