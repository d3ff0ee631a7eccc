"""The order in which `make test` hands files to its workers (tests/longest_first.py): by
tier, heaviest first, then the longest measured file first; unmeasured files after the
measured ones of their tier; the tests of one file in their own order."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
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


def test_without_figures_files_go_by_tier_in_collection_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(longest_first, "KEPT", tmp_path / "none.json")
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


def test_kept_figures_order_a_fresh_clone_and_the_cache_overrides_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kept = tmp_path / "file_seconds.json"
    kept.write_text(
        longest_first.kept_table(
            {"tests/e2e/test_demo.py": 700.4, "tests/integration/x/test_slow.py": 200.0}
        )
    )
    monkeypatch.setattr(longest_first, "KEPT", kept)
    fresh = ordered(None)  # no cache: the kept figures decide
    assert fresh[:2] == ["tests/e2e/test_demo.py::test_story", "tests/e2e/test_act.py::test_one"]
    assert fresh.index("tests/integration/x/test_slow.py::test_first") < fresh.index(
        "tests/integration/x/test_quick.py::test_one"
    )
    # A newer figure in the cache wins over the kept one.
    cached = ordered({"tests/e2e/test_act.py": 900.0})
    assert cached[:2] == ["tests/e2e/test_act.py::test_one", "tests/e2e/test_demo.py::test_story"]


def test_kept_figures_are_whole_seconds_sorted_by_path() -> None:
    table = longest_first.kept_table({"b.py": 2.6, "a.py": 0.4})
    assert table == '{\n"a.py": 0,\n"b.py": 3\n}\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ('["tests/e2e/test_demo.py"]', "expected an object of test file paths to seconds"),
        ('{"tests/e2e/test_demo.py": "long"}', "expected an object of test file paths"),
        ('{"tests/e2e/test_demo.py": true}', "expected an object of test file paths"),
    ],
)
def test_a_malformed_figures_file_is_named(text: str, message: str) -> None:
    with pytest.raises(pytest.UsageError, match=message) as error:
        longest_first.parse_kept(text, Path("tests/file_seconds.json"))
    assert "tests/file_seconds.json" in str(error.value)


def test_the_repository_keeps_figures_for_the_longest_files() -> None:
    kept = longest_first.parse_kept(longest_first.KEPT.read_text(), longest_first.KEPT)
    assert max(kept, key=kept.__getitem__) == "tests/e2e/test_demo_pipeline.py"
    assert all((longest_first.ROOT / path).is_file() for path in kept)
