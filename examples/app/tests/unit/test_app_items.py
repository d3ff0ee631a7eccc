"""Validation of the POST /items body."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from app.items import NAME_MAX_LENGTH, Item, ValidationError, parse_new_item


def test_a_name_is_taken_and_trimmed() -> None:
    assert parse_new_item(b'{"name": "  blue widget "}') == "blue widget"


def test_unicode_names_are_kept() -> None:
    assert parse_new_item('{"name": "Zürich ☕"}'.encode()) == "Zürich ☕"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"", "body: expected a JSON object, got invalid JSON"),
        (b"{name: 1}", "body: expected a JSON object, got invalid JSON"),
        (b"\xff\xfe", "body: expected a JSON object, got invalid JSON"),
        (b'["widget"]', "body: expected a JSON object, got list"),
        (b"{}", "name: expected a non-empty string"),
        (b'{"name": "   "}', "name: expected a non-empty string"),
        (b'{"name": 7}', "name: expected a non-empty string"),
        (b'{"name": "x", "price": 3}', "body: unexpected field(s) price; expected only name"),
    ],
)
def test_bad_bodies_say_what_was_expected(body: bytes, message: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_new_item(body)
    assert str(caught.value).startswith(message)


def test_names_have_a_length_limit() -> None:
    assert parse_new_item(('{"name": "%s"}' % ("a" * NAME_MAX_LENGTH)).encode()) == "a" * 200
    with pytest.raises(ValidationError, match="name: expected at most 200 characters, got 201"):
        parse_new_item(('{"name": "%s"}' % ("a" * 201)).encode())


def test_an_item_renders_as_json() -> None:
    item = Item(id=3, name="widget", created_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert item.to_json() == {"id": 3, "name": "widget", "created_at": "2026-01-02T03:04:05+00:00"}
