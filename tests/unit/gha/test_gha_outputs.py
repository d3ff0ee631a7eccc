from __future__ import annotations

from collections.abc import Callable

import pytest

from slipway.gha import choose_delimiter, format_output, to_output_value

Parser = Callable[[str], dict[str, str]]


def test_parser_reads_both_forms(parse_github_output: Parser) -> None:
    text = "a=1\nb<<EOF\nx\ny\nEOF\nc=with=equals\n"
    assert parse_github_output(text) == {"a": "1", "b": "x\ny", "c": "with=equals"}


def test_format_output_shape() -> None:
    assert format_output("image", "repo:tag", "D") == "image<<D\nrepo:tag\nD\n"
    assert format_output("_a-b_1", "", "D") == "_a-b_1<<D\n\nD\n"


@pytest.mark.parametrize("name", ["", "1abc", "a b", "a=b", "a\nb", "a.b", "-a", "ä"])
def test_format_output_rejects_bad_names(name: str) -> None:
    with pytest.raises(ValueError):
        format_output(name, "v", "D")


def test_format_output_rejects_delimiter_inside_value() -> None:
    with pytest.raises(ValueError):
        format_output("a", "x\nD\ny", "D")


def test_choose_delimiter_default_is_unique_uuid() -> None:
    first = choose_delimiter("value")
    second = choose_delimiter("value")
    assert first.startswith("ghadelimiter_")
    assert len(first) == len("ghadelimiter_") + 36
    assert first != second


def test_choose_delimiter_regenerates_on_collision() -> None:
    tokens = iter(["x", "x", "y"])
    value = "line one\nghadelimiter_x\nline three"
    assert choose_delimiter(value, lambda: next(tokens)) == "ghadelimiter_y"


def test_choose_delimiter_gives_up_after_a_few_tries() -> None:
    calls: list[int] = []

    def source() -> str:
        calls.append(1)
        return "x"

    with pytest.raises(RuntimeError):
        choose_delimiter("ghadelimiter_x", source)
    assert 2 <= len(calls) <= 10


@pytest.mark.parametrize(
    "value",
    [
        "simple",
        "",
        "two\nlines",
        "trailing newline\n",
        "\nleading newline",
        "ghadelimiter_x\nEOF\nname<<EOF",
        "a=b\nc<<d",
        "unicode ✓ ünïcode",
        "\n\n",
    ],
)
def test_output_values_survive_round_trip(value: str, parse_github_output: Parser) -> None:
    delimiter = choose_delimiter(value)
    written = format_output("out", value, delimiter) + format_output("next", "after", "N")
    assert parse_github_output(written) == {"out": value, "next": "after"}


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("text", "text"),
        (None, ""),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (1.5, "1.5"),
        ({"a": [1, 2], "b": None}, '{"a":[1,2],"b":null}'),
        ([1, "x", True], '[1,"x",true]'),
        ((1, 2), "[1,2]"),
        ({"name": "ünï"}, '{"name":"ünï"}'),
    ],
)
def test_to_output_value(value: object, text: str) -> None:
    assert to_output_value(value) == text
