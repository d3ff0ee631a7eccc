from __future__ import annotations

import pytest

from slipway.gha import escape_data, escape_property, format_command


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ("100%", "100%25"),
        ("a\nb", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab"),
        ("%0A", "%250A"),
        ("a:b,c", "a:b,c"),
    ],
)
def test_escape_data(text: str, escaped: str) -> None:
    assert escape_data(text) == escaped


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("plain", "plain"),
        ("a:b,c", "a%3Ab%2Cc"),
        ("50%\n", "50%25%0A"),
        ("C:\\x,y\r", "C%3A\\x%2Cy%0D"),
    ],
)
def test_escape_property(text: str, escaped: str) -> None:
    assert escape_property(text) == escaped


def test_format_command_with_properties() -> None:
    assert format_command("error", "message", {"file": "a.py", "line": 3}) == (
        "::error file=a.py,line=3::message"
    )


def test_format_command_omits_none_and_has_no_space_without_properties() -> None:
    assert format_command("warning", "msg", {}) == "::warning::msg"
    assert format_command("warning", "msg", {"file": None, "line": None}) == "::warning::msg"
    assert format_command("notice", "m", {"title": None, "line": 0}) == "::notice line=0::m"


def test_format_command_escapes_message_and_properties() -> None:
    line = format_command("error", "50% done\nnext: a,b", {"title": "a: b, c", "file": "x%y"})
    assert line == "::error title=a%3A b%2C c,file=x%25y::50%25 done%0Anext: a,b"
    assert "\n" not in line


def test_format_command_empty_message() -> None:
    assert format_command("endgroup", "", {}) == "::endgroup::"
