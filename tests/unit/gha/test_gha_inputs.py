from __future__ import annotations

import pytest

from slipway.gha import InputError, Inputs, env_name, format_duration, parse_duration


def inputs(**values: str) -> Inputs:
    return Inputs({env_name(name.replace("_", "-")): value for name, value in values.items()})


# -- env_name ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("bake-time", "INPUT_BAKE_TIME"),
        ("cluster", "INPUT_CLUSTER"),
        ("Task Definition", "INPUT_TASK_DEFINITION"),
        ("already_snake", "INPUT_ALREADY_SNAKE"),
    ],
)
def test_env_name(name: str, expected: str) -> None:
    assert env_name(name) == expected


# -- InputError --------------------------------------------------------------


def test_input_error_message_is_exact() -> None:
    error = InputError("bake-time", "a duration such as 90s, 5m or 1h30m", "10x")
    assert str(error) == (
        "input 'bake-time': expected a duration such as 90s, 5m or 1h30m, got '10x'"
    )
    assert (error.name, error.expected, error.found) == (
        "bake-time",
        "a duration such as 90s, 5m or 1h30m",
        "10x",
    )
    assert isinstance(error, ValueError)


def test_input_error_is_one_line_and_escapes_quotes() -> None:
    error = InputError("x", "a value", "it's\nnew\\line")
    assert str(error) == "input 'x': expected a value, got 'it\\'s\\nnew\\\\line'"
    assert "\n" not in str(error)


def test_input_error_truncates_long_values() -> None:
    error = InputError("x", "a value", "a" * 81)
    assert str(error) == "input 'x': expected a value, got '" + "a" * 80 + "…'"
    assert error.found == "a" * 81
    assert str(InputError("x", "a value", "b" * 80)).endswith("'" + "b" * 80 + "'")


# -- string ------------------------------------------------------------------


def test_string_strips_and_defaults() -> None:
    given = inputs(cluster="  prod  ", empty="   ")
    assert given.string("cluster") == "prod"
    assert given.string("empty", default="fallback") == "fallback"
    assert given.string("missing") is None
    assert given.string("missing", default="d") == "d"


def test_string_required() -> None:
    with pytest.raises(InputError) as caught:
        inputs(cluster=" ").string("cluster", required=True)
    assert str(caught.value) == "input 'cluster': expected a value, got nothing"
    assert caught.value.expected == "a value"


def test_string_choices() -> None:
    given = inputs(mode="rolling", bad="blue")
    assert given.string("mode", choices=["rolling", "canary"]) == "rolling"
    with pytest.raises(InputError) as caught:
        given.string("bad", choices=["rolling", "canary", "linear"])
    assert str(caught.value) == ("input 'bad': expected one of rolling, canary, linear, got 'blue'")


# -- boolean -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["true", "True", "TRUE", "yes", "YES", "Yes", "1", "on", "ON", " true "]
)
def test_boolean_true(text: str) -> None:
    assert inputs(flag=text).boolean("flag", default=False) is True


@pytest.mark.parametrize(
    "text", ["false", "False", "FALSE", "no", "NO", "No", "0", "off", "Off", "\tfalse\n"]
)
def test_boolean_false(text: str) -> None:
    assert inputs(flag=text).boolean("flag", default=True) is False


@pytest.mark.parametrize("text", ["tRuE", "fAlSe", "y", "n", "2", "enabled", "t"])
def test_boolean_rejects(text: str) -> None:
    with pytest.raises(InputError) as caught:
        inputs(flag=text).boolean("flag", default=False)
    assert caught.value.found == text
    assert str(caught.value) == f"input 'flag': expected a boolean (true or false), got '{text}'"


def test_boolean_default() -> None:
    assert inputs().boolean("flag", default=True) is True
    assert inputs(flag="").boolean("flag", default=False) is False


# -- integer -----------------------------------------------------------------


@pytest.mark.parametrize(("text", "value"), [("0", 0), ("42", 42), ("-3", -3), ("+7", 7)])
def test_integer(text: str, value: int) -> None:
    assert inputs(count=text).integer("count") == value


@pytest.mark.parametrize("text", ["1.5", "ten", "1_000", "0x10", "1e3", "٣", "1 2"])
def test_integer_rejects_non_integers(text: str) -> None:
    with pytest.raises(InputError) as caught:
        inputs(count=text).integer("count")
    assert str(caught.value) == f"input 'count': expected an integer, got '{text}'"


def test_integer_range() -> None:
    assert inputs(n="0").integer("n", minimum=0) == 0
    assert inputs(n="10").integer("n", minimum=1, maximum=10) == 10
    with pytest.raises(InputError) as caught:
        inputs(n="-1").integer("n", minimum=0)
    assert str(caught.value) == "input 'n': expected an integer ≥ 0, got '-1'"
    with pytest.raises(InputError) as caught:
        inputs(n="11").integer("n", maximum=10)
    assert caught.value.expected == "an integer ≤ 10"
    with pytest.raises(InputError) as caught:
        inputs(n="0").integer("n", minimum=1, maximum=10)
    assert caught.value.expected == "an integer from 1 to 10"
    with pytest.raises(InputError) as caught:
        inputs(n="x").integer("n", minimum=0)
    assert caught.value.expected == "an integer ≥ 0"


def test_integer_default() -> None:
    assert inputs().integer("n") is None
    assert inputs(n=" ").integer("n", default=5) == 5


# -- durations ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90.0),
        ("0", 0.0),
        ("1.5", 1.5),
        ("90s", 90.0),
        ("5m", 300.0),
        ("1h", 3600.0),
        ("1h30m", 5400.0),
        ("1m30s", 90.0),
        ("250ms", 0.25),
        ("1.5s", 1.5),
        ("2h0m5s", 7205.0),
        ("1h1m1s1ms", 3661.001),
        ("1.5h", 5400.0),
        ("0s", 0.0),
        ("-5s", -5.0),
        ("-90", -90.0),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize(
    "text",
    [
        "10x",
        "",
        "m",
        "s",
        "5 m",
        " 5m",
        "1s1h",
        "1m1m",
        "30s5m",
        "5ms1s",
        "1h-5m",
        "5M",
        "1.s",
        ".5s",
        "1,5s",
        "inf",
        "nan",
        "5mm",
        "--5s",
        "+5s",
    ],
)
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0s"),
        (90, "1m30s"),
        (0.25, "250ms"),
        (3600, "1h"),
        (5400, "1h30m"),
        (3605, "1h5s"),
        (7205, "2h5s"),
        (1.5, "1.5s"),
        (90.25, "1m30.25s"),
        (3600.25, "1h250ms"),
        (60, "1m"),
        (59.9999, "1m"),
        (-90, "-1m30s"),
        (0.0001, "0s"),
    ],
)
def test_format_duration(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text


@pytest.mark.parametrize("seconds", [0, 0.25, 1.5, 59, 90, 3600, 3661.5, 86400, 12345.678])
def test_format_duration_round_trips(seconds: float) -> None:
    assert parse_duration(format_duration(seconds)) == pytest.approx(seconds)


def test_format_duration_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        format_duration(float("inf"))


def test_duration_input() -> None:
    given = inputs(bake_time="1h30m", short="250ms")
    assert given.duration("bake-time") == 5400.0
    assert given.duration("short") == 0.25
    assert given.duration("missing") is None
    assert given.duration("missing", default=60.0) == 60.0


def test_duration_input_rejects_with_exact_message() -> None:
    with pytest.raises(InputError) as caught:
        inputs(bake_time="10x").duration("bake-time")
    assert str(caught.value) == (
        "input 'bake-time': expected a duration such as 90s, 5m or 1h30m, got '10x'"
    )


def test_duration_input_rejects_negative_by_default() -> None:
    with pytest.raises(InputError) as caught:
        inputs(wait="-5s").duration("wait")
    assert str(caught.value) == "input 'wait': expected a duration ≥ 0s, got '-5s'"
    assert inputs(wait="-5s").duration("wait", minimum=None) == -5.0


def test_duration_input_range() -> None:
    with pytest.raises(InputError) as caught:
        inputs(wait="2h").duration("wait", maximum=3600)
    assert caught.value.expected == "a duration from 0s to 1h"
    with pytest.raises(InputError) as caught:
        inputs(wait="1s").duration("wait", minimum=30, maximum=None)
    assert caught.value.expected == "a duration ≥ 30s"
    with pytest.raises(InputError) as caught:
        inputs(wait="1s").duration("wait", minimum=None, maximum=0.5)
    assert caught.value.expected == "a duration ≤ 500ms"
    assert inputs(wait="1h").duration("wait", maximum=3600) == 3600.0


# -- list --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "items"),
    [
        ("a,b,c", ["a", "b", "c"]),
        ("a\nb\nc", ["a", "b", "c"]),
        (" a , b\n c ,\n\n,d ", ["a", "b", "c", "d"]),
        ("single", ["single"]),
        ("a,,b", ["a", "b"]),
        ("a\r\nb", ["a", "b"]),
        ("with space, x", ["with space", "x"]),
    ],
)
def test_list(text: str, items: list[str]) -> None:
    assert inputs(things=text).list("things") == items


def test_list_default() -> None:
    assert inputs().list("things") == []
    default = ("x", "y")
    result = inputs(things=" \n ").list("things", default=default)
    assert result == ["x", "y"]
    assert isinstance(result, list)
    assert inputs(things=",\n,").list("things", default=default) == []


# -- mapping -----------------------------------------------------------------


def test_mapping() -> None:
    text = "team=payments\nurl = https://x.example/?a=1&b=2 , empty=\n\nk=v"
    assert inputs(tags=text).mapping("tags") == {
        "team": "payments",
        "url": "https://x.example/?a=1&b=2",
        "empty": "",
        "k": "v",
    }


def test_mapping_value_may_contain_equals() -> None:
    assert inputs(env="A=b=c==").mapping("env") == {"A": "b=c=="}


def test_mapping_default() -> None:
    assert inputs().mapping("tags") == {}
    default = {"a": "1"}
    result = inputs(tags=" ").mapping("tags", default=default)
    assert result == {"a": "1"}
    assert result is not default


@pytest.mark.parametrize("item", ["badpair", "=value", "my key=v", " =v"])
def test_mapping_malformed(item: str) -> None:
    with pytest.raises(InputError) as caught:
        inputs(tags=f"ok=1\n{item}").mapping("tags")
    assert caught.value.expected == "key=value pairs"
    assert caught.value.found == item.strip()


def test_mapping_malformed_message() -> None:
    with pytest.raises(InputError) as caught:
        inputs(tags="a=1,badpair").mapping("tags")
    assert str(caught.value) == "input 'tags': expected key=value pairs, got 'badpair'"


def test_mapping_duplicate_keys() -> None:
    with pytest.raises(InputError) as caught:
        inputs(tags="a=1\nb=2\na=3").mapping("tags")
    assert str(caught.value) == (
        "input 'tags': expected key=value pairs with unique keys, got 'a=3'"
    )


def test_mapping_lines_only_keeps_commas_in_values() -> None:
    inputs = Inputs({"INPUT_VARIABLES": "tags={a=1,b=2}\nname=web, api\n"})
    assert inputs.mapping("variables", lines_only=True) == {"tags": "{a=1,b=2}", "name": "web, api"}


def test_list_lines_only() -> None:
    inputs = Inputs({"INPUT_FILES": "a,b.tfvars\nc.tfvars"})
    assert inputs.list("files", lines_only=True) == ["a,b.tfvars", "c.tfvars"]
    assert inputs.list("files") == ["a", "b.tfvars", "c.tfvars"]
