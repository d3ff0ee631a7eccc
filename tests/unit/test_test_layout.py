"""The test tree itself: pytest imports test modules by basename (the default "prepend"
import mode, no packages under tests/), so two test files with one name in different
tiers break collection of the whole suite ("import file mismatch") when both run."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
TEST_ROOTS = [REPO / "tests", REPO / "examples" / "app" / "tests"]


def modules_by_basename(roots: list[Path]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = defaultdict(list)
    for root in roots:
        for path in root.rglob("test_*.py"):
            found[path.name].append(str(path.relative_to(REPO)))
    return found


def test_no_two_test_modules_share_a_basename() -> None:
    found = modules_by_basename(TEST_ROOTS)
    assert len(found) > 100, (
        "the search found too few test modules to be looking in the right place"
    )
    shared = {name: sorted(paths) for name, paths in found.items() if len(paths) > 1}
    assert shared == {}
