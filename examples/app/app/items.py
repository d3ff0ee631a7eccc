"""The domain value the service stores, and validation of what clients send (pure)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

NAME_MAX_LENGTH = 200


class ValidationError(ValueError):
    """The request body is not a valid item; the message says what was expected."""


@dataclass(frozen=True)
class Item:
    id: int
    name: str
    created_at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "created_at": self.created_at.isoformat()}


def parse_new_item(body: bytes) -> str:
    """The name of the item to create, from a ``{"name": "..."}`` JSON body."""
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError(f"body: expected a JSON object, got invalid JSON ({error})") from None
    if not isinstance(data, dict):
        raise ValidationError(f"body: expected a JSON object, got {type(data).__name__}")
    unknown = sorted(set(data) - {"name"})
    if unknown:
        raise ValidationError(f"body: unexpected field(s) {', '.join(unknown)}; expected only name")
    name = data.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValidationError("name: expected a non-empty string")
    name = name.strip()
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            f"name: expected at most {NAME_MAX_LENGTH} characters, got {len(name)}"
        )
    return name
