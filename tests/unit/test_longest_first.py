"""The order in which `make test` hands files to its workers (tests/longest_first.py): by
tier, heaviest first, then the longest measured file first; unmeasured files after the
measured ones of their tier; the tests of one file in their own order."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests import longest_first


@dataclass
class Item:
    nodeid: str


@dataclass
class Config:
    cache: Any


class Cache:
    def __init__(self, known: dict[str, float]) -> None:
        self.values: dict[str, Any] = {longest_first.CACHE_KEY: known}

    def get(self, key: str, default: Any) -> Any:
        return self.values.get(key, default)


COLLECTED = [
    "tests/unit/test_a.py::test_one",
    "tests/e2e/test_act.py::test_one",
    "tests/integration/x/test_quick.py::test_one",
    "tests/integration/x/test_slow.py::test_first",
    "tests/integration/x/test_slow.py::test_second",
    "tests/e2e/test_demo.py::test_story",
    "examples/app/tests/unit/test_app.py::test_one",
    "tests/terraform/test_modules.py::test_one",
]


def ordered(known: dict[str, float] | None) -> list[str]:
    items: list[Any] = [Item(nodeid) for nodeid in COLLECTED]
    config: Any = Config(Cache(known) if known is not None else None)
    longest_first.pytest_collection_modifyitems(config, items)
    return [item.nodeid for item in items]


def test_measured_files_go_longest_first_within_their_tier() -> None:
    known = {
        "tests/e2e/test_demo.py": 700.0,
        "tests/e2e/test_act.py": 150.0,
        "tests/integration/x/test_slow.py": 200.0,
        "tests/integration/x/test_quick.py": 3.0,
        "tests/unit/test_a.py": 900.0,  # a heavy unit file still follows the other tiers
    }
    assert ordered(known) == [
        "tests/e2e/test_demo.py::test_story",
        "tests/e2e/test_act.py::test_one",
        "tests/terraform/test_modules.py::test_one",
        "tests/integration/x/test_slow.py::test_first",
        "tests/integration/x/test_slow.py::test_second",
        "tests/integration/x/test_quick.py::test_one",
        "examples/app/tests/unit/test_app.py::test_one",
        "tests/unit/test_a.py::test_one",
    ]


def test_without_figures_files_go_by_tier_in_collection_order() -> None:
    expected = [
        "tests/e2e/test_act.py::test_one",
        "tests/e2e/test_demo.py::test_story",
        "tests/terraform/test_modules.py::test_one",
        "tests/integration/x/test_quick.py::test_one",
        "tests/integration/x/test_slow.py::test_first",
        "tests/integration/x/test_slow.py::test_second",
        "examples/app/tests/unit/test_app.py::test_one",
        "tests/unit/test_a.py::test_one",
    ]
    assert ordered({}) == expected
    assert ordered(None) == expected  # no cache at all (-p no:cacheprovider)
