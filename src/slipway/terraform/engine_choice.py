"""Which engine and which version a root module runs with, decided before anything is fetched.

In order, the first that says something wins:

1. the inputs (``engine``: terraform or tofu; ``engine-version``: ``1.9.5``, a prefix such
   as ``1.9`` (the newest 1.9.x), a constraint such as ``~> 1.9``, or ``latest``);
2. the root module's ``required_version`` (``.tf`` files; for OpenTofu also ``.tofu`` files,
   which replace the ``.tf`` file of the same name): the newest release satisfying it;
3. the nearest version file between the root module and the repository root:
   ``.terraform-version`` (tfenv) or ``.opentofu-version`` (tofuenv) — a version, ``latest``
   or ``latest:<regex>`` — or ``.tool-versions`` (asdf: ``terraform 1.9.5``,
   ``opentofu 1.8.0``);
4. the newest stable release.

The engine itself, when not an input, is OpenTofu where the module shows it (``.tofu`` files,
an ``.opentofu-version`` file, an ``opentofu`` line in ``.tool-versions``), else Terraform.
Whatever decides the version, it must also satisfy every ``required_version``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from slipway.terraform.engine_releases import ENGINES, ReleaseError, newest
from slipway.terraform.versions import (
    Constraint,
    check_engine_version,
    parse_constraints,
    parse_version,
    required_versions,
)

_VERSION_FILES = {"terraform": ".terraform-version", "tofu": ".opentofu-version"}
_ASDF_NAMES = {"terraform": "terraform", "tofu": "opentofu"}


@dataclass(frozen=True)
class EngineChoice:
    engine: str
    # An exact version needs no release index; otherwise the newest release that meets
    # ``constraints`` (and ``pattern``, from tfenv's latest:<regex>) is taken.
    exact: str | None
    constraints: tuple[Constraint, ...]
    pattern: str | None
    # What decided, for the log: "input 'engine-version'", "required_version", ".tool-versions"…
    reason: str
    required: tuple[tuple[Path, str], ...]

    @property
    def needs_index(self) -> bool:
        return self.exact is None


def _parse_request(text: str, what: str) -> tuple[str | None, tuple[Constraint, ...], str | None]:
    """(exact, constraints, pattern) from an input or a version file's value."""
    value = text.strip()
    if value in ("", "latest", "min-required", "latest-allowed"):
        return None, (), None
    if value.startswith("latest:"):
        pattern = value.partition(":")[2]
        try:
            re.compile(pattern)
        except re.error as error:
            raise ReleaseError(f"{what}: invalid pattern {pattern!r} ({error})") from None
        return None, (), pattern
    try:
        version = parse_version(value)
    except ValueError:
        pass
    else:
        if version.given >= 3 or version.prerelease:
            return value.removeprefix("v"), (), None
        # "1.11" means the newest 1.11.x (and "1" the newest 1.x), as version prefixes read.
        return None, parse_constraints(f"~> {value.removeprefix('v')}.0"), None
    try:
        return None, parse_constraints(value), None
    except ValueError as error:
        raise ReleaseError(
            f"{what}: expected a version (1.9.5), a constraint (~> 1.9) or latest: {error}"
        ) from None


def _ancestors(workdir: Path, repo_root: Path) -> list[Path]:
    """``workdir`` and its parents up to ``repo_root`` (just ``workdir`` when outside it)."""
    found = [workdir]
    if workdir.is_relative_to(repo_root):
        found += [p for p in workdir.parents if p.is_relative_to(repo_root)]
    return found


def _tool_versions(path: Path) -> dict[str, str]:
    """asdf's ``.tool-versions``: ``{tool: first version}`` (comments and blank lines skipped)."""
    result: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        words = line.split("#", 1)[0].split()
        if len(words) >= 2:
            result.setdefault(words[0], words[1])
    return result


def _version_file(engine: str, directories: Sequence[Path]) -> tuple[str, str] | None:
    """(value, file name) of the nearest version file that names ``engine``."""
    for directory in directories:
        own = directory / _VERSION_FILES[engine]
        if own.is_file():
            lines = own.read_text(encoding="utf-8", errors="replace").split("\n", 1)
            return lines[0].strip(), own.name
        tools = directory / ".tool-versions"
        if tools.is_file():
            value = _tool_versions(tools).get(_ASDF_NAMES[engine])
            if value:
                return value, tools.name
    return None


def detect_engine(workdir: Path, repo_root: Path) -> str:
    if any(p.is_file() for p in workdir.glob("*.tofu")):
        return "tofu"
    for directory in _ancestors(workdir, repo_root):
        if (directory / ".opentofu-version").is_file():
            return "tofu"
        if (directory / ".terraform-version").is_file():
            return "terraform"
        tools = directory / ".tool-versions"
        if tools.is_file():
            names = _tool_versions(tools)
            if "opentofu" in names and "terraform" not in names:
                return "tofu"
            if "terraform" in names:
                return "terraform"
    return "terraform"


def choose_engine(
    workdir: Path,
    repo_root: Path,
    engine_input: str | None = None,
    version_input: str | None = None,
) -> EngineChoice:
    """The engine and version for the root module in ``workdir`` (see the module docstring)."""
    engine = (engine_input or "").strip()
    if engine and engine not in ENGINES:
        raise ReleaseError(f"input 'engine': expected terraform or tofu, got {engine!r}")
    engine = engine or detect_engine(workdir, repo_root)
    suffixes = (".tf", ".tofu") if engine == "tofu" else (".tf",)
    required = tuple(required_versions(workdir, suffixes))
    if version_input and version_input.strip():
        exact, constraints, pattern = _parse_request(version_input, "input 'engine-version'")
        reason = "input 'engine-version'"
    elif required:
        exact, pattern = None, None
        constraints = tuple(c for _, text in required for c in _constraints(text, required))
        reason = "required_version"
    else:
        found = _version_file(engine, _ancestors(workdir, repo_root))
        if found:
            exact, constraints, pattern = _parse_request(found[0], found[1])
            reason = found[1]
        else:
            exact, constraints, pattern = None, (), None
            reason = "newest stable release"
    if exact is not None:
        problem = check_engine_version(exact, required, engine)
        if problem:
            raise ReleaseError(f"{reason} asks for {engine} {exact}, but {problem}")
    return EngineChoice(engine, exact, constraints, pattern, reason, required)


def _constraints(text: str, required: Sequence[tuple[Path, str]]) -> tuple[Constraint, ...]:
    try:
        return parse_constraints(text)
    except ValueError as error:
        where = next((path.name for path, value in required if value == text), "")
        raise ReleaseError(f"{error} ({where})") from None


def resolve_version(choice: EngineChoice, available: Sequence[str]) -> str:
    """The version ``choice`` asks for, among the ``available`` releases."""
    if choice.exact is not None:
        return choice.exact
    candidates = available
    if choice.pattern is not None:
        pattern = re.compile(choice.pattern)
        candidates = [v for v in available if pattern.search(v)]
    found = newest(candidates, choice.constraints)
    if found is None:
        wanted = (
            ", ".join(str(c) for c in choice.constraints) or choice.pattern or "a stable release"
        )
        latest = newest(available)
        raise ReleaseError(
            f"no {choice.engine} release satisfies {wanted} ({choice.reason})"
            + (f"; the newest is {latest}" if latest else "")
        )
    return found
