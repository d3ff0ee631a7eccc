"""Longest files first: the order in which pytest-xdist hands files to its workers (`make
test` runs `--dist loadfile --no-loadscope-reorder`). A long file handed out late runs alone
at the end while the other workers idle; xdist's own order (most tests first) handed out the
demo's story, one ten-minute file, after six minutes.

Each file's test time in the last run is kept in pytest's cache (.pytest_cache). A fresh
clone has no cache (CI always starts from one), so tests/file_seconds.json keeps the figures
of a full warm run, and the cache's newer figures override them. Files go by tier, heaviest
tier first, and within a tier the longest first; a file with no figure keeps its place after
the measured ones of its tier. `python -m tests.longest_first` rewrites the kept figures from
the cache after a full run.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from tests.tier_timing import file_of, file_seconds, tier_of

CACHE_KEY = "slipway/file-seconds"
TIERS_HEAVIEST_FIRST = ("tests/e2e", "tests/terraform", "tests/integration", "examples/app")
ROOT = Path(__file__).resolve().parent.parent
KEPT = Path(__file__).resolve().parent / "file_seconds.json"
CACHED = ROOT / ".pytest_cache" / "v" / CACHE_KEY


def parse_kept(text: str, source: Path) -> dict[str, float]:
    """The kept figures: a JSON object of file paths to seconds."""
    try:
        data: Any = json.loads(text)
    except ValueError as error:
        raise pytest.UsageError(f"{source}: not JSON ({error})") from None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
        for k, v in data.items()
    ):
        raise pytest.UsageError(f"{source}: expected an object of test file paths to seconds")
    return {path: float(seconds) for path, seconds in data.items()}


def kept_table(measured: dict[str, float]) -> str:
    """The figures to keep, whole seconds, one file a line, sorted: a small, stable diff."""
    return json.dumps({path: round(measured[path]) for path in sorted(measured)}, indent=0) + "\n"


def order_key(path: str, known: dict[str, float]) -> tuple[int, float]:
    tier = tier_of(path)
    rank = (
        TIERS_HEAVIEST_FIRST.index(tier)
        if tier in TIERS_HEAVIEST_FIRST
        else len(TIERS_HEAVIEST_FIRST)
    )
    return rank, -known.get(path, 0.0)


def known_seconds(config: pytest.Config) -> dict[str, float]:
    """Each file's seconds: the kept figures, overridden by the cache's newer ones."""
    cache = getattr(config, "cache", None)
    kept = parse_kept(KEPT.read_text(), KEPT) if KEPT.is_file() else {}
    return {**kept, **(dict(cache.get(CACHE_KEY, {})) if cache else {})}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    known = known_seconds(config)
    # A stable sort: the tests of a file keep their order.
    items.sort(key=lambda item: order_key(file_of(item.nodeid), known))


def pytest_sessionfinish(session: pytest.Session) -> None:
    cache = getattr(session.config, "cache", None)
    if cache is None or hasattr(session.config, "workerinput"):
        return  # no cache, or a worker: the controlling process has every file's figure
    measured = file_seconds()
    if measured:
        cache.set(CACHE_KEY, {**dict(cache.get(CACHE_KEY, {})), **measured})


def main() -> int:
    if not CACHED.is_file():
        print(f"no figures in {CACHED}: run the whole suite (make test) first", file=sys.stderr)
        return 1
    measured = parse_kept(CACHED.read_text(), CACHED)
    # Figures of files since removed or renamed are dropped.
    present = {path: seconds for path, seconds in measured.items() if (ROOT / path).is_file()}
    KEPT.write_text(kept_table(present))
    print(f"{KEPT.relative_to(ROOT)}: figures of {len(present)} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
