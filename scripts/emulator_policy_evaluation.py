"""Resource-policy evaluation for the local emulator: which statements of a policy (a bucket
policy, a role's trust policy) apply to a request, whether one of them denies it and which
allow it. Pure: no moto, no I/O.

What it models, after the IAM policy reference
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html, its
pages on Principal, Action/NotAction, Resource/NotResource and Condition, and
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html):

- ``Effect``, ``Action``/``NotAction`` (case-insensitive, ``*`` and ``?`` wildcards),
  ``Resource``/``NotResource`` (case-sensitive, ``*`` and ``?``), single statements or lists;
- ``Principal``: ``"*"``, ``{"AWS": "*"}``, an account (``123456789012`` or
  ``arn:aws:iam::123456789012:root``: every principal of that account), an IAM role ARN
  (every session of the role), an assumed-role session ARN, an IAM user ARN; ``Federated``:
  the identity provider a web identity caller signed in with (an IAM OIDC provider's ARN, as
  trust policies name it); ``Service`` and ``CanonicalUser`` match none of the emulator's
  callers;
- a role's trust policy (a request without a resource): its statements name a ``Principal``
  and no ``Resource`` (the role is the resource);
- ``Condition``: the String, Numeric, Bool, Arn and Null operators and their ``...IfExists``
  forms. Operators in one block, and keys under one operator, must all hold (AND); the values
  of one key are alternatives (OR), and a negated operator holds when the request's value
  matches none of them. A key missing from the request context makes an operator false,
  except negated ones (true), ``...IfExists`` (true) and ``Null``;
- the set operators ``ForAnyValue:`` and ``ForAllValues:`` before any of those but ``Null``
  and the ``...IfExists`` forms, over multivalued keys (a tuple of values) and single-valued
  ones (a set of one): ForAnyValue holds when one of the request's values satisfies the
  operator, ForAllValues when every one does; for a missing key ForAnyValue is false and
  ForAllValues true (the IAM User Guide's "Single-valued vs. multivalued context keys");
- ``ArnLike``/``ArnEquals`` compare the six colon-separated ARN fields one by one.

What it does not model (a policy using any of these is refused with
:class:`UnsupportedPolicyError`, never evaluated half-way): ``NotPrincipal``; the Date, IP address
and Binary operators; a set operator with ``Null`` or an ``...IfExists`` form, and an operator
without one on a multivalued key (AWS's answer depends on the operator); policy variables
(``${aws:username}``); a trust policy statement with a ``Resource`` or without a
``Principal`` (IAM refuses such a document). A ``*`` in a Resource matches across ARN fields
everywhere (AWS lets it do so only at the end of a field; S3 ARNs have a single resource
field, so only patterns with wildcards in the partition, service, region or account fields
could differ).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

ANONYMOUS = "anonymous"

# A condition key's value in the request context: one value, or the values of a multivalued
# key (an OIDC token's amr, aws:TagKeys).
ContextValue = str | tuple[str, ...]


class UnsupportedPolicyError(ValueError):
    """A policy uses an element the emulator does not evaluate."""


@dataclass(frozen=True)
class Caller:
    """Who makes a request: the values AWS puts in ``aws:PrincipalArn`` and friends.

    ``arn`` is the ``aws:PrincipalArn`` (a role's ARN for its sessions, a user's ARN, the
    account's ``...:root``), None for anonymous requests; ``session_arn`` is the
    ``arn:aws:sts::…:assumed-role/<role>/<session>`` of a role session; ``federated`` the
    identity provider of a web identity caller (``arn`` and ``account`` are None then: AWS
    has no IAM principal for it until the role is assumed).
    """

    arn: str | None
    account: str | None
    kind: str  # "AssumedRole", "User", "Account", "WebIdentityUser" or "anonymous"
    session_arn: str | None = None
    federated: str | None = None

    def context(self) -> dict[str, str]:
        """The global condition keys this caller supplies."""
        if self.arn is None or self.account is None:
            return {}
        return {
            "aws:PrincipalArn": self.arn,
            "aws:PrincipalAccount": self.account,
            "aws:PrincipalType": self.kind,
        }


@dataclass(frozen=True)
class Request:
    """One authorisation question: may ``caller`` do ``action`` on ``resource``? A
    ``resource`` of None asks a role's trust policy (whose statements name no resource)."""

    caller: Caller
    action: str
    resource: str | None
    context: Mapping[str, ContextValue] = field(default_factory=dict)

    def keys(self) -> dict[str, ContextValue]:
        """The request context: the caller's keys and the request's own (lower-cased names:
        condition keys are case-insensitive)."""
        merged: dict[str, ContextValue] = {**self.caller.context(), **self.context}
        return {name.lower(): value for name, value in merged.items()}


@dataclass(frozen=True)
class Decision:
    """The outcome: ``denied_by`` holds the Sid (or index) of the first denying statement;
    ``allowed_by`` the applicable Allow statements."""

    denied_by: str | None
    allowed_by: tuple[str, ...] = ()

    @property
    def denied(self) -> bool:
        return self.denied_by is not None

    @property
    def allowed(self) -> bool:
        """An Allow applies and no Deny does (what a trust policy must say to let a caller in;
        a resource policy without an Allow leaves the decision to identity policies)."""
        return not self.denied and bool(self.allowed_by)


# --- matching ---------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def glob_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """``*`` matches any run of characters (``/`` and ``:`` included), ``?`` any one."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def arn_match(pattern: str, value: str) -> bool:
    """ArnLike: each of the six colon-separated fields matched on its own; the last one
    (the resource) keeps any further colons."""
    wanted = pattern.split(":", 5)
    found = value.split(":", 5)
    if len(wanted) != 6 or len(found) != 6:
        return False
    return all(glob_match(w, f) for w, f in zip(wanted, found, strict=True))


def _values(element: Any, name: str) -> list[str]:
    items = element if isinstance(element, list) else [element]
    if not items or not all(isinstance(item, str | bool | int | float) for item in items):
        raise UnsupportedPolicyError(f"{name}: expected a string or a list of strings: {element!r}")
    texts = [str(item).lower() if isinstance(item, bool) else str(item) for item in items]
    if any("${" in text for text in texts):
        raise UnsupportedPolicyError(f"{name}: policy variables (${{…}}) are not modelled")
    return texts


# --- conditions -------------------------------------------------------------------------


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _compare(base: str, wanted: str, found: str) -> bool:
    """One positive comparison of a request value with one policy value."""
    if base in ("StringEquals", "StringNotEquals"):
        return found == wanted
    if base in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return found.casefold() == wanted.casefold()
    if base in ("StringLike", "StringNotLike"):
        return glob_match(wanted, found)
    if base in ("ArnEquals", "ArnLike", "ArnNotEquals", "ArnNotLike"):
        return arn_match(wanted, found)
    if base == "Bool":
        return found.lower() == wanted.lower()
    number, limit = _number(found), _number(wanted)
    if number is None or limit is None:
        return False
    return {
        "NumericEquals": number == limit,
        "NumericNotEquals": number == limit,
        "NumericLessThan": number < limit,
        "NumericLessThanEquals": number <= limit,
        "NumericGreaterThan": number > limit,
        "NumericGreaterThanEquals": number >= limit,
    }[base]


_POSITIVE = frozenset(
    {
        "StringEquals",
        "StringEqualsIgnoreCase",
        "StringLike",
        "ArnEquals",
        "ArnLike",
        "Bool",
        "NumericEquals",
        "NumericLessThan",
        "NumericLessThanEquals",
        "NumericGreaterThan",
        "NumericGreaterThanEquals",
    }
)
_NEGATED = frozenset(
    {
        "StringNotEquals",
        "StringNotEqualsIgnoreCase",
        "StringNotLike",
        "ArnNotEquals",
        "ArnNotLike",
        "NumericNotEquals",
    }
)


def operator_holds(operator: str, wanted: Sequence[str], found: ContextValue | None) -> bool:
    """Whether one condition operator holds for one key's policy values and request value."""
    qualifier, _, single = operator.rpartition(":")
    if qualifier:
        return _set_operator_holds(qualifier, single, wanted, found)
    if isinstance(found, tuple):
        raise UnsupportedPolicyError(
            f"condition operator {operator} on a multivalued key: use ForAnyValue or ForAllValues"
        )
    base, if_exists = (
        (operator[: -len("IfExists")], True) if operator.endswith("IfExists") else (operator, False)
    )
    if base == "Null":
        if if_exists:
            raise UnsupportedPolicyError("condition operator NullIfExists does not exist")
        return all(value.lower() in ("true", "false") for value in wanted) and any(
            (value.lower() == "true") == (found is None) for value in wanted
        )
    if base not in _POSITIVE and base not in _NEGATED:
        raise UnsupportedPolicyError(f"condition operator {operator} is not modelled")
    if found is None:
        return if_exists or base in _NEGATED
    matched = any(_compare(base, value, found) for value in wanted)
    return not matched if base in _NEGATED else matched


def _set_operator_holds(
    qualifier: str, operator: str, wanted: Sequence[str], found: ContextValue | None
) -> bool:
    if qualifier not in ("ForAnyValue", "ForAllValues"):
        raise UnsupportedPolicyError(f"condition operator {qualifier}:{operator} does not exist")
    if operator.endswith("IfExists") or operator not in _POSITIVE | _NEGATED:
        raise UnsupportedPolicyError(f"condition operator {qualifier}:{operator} is not modelled")
    values = (found,) if isinstance(found, str) else found or ()
    # Each request value on its own: for a negated operator, a value that matches none of the
    # policy's values satisfies it.
    each = [operator_holds(operator, wanted, value) for value in values]
    return any(each) if qualifier == "ForAnyValue" else all(each)


def conditions_hold(condition: Any, context: Mapping[str, ContextValue]) -> bool:
    """All operators of a Condition block hold (``context`` keys lower-cased)."""
    if condition is None:
        return True
    if not isinstance(condition, Mapping):
        raise UnsupportedPolicyError(f"Condition: expected an object, got {condition!r}")
    for operator, keys in condition.items():
        if not isinstance(keys, Mapping):
            raise UnsupportedPolicyError(f"Condition {operator}: expected an object of keys")
        for key, wanted in keys.items():
            values = _values(wanted, f"Condition {operator} {key}")
            if not operator_holds(str(operator), values, context.get(str(key).lower())):
                return False
    return True


# --- principals, statements, policies ---------------------------------------------------


def _principal_matches(entry: str, caller: Caller) -> bool:
    if entry == "*":
        return True
    if caller.arn is None or caller.account is None:
        return False
    account = re.fullmatch(r"(?:arn:aws[a-z-]*:iam::)?(\d{12})(?::root)?", entry)
    if account:
        return account.group(1) == caller.account
    return entry in (caller.arn, caller.session_arn)


def principal_matches(principal: Any, caller: Caller) -> bool:
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        raise UnsupportedPolicyError(f'Principal: expected "*" or an object, got {principal!r}')
    if "AWS" in principal and any(
        _principal_matches(entry, caller) for entry in _values(principal["AWS"], "Principal AWS")
    ):
        return True
    if "Federated" in principal and caller.federated is not None:
        return caller.federated in _values(principal["Federated"], "Principal Federated")
    return False  # Service, CanonicalUser: none of them calls the emulator


def statement_applies(statement: Mapping[str, Any], request: Request) -> bool:
    """Whether a statement's principal, action, resource and conditions all match."""
    if "NotPrincipal" in statement:
        raise UnsupportedPolicyError("NotPrincipal is not modelled")
    if request.resource is None and "Principal" not in statement:
        raise UnsupportedPolicyError("a trust policy's statements need a Principal")
    if "Principal" in statement and not principal_matches(statement["Principal"], request.caller):
        return False
    if "Action" in statement:
        acts = any(
            glob_match(a, request.action, ignore_case=True)
            for a in _values(statement["Action"], "Action")
        )
    elif "NotAction" in statement:
        acts = not any(
            glob_match(a, request.action, ignore_case=True)
            for a in _values(statement["NotAction"], "NotAction")
        )
    else:
        raise UnsupportedPolicyError("a statement needs Action or NotAction")
    if not acts:
        return False
    if request.resource is None:
        if "Resource" in statement or "NotResource" in statement:
            raise UnsupportedPolicyError("a trust policy names no Resource (the role is)")
        on = True
    elif "Resource" in statement:
        on = any(
            glob_match(r, request.resource) for r in _values(statement["Resource"], "Resource")
        )
    elif "NotResource" in statement:
        on = not any(
            glob_match(r, request.resource)
            for r in _values(statement["NotResource"], "NotResource")
        )
    else:
        raise UnsupportedPolicyError("a statement needs Resource or NotResource")
    return on and conditions_hold(statement.get("Condition"), request.keys())


def statements(policy: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    found = policy.get("Statement")
    listed: Iterable[Any] = found if isinstance(found, list) else [found]
    result = [s for s in listed if isinstance(s, Mapping)]
    if found is None or len(result) != len(list(listed)):
        raise UnsupportedPolicyError("Statement: expected an object or a list of objects")
    return result


def evaluate(policy: Mapping[str, Any], request: Request) -> Decision:
    """The policy's verdict on the request: the first applicable Deny, and the applicable
    Allows (an explicit Deny always wins)."""
    allowed: list[str] = []
    for index, statement in enumerate(statements(policy)):
        effect = statement.get("Effect")
        if effect not in ("Allow", "Deny"):
            raise UnsupportedPolicyError(
                f"statement {index}: Effect must be Allow or Deny, got {effect!r}"
            )
        if not statement_applies(statement, request):
            continue
        name = str(statement.get("Sid") or f"#{index}")
        if effect == "Deny":
            return Decision(denied_by=name, allowed_by=tuple(allowed))
        allowed.append(name)
    return Decision(denied_by=None, allowed_by=tuple(allowed))
