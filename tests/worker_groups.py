"""The files that need the Docker stack run on as few workers as they can.

A pytest-xdist worker starts its own Docker stack (dockerd, a registry, BuildKit, the base
image loaded and pushed) when one of its tests first asks for `docker_env`: about 45
CPU-seconds and 30 s, paid again on every worker that runs such a file. With two workers a
core (`make test`) the run is CPU-bound, so those seconds are the run's. The files that need
the stack therefore form one work unit, which one worker runs one after another on one stack,
except a file measured longer than all the others together: it keeps a unit of its own, so
the rest do not wait behind it (the demo's story, ten minutes of one module's fixture).

Only the workers know which tests ask for the stack (the controller collects nothing), and
the controller's scheduler makes the units: each worker writes the grouped files, once
collected, into a directory the controller named, before it reports its collection; the
scheduler reads them when it splits the collection into units (`--dist loadfile` otherwise).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from tests.longest_first import known_seconds
from tests.tier_timing import file_of

GROUP = "docker-stack"
STACK_FIXTURE = "docker_env"
# Where workers leave the grouped files: set by the controller in each worker's input.
WORKER_KEY = "slipway_groups_directory"
_DIRECTORY = pytest.StashKey[Path]()


def grouped_files(stack_files: Mapping[str, float]) -> set[str]:
    """Of the files that need the stack (path -> seconds), those that share one unit: all,
    or all but the longest when it is longer than the others together."""
    if len(stack_files) < 2:
        return set(stack_files)
    longest = max(stack_files, key=lambda path: (stack_files[path], path))
    others = sum(seconds for path, seconds in stack_files.items() if path != longest)
    return set(stack_files) - {longest} if stack_files[longest] > others else set(stack_files)


def scope_of(nodeid: str, grouped: set[str]) -> str:
    """The work unit of a test: the group for a grouped file's tests, else its file."""
    path = file_of(nodeid)
    return GROUP if path in grouped else path


def read_grouped(directory: Path) -> set[str]:
    """The grouped files as the workers wrote them (every worker collects the same tests)."""
    for written in sorted(directory.glob("*.json")):
        return set(json.loads(written.read_text()))
    return set()


def _by_file(config: pytest.Config) -> bool:
    return bool(config.getoption("dist", "no") == "loadfile")


def pytest_configure(config: pytest.Config) -> None:
    if _by_file(config) and not hasattr(config, "workerinput"):
        config.stash[_DIRECTORY] = Path(tempfile.mkdtemp(prefix="slipway-worker-groups-"))


def pytest_unconfigure(config: pytest.Config) -> None:
    directory = config.stash.get(_DIRECTORY, None)
    if directory is not None:
        shutil.rmtree(directory, ignore_errors=True)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    directory = node.config.stash.get(_DIRECTORY, None)
    if directory is not None:
        node.workerinput[WORKER_KEY] = str(directory)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    workerinput = getattr(config, "workerinput", {})
    if WORKER_KEY not in workerinput:
        return  # not a worker of a run by file
    needing = {file_of(i.nodeid) for i in items if STACK_FIXTURE in getattr(i, "fixturenames", ())}
    known = known_seconds(config)
    grouped = grouped_files({path: known.get(path, 0.0) for path in needing})
    directory = Path(workerinput[WORKER_KEY])
    partial = directory / f".{workerinput['workerid']}.json"
    partial.write_text(json.dumps(sorted(grouped)))
    os.replace(partial, directory / f"{workerinput['workerid']}.json")


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    directory = config.stash.get(_DIRECTORY, None)
    if directory is None:
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FilesAndGroupScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """`--dist loadfile`, with the grouped files as one unit. Units are made once every
        worker has reported its collection, so the workers' files are there."""

        grouped: set[str] | None = None

        def _split_scope(self, nodeid: str) -> str:
            if self.grouped is None:
                self.grouped = read_grouped(directory)
            return scope_of(nodeid, self.grouped)

    return FilesAndGroupScheduling(config, log)
