"""Helpers for the runner protocol tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest


def parse_github_output(text: str) -> dict[str, str]:
    """GitHub's file-command semantics: ``name=value`` or ``name<<DELIM`` ... ``DELIM``."""
    result: dict[str, str] = {}
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if not line:
            continue
        heredoc = line.find("<<")
        equals = line.find("=")
        if heredoc != -1 and (equals == -1 or heredoc < equals):
            name, delimiter = line[:heredoc], line[heredoc + 2 :]
            assert name and delimiter
            value_lines: list[str] = []
            while True:
                assert index < len(lines), f"missing delimiter {delimiter!r}"
                current = lines[index]
                index += 1
                if current == delimiter:
                    break
                value_lines.append(current)
            result[name] = "\n".join(value_lines)
        else:
            assert equals > 0, line
            result[line[:equals]] = line[equals + 1 :]
    return result


@pytest.fixture(name="parse_github_output")
def parse_github_output_fixture() -> Callable[[str], dict[str, str]]:
    """The parser above, as a fixture (test directories here are not packages)."""
    return parse_github_output
