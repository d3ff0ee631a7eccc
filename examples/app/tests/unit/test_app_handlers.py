"""Routing, status codes and bodies, with the store's two behaviours: answering and down."""

from __future__ import annotations

from datetime import UTC, datetime

from app.handlers import Response, StoreUnavailableError, handle
from app.items import Item

CREATED = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


class MemoryStore:
    """The Store protocol over a list: the handlers' logic needs no database."""

    def __init__(self) -> None:
        self.items: list[Item] = []

    def ping(self) -> None:
        return None

    def list_items(self) -> list[Item]:
        return list(self.items)

    def add_item(self, name: str) -> Item:
        item = Item(id=len(self.items) + 1, name=name, created_at=CREATED)
        self.items.append(item)
        return item


class DownStore(MemoryStore):
    def ping(self) -> None:
        raise StoreUnavailableError("app@db:5432/app: connection refused")

    def list_items(self) -> list[Item]:
        raise StoreUnavailableError("app@db:5432/app: connection refused")

    def add_item(self, name: str) -> Item:
        raise StoreUnavailableError("app@db:5432/app: connection refused")


def test_health_reports_the_version_and_a_reachable_database() -> None:
    assert handle("GET", "/health", b"", MemoryStore(), "1.4.2") == Response(
        200, {"status": "ok", "version": "1.4.2", "database": "reachable"}
    )


def test_health_is_503_when_the_database_is_down() -> None:
    assert handle("GET", "/health?probe=alb", b"", DownStore(), "1.4.2") == Response(
        503,
        {
            "status": "unavailable",
            "version": "1.4.2",
            "database": "unreachable",
            "error": "app@db:5432/app: connection refused",
        },
    )


def test_post_creates_and_get_lists_in_order() -> None:
    store = MemoryStore()
    first = handle("POST", "/items", b'{"name": "bolt"}', store, "v")
    second = handle("POST", "/items", b'{"name": "nut"}', store, "v")
    assert (first.status, first.body["id"], first.body["name"]) == (201, 1, "bolt")
    assert (second.status, second.body["id"]) == (201, 2)
    listed = handle("GET", "/items", b"", store, "v")
    assert listed.status == 200
    assert [item["name"] for item in listed.body["items"]] == ["bolt", "nut"]
    assert listed.body["items"][0]["created_at"] == "2026-03-01T12:00:00+00:00"


def test_an_invalid_body_is_400_and_stores_nothing() -> None:
    store = MemoryStore()
    response = handle("POST", "/items", b'{"name": ""}', store, "v")
    assert response == Response(400, {"error": "name: expected a non-empty string"})
    assert store.items == []


def test_items_are_503_when_the_database_is_down() -> None:
    for method, body in (("GET", b""), ("POST", b'{"name": "bolt"}')):
        response = handle(method, "/items", body, DownStore(), "v")
        assert response == Response(
            503, {"error": "database unavailable: app@db:5432/app: connection refused"}
        )


def test_unknown_paths_are_404_and_unknown_methods_405_with_allow() -> None:
    assert handle("GET", "/nope", b"", MemoryStore(), "v") == Response(
        404, {"error": "no such path: /nope"}
    )
    assert handle("DELETE", "/items", b"", MemoryStore(), "v") == Response(
        405, {"error": "DELETE not allowed on /items; expected GET, POST"}, {"Allow": "GET, POST"}
    )
    assert handle("POST", "/health", b"", MemoryStore(), "v").headers == {"Allow": "GET"}
