"""slipway's references to itself, and how a release rewrites them (for scripts/release).

Consumers write `slipway-platform/slipway/actions/<name>@vN`, the root action
`slipway-platform/slipway@vN` or a reusable workflow
`slipway-platform/slipway/.github/workflows/<name>.yml@vN`; slipway's own workflows and
actions call each other the same way. On main these name the moving major tag. A release
rewrites them twice:

- a new major: in the release commit on main, every tracked text file moves its references
  from the previous major to the new one (CHANGELOG.md is history and keeps its text);
- the pin: in the commit the release's tags point at, a child of the release commit that is
  on no branch, the files a consumer runs (workflows and action.yml files) name the exact
  tag vX.Y.Z, so whoever pins a tag or that commit runs slipway's inner actions and
  workflows from that same commit, not whatever the major tag points at later.

Pure functions over text; standard library only.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

OWN_REPOSITORY = "slipway-platform/slipway"
# A reference by moving tag: `@v1` or `@v1.4`, with or without a path after the repository.
# Not `@v1.4.0` (an exact tag), `@v1-rc` or `@v10` read as `@v1`.
MOVING_REFERENCE = re.compile(
    re.escape(OWN_REPOSITORY)
    + r"(?P<path>/[^@\s'\"`]*)?@v(?P<major>0|[1-9]\d*)(?:\.\d+)?(?![\w-]|\.\d)"
)
# What GitHub runs for a consumer: the reusable workflows and every action's metadata.
EXECUTED = re.compile(r"\.github/workflows/[^/]+\.ya?ml|(?:actions/.+/)?action\.ya?ml")
# History: its released sections quote the references of their time, and a major's
# Upgrading note names the major consumers move from.
NEVER_REWRITTEN = frozenset({"CHANGELOG.md"})


@dataclass(frozen=True)
class Rewrite:
    """One file's new text, and how many references changed in it."""

    path: str
    text: str
    count: int


def is_executed(path: str) -> bool:
    return EXECUTED.fullmatch(path) is not None


def moving_majors(text: str) -> set[int]:
    return {int(match.group("major")) for match in MOVING_REFERENCE.finditer(text)}


def retarget(text: str, major: int, tag: str) -> tuple[str, int]:
    """`text` with every moving reference at `major` naming `tag` instead; and how many."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        if int(match.group("major")) != major:
            return match.group(0)
        count += 1
        return f"{OWN_REPOSITORY}{match.group('path') or ''}@{tag}"

    return MOVING_REFERENCE.sub(replace, text), count


def retarget_files(files: Mapping[str, str], major: int, tag: str) -> list[Rewrite]:
    """The files whose references at `major` now name `tag`, sorted by path."""
    rewrites = []
    for path in sorted(files):
        text, count = retarget(files[path], major, tag)
        if count:
            rewrites.append(Rewrite(path, text, count))
    return rewrites


def _listing(majors_by_path: Mapping[str, set[int]]) -> str:
    return "; ".join(
        f"{path} ({', '.join(f'@v{n}' for n in sorted(majors))})"
        for path, majors in sorted(majors_by_path.items())
    )


def previous_major(files: Mapping[str, str], major: int) -> int | None:
    """The major the executed files reference when it is below `major` (the release is a new
    major: their references move up); None when they already reference `major` or nothing.
    Raises ValueError, naming the files, when they reference several majors or a higher one."""
    found = {
        path: m for path, text in files.items() if is_executed(path) and (m := moving_majors(text))
    }
    majors = set().union(*found.values()) if found else set()
    if len(majors) > 1:
        raise ValueError(
            f"these files reference {OWN_REPOSITORY} at more than one major: {_listing(found)}"
        )
    if not majors or majors == {major}:
        return None
    (old,) = majors
    if old > major:
        raise ValueError(
            f"these files reference {OWN_REPOSITORY} at a major above v{major}: " + _listing(found)
        )
    return old


def major_rewrites(files: Mapping[str, str], old: int, major: int) -> list[Rewrite]:
    """A new major: every file but the history moves its references from `old` to `major`."""
    kept = {path: text for path, text in files.items() if path not in NEVER_REWRITTEN}
    return retarget_files(kept, old, f"v{major}")


def pins(files: Mapping[str, str], major: int, tag: str) -> list[Rewrite]:
    """The tagged commit: the executed files' references at `major` name the exact `tag`."""
    executed = {path: text for path, text in files.items() if is_executed(path)}
    return retarget_files(executed, major, tag)
