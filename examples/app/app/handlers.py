"""Request handling: method + path + body → status + JSON (pure; the store is passed in)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from app.items import Item, ValidationError, parse_new_item

MAX_BODY_BYTES = 64 * 1024


class StoreUnavailableError(RuntimeError):
    """The database could not be reached or refused the query."""


class Store(Protocol):
    def ping(self) -> None: ...
    def list_items(self) -> list[Item]: ...
    def add_item(self, name: str) -> Item: ...


@dataclass(frozen=True)
class Response:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


ROUTES: dict[str, tuple[str, ...]] = {"/health": ("GET",), "/items": ("GET", "POST")}


def handle(method: str, target: str, body: bytes, store: Store, version: str) -> Response:
    path = target.split("?", 1)[0]
    allowed = ROUTES.get(path)
    if allowed is None:
        return Response(404, {"error": f"no such path: {path}"})
    if method not in allowed:
        return Response(
            405,
            {"error": f"{method} not allowed on {path}; expected {', '.join(allowed)}"},
            {"Allow": ", ".join(allowed)},
        )
    if path == "/health":
        return health(store, version)
    try:
        if method == "GET":
            return Response(200, {"items": [item.to_json() for item in store.list_items()]})
        return Response(201, store.add_item(parse_new_item(body)).to_json())
    except ValidationError as error:
        return Response(400, {"error": str(error)})
    except StoreUnavailableError as error:
        return Response(503, {"error": f"database unavailable: {error}"})


def health(store: Store, version: str) -> Response:
    """200 when the database answers, 503 (load balancer: take me out) when it does not."""
    try:
        store.ping()
    except StoreUnavailableError as error:
        return Response(
            503,
            {
                "status": "unavailable",
                "version": version,
                "database": "unreachable",
                "error": str(error),
            },
        )
    return Response(200, {"status": "ok", "version": version, "database": "reachable"})
