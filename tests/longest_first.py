"""Longest files first: the order in which pytest-xdist hands files to its workers (`make
test` runs `--dist loadfile --no-loadscope-reorder`). A long file handed out late runs alone
at the end while the other workers idle; xdist's own order (most tests first) handed out the
demo's story, one ten-minute file, after six minutes.

Each file's test time in the last run is kept in pytest's cache (.pytest_cache). Files go
by tier, heaviest tier first, and within a tier the longest first; a file with no figure (a
fresh clone) keeps its place after the measured ones of its tier.
"""

from __future__ import annotations

import pytest
from tests.tier_timing import file_seconds, tier_of

CACHE_KEY = "slipway/file-seconds"
TIERS_HEAVIEST_FIRST = ("tests/e2e", "tests/terraform", "tests/integration", "examples/app")


def order_key(path: str, known: dict[str, float]) -> tuple[int, float]:
    tier = tier_of(path)
    rank = (
        TIERS_HEAVIEST_FIRST.index(tier)
        if tier in TIERS_HEAVIEST_FIRST
        else len(TIERS_HEAVIEST_FIRST)
    )
    return rank, -known.get(path, 0.0)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    cache = getattr(config, "cache", None)
    known: dict[str, float] = dict(cache.get(CACHE_KEY, {})) if cache else {}
    # A stable sort: the tests of a file keep their order.
    items.sort(key=lambda item: order_key(item.nodeid.split("::", 1)[0], known))


def pytest_sessionfinish(session: pytest.Session) -> None:
    cache = getattr(session.config, "cache", None)
    if cache is None or hasattr(session.config, "workerinput"):
        return  # no cache, or a worker: the controlling process has every file's figure
    measured = file_seconds()
    if measured:
        cache.set(CACHE_KEY, {**dict(cache.get(CACHE_KEY, {})), **measured})
