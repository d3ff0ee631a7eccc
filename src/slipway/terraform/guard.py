"""The destroy guard: a plan that deletes or replaces resources is refused unless that was
allowed, either wholesale or address by address."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

from slipway.terraform.plan import Plan, ResourceChange

DESTRUCTIVE = frozenset({"delete", "replace"})


@dataclass(frozen=True)
class GuardVerdict:
    blocked: tuple[ResourceChange, ...]
    allowed: tuple[ResourceChange, ...]

    @property
    def ok(self) -> bool:
        return not self.blocked

    def message(self) -> str:
        listed = ", ".join(f"{c.address} ({c.action})" for c in self.blocked[:10])
        more = f" and {len(self.blocked) - 10} more" if len(self.blocked) > 10 else ""
        return (
            f"the plan would {'/'.join(sorted({c.action for c in self.blocked}))} "
            f"{len(self.blocked)} resource(s): {listed}{more}; set allow-destroy: true or list "
            "the addresses in allow-destroy-addresses"
        )


def _listed(address: str, patterns: Iterable[str]) -> bool:
    # Exact addresses, or shell-style patterns such as module.cache.* for a whole module.
    return any(address == p or fnmatch.fnmatchcase(address, p) for p in patterns)


def check_destroy(plan: Plan, *, allow_destroy: bool, allowed: Iterable[str] = ()) -> GuardVerdict:
    """Which destructive changes the plan holds, split into blocked and allowed."""
    patterns = tuple(allowed)
    destructive = [c for c in plan.changes if c.action in DESTRUCTIVE and c.mode == "managed"]
    if allow_destroy:
        return GuardVerdict(blocked=(), allowed=tuple(destructive))
    blocked = tuple(c for c in destructive if not _listed(c.address, patterns))
    permitted = tuple(c for c in destructive if _listed(c.address, patterns))
    return GuardVerdict(blocked=blocked, allowed=permitted)
