"""``required_version`` constraints: parsing, checking, and finding them in a root module.

The semantics are those of the engine itself (HashiCorp's go-version, which Terraform and
OpenTofu use for ``required_version``):

- constraints are separated by commas and must all hold;
- ``~> 1.9`` means ``>= 1.9, < 2.0`` and ``~> 1.9.0`` means ``>= 1.9.0, < 1.10.0``: every
  given segment but the last is fixed;
- a pre-release version (``1.10.0-beta1``) satisfies ``>``/``<``/``>=``/``<=``/``~>`` only
  when the constraint names a pre-release of the same ``major.minor.patch``; ``=`` and ``!=``
  compare exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_VERSION = re.compile(
    r"v?(?P<segments>[0-9]+(?:\.[0-9]+)*)"
    r"(?:-(?P<pre>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
    r"(?:\+(?P<meta>[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?"
)
_CONSTRAINT = re.compile(r"\s*(?P<op>~>|>=|<=|!=|=|>|<)?\s*(?P<version>\S+)\s*")


@dataclass(frozen=True)
class Version:
    """A version as go-version reads it: at least three numeric segments, then a pre-release."""

    segments: tuple[int, ...]
    prerelease: str = ""
    # How many segments were written (``1.9`` -> 2); the pessimistic operator depends on it.
    given: int = 3

    def __str__(self) -> str:
        text = ".".join(str(s) for s in self.segments[: max(self.given, 1)])
        return f"{text}-{self.prerelease}" if self.prerelease else text


@dataclass(frozen=True)
class Constraint:
    operator: str
    version: Version

    def __str__(self) -> str:
        return f"{self.operator} {self.version}"


def parse_version(text: str) -> Version:
    """``1.15.5``, ``v1.9``, ``1.10.0-beta1``; build metadata (``+abc``) is ignored."""
    match = _VERSION.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"not a version: {text!r}")
    numbers = [int(part) for part in match["segments"].split(".")]
    given = len(numbers)
    numbers += [0] * (3 - given)
    return Version(tuple(numbers), match["pre"] or "", given)


def parse_constraints(text: str) -> tuple[Constraint, ...]:
    """``">= 1.5, < 2.0"`` as constraints that must all hold; a bare version means ``=``."""
    parts = text.split(",")
    result = []
    for part in parts:
        match = _CONSTRAINT.fullmatch(part)
        if match is None:
            raise ValueError(f"malformed version constraint {part.strip()!r} in {text!r}")
        try:
            version = parse_version(match["version"])
        except ValueError:
            raise ValueError(f"malformed version constraint {part.strip()!r} in {text!r}") from None
        result.append(Constraint(match["op"] or "=", version))
    return tuple(result)


def _compare_prerelease(left: str, right: str) -> int:
    """Semantic-versioning order of pre-release strings; no pre-release sorts last."""
    if left == right:
        return 0
    if not left:
        return 1
    if not right:
        return -1
    for a, b in zip(left.split("."), right.split("."), strict=False):
        if a == b:
            continue
        if a.isdigit() and b.isdigit():
            return -1 if int(a) < int(b) else 1
        if a.isdigit() != b.isdigit():
            return -1 if a.isdigit() else 1
        return -1 if a < b else 1
    # One is a prefix of the other: the longer one is newer.
    return 1 if len(left.split(".")) > len(right.split(".")) else -1


def compare(left: Version, right: Version) -> int:
    """-1, 0 or 1 as ``left`` is older than, equal to or newer than ``right``."""
    width = max(len(left.segments), len(right.segments))
    a = left.segments + (0,) * (width - len(left.segments))
    b = right.segments + (0,) * (width - len(right.segments))
    if a != b:
        return -1 if a < b else 1
    return _compare_prerelease(left.prerelease, right.prerelease)


def _prerelease_allowed(version: Version, constraint: Version) -> bool:
    if version.prerelease and constraint.prerelease:
        return version.segments == constraint.segments
    return not version.prerelease


def _pessimistic(version: Version, constraint: Version) -> bool:
    if not _prerelease_allowed(version, constraint):
        return False
    if constraint.prerelease and not version.prerelease:
        return False
    if compare(version, constraint) < 0:
        return False
    fixed = max(constraint.given - 1, 0)
    return version.segments[:fixed] == constraint.segments[:fixed]


def allows(constraint: Constraint, version: Version) -> bool:
    target = constraint.version
    op = constraint.operator
    if op == "=":
        return compare(version, target) == 0
    if op == "!=":
        return compare(version, target) != 0
    if op == "~>":
        return _pessimistic(version, target)
    if not _prerelease_allowed(version, target):
        return False
    order = compare(version, target)
    return {">": order > 0, "<": order < 0, ">=": order >= 0, "<=": order <= 0}[op]


def satisfies(version: str | Version, constraints: str | Iterable[Constraint]) -> bool:
    """Whether ``version`` meets every constraint (a string is parsed first)."""
    parsed = parse_version(version) if isinstance(version, str) else version
    items = parse_constraints(constraints) if isinstance(constraints, str) else constraints
    return all(allows(c, parsed) for c in items)


# --- finding required_version in a root module -----------------------------------------

_STRING = r'"(?:[^"\\]|\\.)*"'
_TOKENS = re.compile(rf"{_STRING}|#[^\n]*|//[^\n]*|/\*.*?\*/|<<-?(\w+)\n.*?\n\s*\1\b", re.DOTALL)
_TERRAFORM_BLOCK = re.compile(r"(?m)^\s*terraform\s*\{")
_REQUIRED = re.compile(rf"(?m)^\s*required_version\s*=\s*({_STRING})")


def _blank_comments(text: str) -> str:
    """``text`` with comments replaced by spaces (newlines kept), strings left alone."""

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith('"'):
            return token
        # Comments and heredocs: neither holds a `terraform` block's own arguments.
        return re.sub(r"[^\n]", " ", token)

    return _TOKENS.sub(replace, text)


def _block_body(text: str, start: int) -> str:
    """The text between the brace at ``start`` and its partner (strings skipped)."""
    string = re.compile(_STRING)
    depth = 0
    index = start
    while index < len(text):
        char = text[index]
        if char == '"':
            match = string.match(text, index)
            index = match.end() if match else index + 1
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return text[start + 1 : index]
        index += 1
    return text[start + 1 :]


def _top_level(body: str) -> str:
    """``body`` without its nested blocks, so ``required_version`` is only read at depth 0."""
    string = re.compile(_STRING)
    out = []
    depth = 0
    index = 0
    while index < len(body):
        char = body[index]
        if char == '"':
            match = string.match(body, index)
            end = match.end() if match else index + 1
            if depth == 0:
                out.append(body[index:end])
            index = end
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
        elif depth == 0:
            out.append(char)
        index += 1
    return "".join(out)


def find_required_versions(text: str) -> list[str]:
    """The ``required_version`` strings of the ``terraform`` blocks in one ``.tf`` file."""
    clean = _blank_comments(text)
    found = []
    for block in _TERRAFORM_BLOCK.finditer(clean):
        body = _top_level(_block_body(clean, block.end() - 1))
        for match in _REQUIRED.finditer(body):
            literal = match.group(1)[1:-1]
            found.append(re.sub(r"\\(.)", r"\1", literal))
    return found


def module_files(workdir: Path, suffixes: Sequence[str] = (".tf",)) -> list[Path]:
    """The root module's files with those suffixes. OpenTofu reads ``x.tofu`` instead of
    ``x.tf`` when both exist, so with ``.tofu`` among the suffixes the ``.tf`` twin is left out."""
    files: dict[str, list[Path]] = {}
    for suffix in suffixes:
        for path in workdir.glob(f"*{suffix}"):
            if path.is_file():
                files.setdefault(path.name.removesuffix(suffix), []).append(path)
    chosen: list[Path] = []
    for paths in files.values():
        tofu = [p for p in paths if p.suffix == ".tofu"]
        chosen.extend(tofu or paths)
    return sorted(chosen)


def required_versions(workdir: Path, suffixes: Sequence[str] = (".tf",)) -> list[tuple[Path, str]]:
    """Every ``required_version`` of the root module in ``workdir`` with its file."""
    found: list[tuple[Path, str]] = []
    for path in module_files(workdir, suffixes):
        text = path.read_text(encoding="utf-8")
        found.extend((path, value) for value in find_required_versions(text))
    return found


def check_engine_version(
    version: str, constraints: Sequence[tuple[Path, str]], engine: str = "terraform"
) -> str | None:
    """A one-line problem when ``version`` misses a constraint (or one is malformed)."""
    for path, text in constraints:
        try:
            ok = satisfies(version, text)
        except ValueError as error:
            return f"{error} ({path.name})"
        if not ok:
            return f'{engine} {version} does not satisfy required_version "{text}" ({path.name})'
    return None
