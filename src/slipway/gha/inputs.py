"""Reading and validating action inputs.

Composite actions do not receive ``INPUT_*`` variables automatically, so every
action.yml maps each input explicitly to :func:`env_name`. All parsing here is
pure: a bad input raises :class:`InputError` before any side effect happens.
"""

from __future__ import annotations

import builtins
import math
import re
from collections.abc import Mapping, Sequence
from typing import Literal, overload

_MAX_FOUND = 80

# YAML 1.2 core schema booleans (what @actions/core getBooleanInput accepts) ...
_YAML_TRUE = frozenset({"true", "True", "TRUE"})
_YAML_FALSE = frozenset({"false", "False", "FALSE"})
# ... plus the common shell-style spellings, compared case-insensitively.
_LOOSE_TRUE = frozenset({"yes", "1", "on"})
_LOOSE_FALSE = frozenset({"no", "0", "off"})

_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_BARE_SECONDS = re.compile(rf"-?{_NUMBER}")
_DURATION = re.compile(rf"-?(?:{_NUMBER}(?:ms|h|m|s))+")
_PART = re.compile(rf"({_NUMBER})(ms|h|m|s)")
# Unit -> (rank, seconds); parts must appear in strictly increasing rank.
_UNITS: dict[str, tuple[int, float]] = {
    "h": (0, 3600.0),
    "m": (1, 60.0),
    "s": (2, 1.0),
    "ms": (3, 0.001),
}
_DURATION_EXAMPLES = "a duration such as 90s, 5m or 1h30m"


def env_name(name: str) -> str:
    """The environment variable an input is passed in: ``bake-time`` -> ``INPUT_BAKE_TIME``."""
    return "INPUT_" + name.replace(" ", "_").replace("-", "_").upper()


def _quote(text: str) -> str:
    """Single-quote ``text`` on one line, escaping like ``repr`` does."""
    if len(text) > _MAX_FOUND:
        text = text[:_MAX_FOUND] + "…"
    out = []
    for ch in text:
        if ch in "\\'":
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif not ch.isprintable():
            out.append(repr(ch)[1:-1])
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


class InputError(ValueError):
    """An input value that does not match what the action expects."""

    def __init__(self, name: str, expected: str, found: str) -> None:
        self.name = name
        self.expected = expected
        self.found = found
        # An empty value reads better as "nothing" than as a pair of quotes.
        got = _quote(found) if found else "nothing"
        super().__init__(f"input '{name}': expected {expected}, got {got}")

    def __str__(self) -> str:
        return str(self.args[0])


def parse_duration(text: str) -> float:
    """Parse ``90``, ``90s``, ``5m``, ``1h30m``, ``250ms`` or ``1.5s`` into seconds.

    A bare number means seconds. Units must descend (``1s1h`` is rejected) and
    no whitespace is allowed inside, so typos fail loudly instead of guessing.
    """
    if _BARE_SECONDS.fullmatch(text):
        return float(text)
    if not _DURATION.fullmatch(text):
        raise ValueError(f"not a duration: {text!r}")
    sign = -1.0 if text.startswith("-") else 1.0
    total = 0.0
    last_rank = -1
    for match in _PART.finditer(text):
        rank, scale = _UNITS[match.group(2)]
        if rank <= last_rank:
            raise ValueError(f"duration units must go from largest to smallest: {text!r}")
        last_rank = rank
        total += float(match.group(1)) * scale
    return sign * total


def format_duration(seconds: float) -> str:
    """Render seconds compactly: 90 -> ``1m30s``, 0.25 -> ``250ms``, 3600 -> ``1h``.

    The result is accepted by :func:`parse_duration` (to millisecond precision).
    """
    if not math.isfinite(seconds):
        raise ValueError(f"not a finite duration: {seconds}")
    millis = round(abs(seconds) * 1000)
    sign = "-" if seconds < 0 and millis else ""
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    parts = []
    if hours:
        parts.append(f"{hours}h")
    if minutes:
        parts.append(f"{minutes}m")
    if millis % 1000 == 0:
        if millis:
            parts.append(f"{millis // 1000}s")
    elif millis < 1000:
        parts.append(f"{millis}ms")
    else:
        parts.append(f"{millis / 1000:.3f}".rstrip("0") + "s")
    return sign + ("".join(parts) or "0s")


def _range_text(kind: str, low: str | None, high: str | None) -> str:
    if low is not None and high is not None:
        return f"{kind} from {low} to {high}"
    if low is not None:
        return f"{kind} ≥ {low}"
    if high is not None:
        return f"{kind} ≤ {high}"
    return kind


def _split_items(text: str, *, lines_only: bool = False) -> builtins.list[str]:
    """Items separated by newlines and/or commas (only newlines with ``lines_only``),
    stripped, empties dropped."""
    return [
        item.strip() for item in re.split(r"\n" if lines_only else r"[\n,]", text) if item.strip()
    ]


class Inputs:
    """Typed access to action inputs held in an environment mapping.

    Values are stripped; an empty value counts as "not given" and yields the default.
    """

    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def _get(self, name: str) -> str | None:
        value = self._env.get(env_name(name), "").strip()
        return value or None

    @overload
    def string(
        self, name: str, *, default: str, required: bool = ..., choices: Sequence[str] | None = ...
    ) -> str: ...
    @overload
    def string(
        self,
        name: str,
        *,
        default: None = ...,
        required: Literal[True],
        choices: Sequence[str] | None = ...,
    ) -> str: ...
    @overload
    def string(
        self,
        name: str,
        *,
        default: str | None = ...,
        required: bool = ...,
        choices: Sequence[str] | None = ...,
    ) -> str | None: ...

    def string(
        self,
        name: str,
        *,
        default: str | None = None,
        required: bool = False,
        choices: Sequence[str] | None = None,
    ) -> str | None:
        value = self._get(name)
        if value is None:
            if required:
                raise InputError(name, "a value", "")
            return default
        if choices is not None and value not in choices:
            raise InputError(name, "one of " + ", ".join(choices), value)
        return value

    def boolean(self, name: str, *, default: bool) -> bool:
        value = self._get(name)
        if value is None:
            return default
        if value in _YAML_TRUE or value.lower() in _LOOSE_TRUE:
            return True
        if value in _YAML_FALSE or value.lower() in _LOOSE_FALSE:
            return False
        raise InputError(name, "a boolean (true or false)", value)

    @overload
    def integer(
        self, name: str, *, default: int, minimum: int | None = ..., maximum: int | None = ...
    ) -> int: ...
    @overload
    def integer(
        self,
        name: str,
        *,
        default: None = ...,
        minimum: int | None = ...,
        maximum: int | None = ...,
    ) -> int | None: ...

    def integer(
        self,
        name: str,
        *,
        default: int | None = None,
        minimum: int | None = None,
        maximum: int | None = None,
    ) -> int | None:
        value = self._get(name)
        if value is None:
            return default
        expected = _range_text(
            "an integer",
            None if minimum is None else str(minimum),
            None if maximum is None else str(maximum),
        )
        # int() alone would also take "1_000" and non-ASCII digits.
        if not _INTEGER.fullmatch(value):
            raise InputError(name, expected, value)
        number = int(value)
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            raise InputError(name, expected, value)
        return number

    @overload
    def duration(
        self,
        name: str,
        *,
        default: float,
        minimum: float | None = ...,
        maximum: float | None = ...,
    ) -> float: ...
    @overload
    def duration(
        self,
        name: str,
        *,
        default: None = ...,
        minimum: float | None = ...,
        maximum: float | None = ...,
    ) -> float | None: ...

    def duration(
        self,
        name: str,
        *,
        default: float | None = None,
        minimum: float | None = 0.0,
        maximum: float | None = None,
    ) -> float | None:
        """A duration in seconds (see :func:`parse_duration` for the accepted forms)."""
        value = self._get(name)
        if value is None:
            return default
        try:
            seconds = parse_duration(value)
        except ValueError:
            raise InputError(name, _DURATION_EXAMPLES, value) from None
        if (minimum is not None and seconds < minimum) or (
            maximum is not None and seconds > maximum
        ):
            expected = _range_text(
                "a duration",
                None if minimum is None else format_duration(minimum),
                None if maximum is None else format_duration(maximum),
            )
            raise InputError(name, expected, value)
        return seconds

    def list(
        self, name: str, *, default: Sequence[str] = (), lines_only: bool = False
    ) -> builtins.list[str]:
        """Items separated by newlines and/or commas (only newlines with ``lines_only``,
        for values that may themselves contain commas)."""
        value = self._get(name)
        if value is None:
            return builtins.list(default)
        return _split_items(value, lines_only=lines_only)

    def mapping(
        self, name: str, *, default: Mapping[str, str] | None = None, lines_only: bool = False
    ) -> dict[str, str]:
        """``key=value`` pairs separated by newlines or commas (only newlines with
        ``lines_only``); values may contain ``=``."""
        value = self._get(name)
        if value is None:
            return dict(default or {})
        result: dict[str, str] = {}
        for item in _split_items(value, lines_only=lines_only):
            key, sep, val = item.partition("=")
            key = key.strip()
            if not sep or not key or any(ch.isspace() for ch in key):
                raise InputError(name, "key=value pairs", item)
            if key in result:
                raise InputError(name, "key=value pairs with unique keys", item)
            result[key] = val.strip()
        return result
