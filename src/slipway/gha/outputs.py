"""Step outputs in the ``$GITHUB_OUTPUT`` heredoc format."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_DELIMITER_PREFIX = "ghadelimiter_"
_DELIMITER_TRIES = 5


def _validate_name(name: str) -> None:
    if not _NAME.fullmatch(name):
        raise ValueError(f"invalid output name {name!r}: use letters, digits, '_' and '-'")


def to_output_value(value: object) -> str:
    """Outputs are strings: JSON for containers, ``true``/``false`` for bools, ``""`` for None."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)


def choose_delimiter(value: str, random_source: Callable[[], str] | None = None) -> str:
    """A heredoc delimiter that cannot be confused with any part of ``value``."""
    source = random_source or (lambda: str(uuid.uuid4()))
    for _ in range(_DELIMITER_TRIES):
        delimiter = _DELIMITER_PREFIX + source()
        # Stricter than "not a line of value": never present at all.
        if delimiter not in value:
            return delimiter
    raise RuntimeError("could not choose an output delimiter absent from the value")


def format_output(name: str, value: str, delimiter: str) -> str:
    """``name<<DELIM\\nvalue\\nDELIM\\n``, the multi-line safe form of ``name=value``."""
    _validate_name(name)
    if delimiter in value or "\n" in delimiter or "\r" in delimiter:
        raise ValueError("the output delimiter must not appear in the value")
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"
