"""A small evaluator of GitHub Actions expressions, for reading a workflow's `if:` conditions
and output values as the runner would: literals (`'text'`, `true`, `false`, `null`,
numbers), context paths (`inputs.push`, `needs.stages.outputs.stage-2`; a missing property
is null), `!`, `==`, `!=` (strings compared case-insensitively, operands of different types
as numbers: null and '' are 0), `&&` and `||` (which return one of their operands),
parentheses and `always()`. Anything else is refused, so a condition this does not
understand fails the test instead of being guessed
(https://docs.github.com/en/actions/reference/workflows-and-actions/expressions)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

_TOKEN = re.compile(
    r"\s*(?:(?P<string>'(?:[^']|'')*')|(?P<number>\d+(?:\.\d+)?)"
    r"|(?P<op>&&|\|\||==|!=|!|\(|\))|(?P<name>[A-Za-z_][A-Za-z0-9_.-]*))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    found, position = [], 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ValueError(f"cannot read {text[position:]!r}")
        kind = match.lastgroup or ""
        found.append((kind, match.group(kind)))
        position = match.end()
    return found


def truthy(value: Any) -> bool:
    return value not in (None, False, 0, "")


def _number(value: Any) -> float:
    """GitHub's coercion of mismatched operands: null 0, booleans 1 and 0, a string its
    number ('' is 0), anything else NaN."""
    if value is None:
        return 0.0
    if isinstance(value, bool | int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip() or 0)
        except ValueError:
            return math.nan
    return math.nan


def _equal(left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        return left.lower() == right.lower()
    if type(left) is type(right):
        return bool(left == right)
    return _number(left) == _number(right)


class _Parser:
    def __init__(self, text: str, context: Mapping[str, Any]) -> None:
        self.tokens = _tokens(text)
        self.index = 0
        self.context = context

    def peek(self) -> str | None:
        return self.tokens[self.index][1] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise ValueError("the expression ends too soon")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Any:
        value = self.either()
        if self.index != len(self.tokens):
            raise ValueError(f"unexpected {self.peek()!r}")
        return value

    def either(self) -> Any:
        value = self.both()
        while self.peek() == "||":
            self.take()
            right = self.both()
            value = value if truthy(value) else right
        return value

    def both(self) -> Any:
        value = self.comparison()
        while self.peek() == "&&":
            self.take()
            right = self.comparison()
            value = right if truthy(value) else value
        return value

    def comparison(self) -> Any:
        value = self.unary()
        while self.peek() in ("==", "!="):
            operator = self.take()[1]
            right = self.unary()
            value = _equal(value, right) == (operator == "==")
        return value

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            return not truthy(self.unary())
        return self.primary()

    def primary(self) -> Any:
        kind, text = self.take()
        if text == "(":
            value = self.either()
            if self.take()[1] != ")":
                raise ValueError("missing )")
            return value
        if kind == "string":
            return text[1:-1].replace("''", "'")
        if kind == "number":
            return float(text)
        if kind != "name":
            raise ValueError(f"unexpected {text!r}")
        if self.peek() == "(":
            self.take()
            if text != "always" or self.take()[1] != ")":
                raise ValueError(f"function {text}() is not modelled")
            return True
        if text in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[text]
        found: Any = self.context
        for part in text.split("."):
            found = found.get(part) if isinstance(found, Mapping) else None
        return found


def evaluate(expression: str, context: Mapping[str, Any]) -> Any:
    """The value of an expression, with or without its `${{ }}`."""
    text = expression.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    return _Parser(text, context).parse()
