"""Each IAM principal's policies, parsed once, and what it may do.

A role's identity policies are its inline policies plus the default version of each attached
managed policy; a user's also include its groups'. A permissions boundary intersects.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from functools import cached_property

from auditor.iam.catalogue import catalogue
from auditor.iam.evaluate import ALLOWED, CONDITIONAL, DENIED, Context, Verdict, decide, weakest
from auditor.iam.glob import globs_intersect, overlap_exists
from auditor.iam.policy import PolicyError, Statement, parse_policy
from auditor.iam.resource_types import every_resource
from auditor.model import Inventory

ADMIN_POLICY_ARN = "arn:aws:iam::aws:policy/AdministratorAccess"


@dataclass(frozen=True)
class Grant:
    """What a principal may do with one concrete action (one shared object per shape)."""

    everywhere: bool  # on every resource ("Resource": "*" or equivalent)
    conditional: bool  # only under a condition (or unless a conditional deny applies)
    everywhere_conditional: bool = False  # the grant on every resource needs a condition


_SHAPES = {(e, c, ec): Grant(e, c, ec) for e in (False, True) for c in (False, True)
           for ec in (False, True)}


class GrantTable(dict):
    """action -> Grant, and the actions allowed on every resource (with and without a
    condition) as sets, so that "is all of this allowed everywhere" is one subset test, not a
    lookup per action (an admin statement names 22,000 of them)."""

    everywhere: frozenset[str] = frozenset()
    everywhere_sure: frozenset[str] = frozenset()  # on every resource, unconditionally
    _keys: frozenset[str] | None = None

    @property
    def keyset(self) -> frozenset[str]:
        """Its actions as one frozenset, made once (the admin table is shared by every admin
        principal, and so is this)."""
        if self._keys is None:
            self._keys = frozenset(self)
        return self._keys

    @classmethod
    def of(cls, pairs) -> GrantTable:
        out = cls(pairs)
        out.everywhere = frozenset(a for a, g in out.items() if g.everywhere)
        out.everywhere_sure = frozenset(a for a, g in out.items()
                                        if g.everywhere and not g.everywhere_conditional)
        return out


@dataclass
class Principal:
    arn: str
    kind: str  # role | user
    name: str
    statements: tuple[Statement, ...] = ()
    boundary: tuple[Statement, ...] | None = None
    errors: list[str] = field(default_factory=list)
    attached_policy_arns: tuple[str, ...] = ()
    missing_policies: tuple[str, ...] = ()
    scps: tuple = ()  # organisation.Level per level of the account's path (none: not known)
    regions: tuple[str, ...] = ()  # the audited regions: a region-limiting SCP spares these
    org_id: str = ""  # the organisation of its account, when known (aws:PrincipalOrgID)

    @cached_property
    def limits(self) -> list[tuple[Statement, ...]]:
        """Every layer that must allow too: the boundary, then each SCP level that limits
        (worked out once: every decision reads it)."""
        out = [self.boundary] if self.boundary is not None else []
        return out + [lvl.statements for lvl in self.scps if not lvl.allows_everything]

    def request_context(self, context: Context | None = None, resource: str = "*") -> Context:
        """The request values this principal's requests always have: a role session has no
        aws:username (IAM User Guide, "Policy variables"); a regional resource's ARN gives
        the requested region; the caller's values come on top."""
        ctx = {"aws:username": (), **(context or {})} if self.kind == "role" else dict(context or {})
        if self.org_id:
            ctx.setdefault("aws:principalorgid", (self.org_id,))
        return requested_region(ctx, resource)

    def decide(self, action: str, resource: str = "*", context: Context | None = None) -> Verdict:
        context = self.request_context(context, resource)
        v = decide(self.statements, action, resource, context)
        for limit in self.limits:
            if v.decision == DENIED:
                break
            v = weakest(v, decide(limit, action, resource, context))
        return v

    @cached_property
    def grants(self) -> GrantTable:
        """Every concrete action this principal may perform on some resource."""
        # A role session has no aws:username: a pattern that needs it names nothing.
        absent = frozenset({"aws:username"}) if self.kind == "role" else frozenset()
        out = _grants(self.statements, absent)
        for limit in self.limits:
            out = _within_limit(out, self.statements, limit, absent, self.regions)
        return out

    @cached_property
    def grant_keys(self) -> frozenset[str]:
        return self.grants.keyset

    @property
    def highlight_order(self) -> list[str]:
        """Some of its actions, most dangerous first (iam:PassRole before iam:AcceptDelegation...),
        services in turn, for samples of what a principal holds."""
        return _highlights(self.grant_keys)


@functools.lru_cache(maxsize=1024)  # principals holding the same actions share the sample
def _highlights(actions: frozenset[str]) -> list[str]:
    from auditor.iam.knowledge import sample_by_danger

    return sample_by_danger(actions, 128)


def _within_limit(own: dict[str, Grant], statements: tuple[Statement, ...],
                  limit: tuple[Statement, ...], absent: frozenset[str],
                  regions: tuple[str, ...] = ()) -> GrantTable:
    """The grants a limiting layer (a boundary, an SCP level) leaves: an action is allowed
    somewhere only where an identity allow and a limit allow name a common resource of a type it
    acts on that no unconditional deny of either takes (identity c/* and boundary b/* leave
    nothing; nor do identity * narrowed by a deny to b/*, and a boundary of c/*)."""
    bounds = _grants(limit, absent, regions)
    allows = [b for b in limit if b.effect == "Allow" and not _names_nothing(b, absent)]
    denies = [d for d in statements + limit
              if d.effect == "Deny" and not d.conditions and not _names_nothing(d, absent)]
    reachable: set[str] = set()
    for st in statements:
        if st.effect != "Allow" or _names_nothing(st, absent):
            continue
        mine = _live_actions(st, absent)
        for b in allows:
            common = (mine & statement_actions(b)) - reachable
            if not common:
                continue
            for a, b_side, acts in _meeting(_sides(st, absent), _sides(b, absent)):
                for group, narrowing in _by_denies(common & acts, denies):
                    if _meet(a, b_side, narrowing, absent):
                        reachable |= group
                common = common - reachable
                if not common:
                    break
    return GrantTable.of(
        (action, _SHAPES[(g.everywhere and b.everywhere, g.conditional or b.conditional,
                          g.everywhere_conditional or b.everywhere_conditional)])
        for action, g in own.items() if (b := bounds.get(action)) and action in reachable)


Side = tuple[str, tuple[str, ...]]  # a resource pattern and what a NotResource spares of it


def _sides(st: Statement, absent: frozenset[str]) -> list[Side]:
    if st.not_resources is not None:
        return [("*", tuple(r for r in st.not_resources if "${" not in r))]
    return [(r, ()) for r in st.resources if not (absent and _needs_absent(r, absent))]


def _meeting(mine: list[Side], theirs: list[Side]):
    """Pairs of resource patterns that name a common resource, with the actions that can act
    on one there: those of the narrower pattern when one lies within the other, else those of
    both; less those whose every resource an excluded list takes."""
    from auditor.iam.evaluate import resource_matches

    types = catalogue().types
    for x, xo in mine:
        for y, yo in theirs:
            if not globs_intersect(x, y):
                continue
            if every_resource(y) or resource_matches(y, x):
                acts = types.governed(x)
            elif every_resource(x) or resource_matches(x, y):
                acts = types.governed(y)
            else:
                acts = types.governed(x) & types.governed(y)
            for excluded in (xo, yo):
                if excluded:
                    acts = acts - types.confined_to(excluded)
            if acts:
                yield (x, xo), (y, yo), acts


def _by_denies(actions: frozenset[str], denies: list[Statement]):
    """The actions split by which of the denies name them: (actions, those denies) pairs."""
    groups: list[tuple[frozenset[str], tuple[Statement, ...]]] = [(actions, ())]
    for d in denies:
        named = statement_actions(d)
        split = []
        for acts, ds in groups:
            inside = acts & named
            if inside:
                split.append((inside, ds + (d,)))
            if len(inside) < len(acts):
                split.append((acts - inside, ds))
        groups = split
    return groups


def _meet(a: Side, b: Side, denies: tuple[Statement, ...], absent: frozenset[str]) -> bool:
    """Is there a resource both sides name that none of the denies takes? A deny pattern whose
    value is unknown is left out, so that an action is never lost for it."""
    (x, xo), (y, yo) = a, b
    if not denies and not xo and not yo:
        return True  # the caller saw the two patterns meet
    groups, minus = [(x,), (y,)], list(xo + yo)
    for d in denies:
        if d.not_resources is None:
            minus += [r for r in d.resources if "${" not in r]
        else:
            groups.append(_spared(d, absent))
    if not all(groups):
        return False
    return overlap_exists(groups, tuple(minus))


EVERYTHING = ("*", "arn:*")  # NotResource patterns that leave no resource at all


def _within(pattern: str, excluded: tuple[str, ...]) -> bool:
    """Is every resource the pattern names among the excluded ones? (The pattern's own text,
    stars included, matched by an excluded glob: b/* lies within b/*, * within nothing short of *.)"""
    from auditor.iam.evaluate import resource_matches

    # A pattern with a policy variable may exclude nothing (its value unknown or absent): it
    # never counts as covering, so the table never misses an allow.
    return any(e in EVERYTHING or ("${" not in e and resource_matches(e, pattern)) for e in excluded)


def covers_all_resources(st: Statement) -> bool:
    """Does the statement's Resource take in every resource, "*" included (which the actions
    with no resource type are requested on)? Only a pattern of stars does; a NotResource never
    does, as it spares what it lists."""
    return st.not_resources is None and any(map(every_resource, st.resources))


def everywhere_actions(st: Statement) -> frozenset[str]:
    """The actions for which the statement's Resource (or NotResource) takes in every resource
    they act on (resource_types.covered_by): all of them for "*"; for arn:aws:s3:::* those of
    S3's buckets and objects; for a NotResource, those it spares none of."""
    return _everywhere(st.resources, st.not_resources)


@functools.lru_cache(maxsize=65536)  # the same few resource lists recur in thousands of policies
def _everywhere(resources: tuple[str, ...], not_resources: tuple[str, ...] | None) -> frozenset[str]:
    types = catalogue().types
    if not_resources is None:
        return types.covered_by(tuple(r for r in resources if "${" not in r))
    return types.every - frozenset().union(*(types.governed(x) for x in not_resources))


def statement_actions(st: Statement) -> frozenset[str]:
    """The concrete actions a statement covers: those its Action (or NotAction) names that act
    on a resource type its Resource (or NotResource) can name (resource_types.py)."""
    return _governing(named_actions(st), st.resources, st.not_resources)


def resource_actions(st: Statement) -> list[tuple[str, frozenset[str]]]:
    """Each resource pattern of a statement as the permission rows show it ("NOT r" for a
    NotResource), with the statement's actions that act on what it names (s3:* on a bucket's
    objects: the object actions, not s3:ListAllMyBuckets)."""
    if st.not_resources is not None:
        acts = statement_actions(st)
        return [(f"NOT {r}", acts) for r in st.not_resources]
    named = named_actions(st)
    return [(r, _governing(named, (r,), None)) for r in st.resources]


def governed_by(actions: frozenset[str], st: Statement, resource: str | None = None) -> frozenset[str]:
    """Of these actions, those the statement's resource pattern (or its whole Resource /
    NotResource) can govern."""
    if resource is not None and st.not_resources is None:
        return _governing(actions, (resource,), None)
    return _governing(actions, st.resources, st.not_resources)


def named_actions(st: Statement) -> frozenset[str]:
    """The concrete actions a statement's Action (or NotAction) names, whatever its Resource."""
    return _actions(st.action_patterns, st.not_actions is not None)


def _live_actions(st: Statement, absent: frozenset[str]) -> frozenset[str]:
    """The statement's actions for a principal whose requests never have the `absent` keys:
    a Resource pattern that needs one names nothing, so it governs no action either."""
    if not absent or not st.variables or st.not_resources is not None or \
            (st.resources and not st.resource_variables):
        return statement_actions(st)
    live = tuple(r for r in st.resources if not _needs_absent(r, absent))
    if not live:
        return frozenset()
    return _governing(named_actions(st), live, None)


@functools.lru_cache(maxsize=65536)
def _actions(patterns: tuple[str, ...], negated: bool) -> frozenset[str]:
    cat = catalogue()
    named = frozenset().union(*(cat.expand(p) for p in patterns))
    named = cat.all - named if negated else named
    return cat.all if len(named) == len(cat.all) else _one_object(named)


@functools.lru_cache(maxsize=4096)
def _one_object(actions: frozenset[str]) -> frozenset[str]:
    """One object per set of actions, whatever patterns named it ("s3:*" and "s3:*" in
    another order, ["s3:*", "s3:Get*"]): the caches below are keyed by these sets, and two equal
    sets that are not one object cost a comparison of every element on each lookup. (Bounded:
    an organisation scan audits account after account in one process.)"""
    return actions


@functools.lru_cache(maxsize=65536)
def _governing(named: frozenset[str], resources: tuple[str, ...],
               not_resources: tuple[str, ...] | None) -> frozenset[str]:
    types = catalogue().types
    if not_resources is not None:
        confined = types.confined_to(not_resources)
        return named - confined if confined else named
    if not resources or any(map(every_resource, resources)):
        # "*" governs every action; so does a resource policy's statement without Resource
        # (an ECR repository's): it governs the resource it is attached to.
        return named
    governed = frozenset().union(*(types.governed(r) for r in resources))
    return named & governed


def _covers(deny: Statement, allow: Statement, absent: frozenset[str] = frozenset()) -> bool:
    """Does the deny's Resource (or NotResource) take in every resource the allow names?"""
    named = [r for r in allow.resources if not (absent and allow.variables and _needs_absent(r, absent))]
    if deny.not_resources is None:
        if allow.not_resources is not None:
            return any(r in EVERYTHING for r in deny.resources)
        return all(_within(r, deny.resources) for r in named)
    # The deny spares only its NotResource list.
    spared = _spared(deny, absent)
    if allow.not_resources is None:
        return not any(globs_intersect(r, y) for r in named for y in spared)
    return all(_within(y, allow.not_resources) for y in spared)


def _denied_throughout(deny: Statement, allow: Statement, absent: frozenset[str]) -> frozenset[str]:
    """The deny's actions that it denies on every resource the allow gives them: all of them
    when its resources take in all of the allow's; else those whose resource types lie within
    its Resource (Deny arn:aws:sqs:* takes every queue action), or, for a deny sparing only its
    NotResource, those that act on nothing it spares within the allow (sqs:SendMessage, where
    only arn:aws:s3:::b/* is spared)."""
    if _covers(deny, allow, absent):
        return statement_actions(deny)
    types = catalogue().types
    if deny.not_resources is None:
        # A pattern with a policy variable may take nothing (its value unknown or absent).
        sure = tuple(r for r in deny.resources if not (deny.variables and "${" in r))
        if not sure:
            return frozenset()
        confined = types.confined_to(sure)
        if allow.not_resources is not None:
            return statement_actions(deny) & confined
        # An action keeps what an allow pattern outside the deny gives it (Allow [b/*,
        # role/ecs-*] with Deny iam:PassRole on role/ecs-*: b/* gives PassRole nothing).
        outside = [r for r in allow.resources if not _within(r, sure)
                   and not (absent and allow.variables and _needs_absent(r, absent))]
        survivors = frozenset().union(*(types.governed(r) for r in outside))
        return statement_actions(deny) - (survivors - confined)
    if allow.not_resources is not None:  # what both spare is not the allow's either
        spared = [y for y in _spared(deny, absent) if not _within(y, allow.not_resources)]
    else:
        spared = [y for y in _spared(deny, absent) if any(globs_intersect(r, y) for r in allow.resources)]
    kept = frozenset().union(*(types.governed(y) for y in spared))
    return statement_actions(deny) - kept


def _denied_together(allow: Statement, acts: frozenset[str], denies: list[Statement],
                     absent: frozenset[str]) -> frozenset[str]:
    """The actions that two or more denies take on every resource the allow names, though no
    one of them does (Deny b/* with a Deny of everything but b/*): for each set of actions the
    same denies name, is any resource of the allow left?"""
    out: set[str] = set()
    for group, narrowing in _by_denies(acts, denies):
        if len(narrowing) > 1 and not any(_meet(side, ("*", ()), narrowing, absent)
                                          for side in _sides(allow, absent)):
            out |= group
    return frozenset(out)


def _spares_a_region(deny: Statement, regions: tuple[str, ...]) -> bool:
    """A deny conditioned on the requested region that does not apply in some audited region
    (an SCP keeping work to approved regions): there the allow stands."""
    from auditor.iam.evaluate import condition_holds

    keys = {k for kv in deny.conditions.values() for k in kv}
    return keys == {"aws:requestedregion"} and any(
        condition_holds(deny.conditions, {"aws:requestedregion": (r,)}) is False for r in regions)


def requested_region(context: Context, resource: str) -> Context:
    """A request to a regional resource goes to that region's endpoint: its ARN gives
    aws:RequestedRegion when the caller did not say."""
    if "aws:requestedregion" in context or not resource.startswith("arn:"):
        return context
    parts = resource.split(":")
    return {**context, "aws:requestedregion": (parts[3],)} if len(parts) > 4 and parts[3] else context


def _needs_absent(pattern: str, absent: frozenset[str]) -> bool:
    return "${" in pattern and _needs_one_of(pattern, absent)


@functools.lru_cache(maxsize=65536)
def _needs_one_of(pattern: str, absent: frozenset[str]) -> bool:
    from auditor.iam.glob import variables_in

    return any(key in absent and default is None for _, key, default in variables_in(pattern))


def _names_nothing(st: Statement, absent: frozenset[str]) -> bool:
    """Does the statement apply to no resource at all: a NotResource of "*", or Resource
    patterns that each need a request value this principal never has?"""
    if st.not_resources is None and st.resources and not (absent and st.resource_variables):
        return False  # the usual statement: its patterns need no request value
    key = ("nothing", absent)
    if key not in st.memo:
        if st.not_resources is not None:
            st.memo[key] = any(r in EVERYTHING for r in st.not_resources)
        else:
            st.memo[key] = bool(absent) and st.variables and \
                all(_needs_absent(r, absent) for r in st.resources)
    return st.memo[key]


def _spared(st: Statement, absent: frozenset[str]) -> tuple[str, ...]:
    """A NotResource list as the principal's requests see it (a pattern needing an absent
    value names nothing, so it spares nothing)."""
    if not absent or not st.variables:
        return st.not_resources or ()
    return tuple(r for r in st.not_resources or () if not _needs_absent(r, absent))


def _grants(statements: tuple[Statement, ...], absent: frozenset[str] = frozenset(),
            regions: tuple[str, ...] = ()) -> GrantTable:
    """Set algebra over statements (an admin statement names 22,000 actions: no per-action work
    beyond the final table). An allow loses, symbolically, the actions of every unconditional
    deny whose resources take in all of its own (Allow b/k with Deny b/*: nothing left)."""
    sure: set[str] = set()  # allowed on some resource without condition
    maybe: set[str] = set()  # allowed on some resource under a condition
    sure_all: set[str] = set()  # allowed on every resource without condition
    maybe_all: set[str] = set()
    live = [st for st in statements if not _names_nothing(st, absent)]
    if all(st.effect == "Allow" for st in live) and any(_allows_everything(st) for st in live):
        return _everything()  # an admin policy and no deny: one shared table, not 22,000 entries
    hard = [d for d in live if d.effect == "Deny" and not d.conditions]
    for st in live:
        if st.effect != "Allow":
            continue
        acts, on_all = _allowed(st, absent)
        if hard:
            for d in hard:
                if acts:
                    acts = acts - _denied_throughout(d, st, absent)
            if len(hard) > 1 and acts:
                acts = acts - _denied_together(st, acts, hard, absent)
            on_all = on_all & acts
        if st.conditions:
            maybe |= acts
            maybe_all |= on_all
        else:
            sure |= acts
            sure_all |= on_all
    somewhere, everywhere = sure | maybe, sure_all | maybe_all
    for st in live:
        if st.effect != "Deny":
            continue
        hit = statement_actions(st) & somewhere
        if not hit:
            continue
        if st.conditions and not _spares_a_region(st, regions):
            # a deny that may apply: what it names is only conditionally allowed
            sure -= hit
            sure_all -= hit
        else:
            everywhere -= hit  # denied on some resources: no longer on all
    # The table by shape, a few set operations and one C-level fill per shape rather than
    # three lookups per action (the shape of `a` is (a in everywhere, a not in sure,
    # a in everywhere and a not in sure_all); sure_all lies within sure).
    unsure = somewhere - sure
    table = GrantTable()
    for actions, shape in ((somewhere - everywhere - unsure, (False, False, False)),
                           (unsure - everywhere, (False, True, False)),
                           (everywhere & unsure, (True, True, True)),
                           (everywhere - unsure - sure_all, (True, False, True)),
                           (everywhere & sure_all, (True, False, False))):
        if actions:
            table.update(dict.fromkeys(actions, _SHAPES[shape]))
    table.everywhere = frozenset(everywhere)
    table.everywhere_sure = frozenset(everywhere & sure_all)
    return table


def _allowed(st: Statement, absent: frozenset[str]) -> tuple[frozenset[str], frozenset[str]]:
    """An allow's actions, and those of them on every resource they act on, before any deny
    (worked out once per statement and principal kind)."""
    key = ("allowed", absent)
    if key not in st.memo:
        acts, wide = _live_actions(st, absent), everywhere_actions(st)
        st.memo[key] = acts, (acts if wide is catalogue().types.every else acts & wide)
    return st.memo[key]


def _allows_everything(st: Statement) -> bool:
    # (Cheap tests first, unmemoised: most statements fail one, and an inline policy's are
    # read once.)
    return st.effect == "Allow" and not st.conditions and covers_all_resources(st) and \
        len(statement_actions(st)) == len(catalogue().all)


@functools.cache
def _everything() -> GrantTable:
    """Every action on every resource, unconditionally: the table of every admin without a deny
    (shared: nothing changes a grants table once built)."""
    everything = catalogue().all
    table = GrantTable(dict.fromkeys(everything, _SHAPES[(True, False, False)]))
    table.everywhere = table.everywhere_sure = frozenset(everything)
    return table


class _Parsed(dict):
    """Each managed policy parsed once for the whole inventory, as (statements, error): a
    policy attached to a thousand roles is one set of statements, named by the policy alone
    ("managed policy m5"; the principal is the finding's subject)."""

    def managed(self, mp, kind: str) -> tuple[tuple[Statement, ...], str | None]:
        key = (mp.arn, kind)
        if key not in self:
            errors: list[str] = []
            stmts = _safe_parse(mp.document, f"{kind}managed policy {mp.name}", errors)
            self[key] = stmts, (errors[0] if errors else None)
        return self[key]


def _parse_all(inv: Inventory, label: str, inline, attached: tuple[str, ...],
               errors: list[str], missing: list[str], parsed: _Parsed, kind: str = "") -> list[Statement]:
    out: list[Statement] = []
    for p in inline:
        out.extend(_safe_parse(p.document, f"{label} inline policy {p.name}", errors))
    for arn in attached:
        mp = inv.index.managed_policy.get(arn)
        if mp is None or mp.document is None:
            missing.append(arn)
            continue
        stmts, error = parsed.managed(mp, kind)
        if error:
            errors.append(f"{label} {error}")
        out.extend(stmts)
    return out


def _safe_parse(doc, source: str, errors: list[str]) -> tuple[Statement, ...]:
    try:
        return parse_policy(doc, source).statements
    except PolicyError as e:
        errors.append(str(e))
        return ()


def _boundary(inv: Inventory, arn: str | None, label: str, errors: list[str],
              missing: list[str], parsed: _Parsed) -> tuple[Statement, ...] | None:
    if not arn:
        return None
    return tuple(_parse_all(inv, label, (), (arn,), errors, missing, parsed, "boundary "))


def build_principals(inv: Inventory, scps: tuple | None = None) -> dict[str, Principal]:
    """Every role and user of the inventory with its parsed policies (bad ones reported);
    `scps`: the organisation's SCP levels when the caller parsed them already."""
    from auditor.iam.organisation import exempt_from_controls, scp_levels

    out: dict[str, Principal] = {}
    scps = scp_levels(inv.organisation) if scps is None else scps
    org = inv.organisation.org_id if inv.organisation else ""
    parsed = _Parsed()
    for r in inv.roles:
        errors: list[str] = []
        missing: list[str] = []
        label = f"role {r.name}"
        stmts = _parse_all(inv, label, r.inline_policies, r.attached_policy_arns, errors, missing, parsed)
        out[r.arn] = Principal(r.arn, "role", r.name, tuple(stmts),
                               _boundary(inv, r.permissions_boundary_arn, label, errors, missing, parsed),
                               errors, r.attached_policy_arns, tuple(missing),
                               () if exempt_from_controls(r.arn) else scps, inv.regions, org)
    for u in inv.users:
        errors, missing = [], []
        label = f"user {u.name}"
        stmts = _parse_all(inv, label, u.inline_policies, u.attached_policy_arns, errors, missing, parsed)
        attached = list(u.attached_policy_arns)
        for gname in u.group_names:
            g = inv.index.group_by_name.get(gname)
            if g:
                stmts += _parse_all(inv, f"{label} via group {g.name}", g.inline_policies,
                                    g.attached_policy_arns, errors, missing, parsed, f"group {g.name} ")
                attached += g.attached_policy_arns
        out[u.arn] = Principal(u.arn, "user", u.name, tuple(stmts),
                               _boundary(inv, u.permissions_boundary_arn, label, errors, missing, parsed),
                               errors, tuple(attached), tuple(missing), scps, inv.regions, org)
    return out


__all__ = ["ALLOWED", "CONDITIONAL", "DENIED", "Grant", "Principal", "build_principals",
           "covers_all_resources", "everywhere_actions", "governed_by", "named_actions",
           "resource_actions", "statement_actions"]
