"""The HTTP shell over a real loopback socket: JSON responses, headers, body limits."""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Iterator

import pytest
from app.handlers import MAX_BODY_BYTES
from app.server import make_server
from test_app_handlers import MemoryStore


@pytest.fixture
def server() -> Iterator[tuple[str, int]]:
    httpd = make_server("127.0.0.1", 0, MemoryStore(), "9.9.9")
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", httpd.server_port
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def _request(
    server: tuple[str, int], method: str, path: str, body: bytes | None = None, **headers: str
) -> tuple[int, dict[str, str], object]:
    connection = http.client.HTTPConnection(*server, timeout=5)
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), json.loads(response.read())
    finally:
        connection.close()


def test_health_answers_json(server: tuple[str, int]) -> None:
    status, headers, body = _request(server, "GET", "/health")
    assert status == 200
    assert headers["Content-Type"] == "application/json"
    assert body == {"status": "ok", "version": "9.9.9", "database": "reachable"}


def test_post_then_get_over_http(server: tuple[str, int]) -> None:
    status, _, created = _request(server, "POST", "/items", b'{"name": "gear"}')
    assert status == 201
    assert isinstance(created, dict) and created["name"] == "gear"
    status, _, listed = _request(server, "GET", "/items")
    assert status == 200
    assert listed == {"items": [created]}


def test_every_method_reaches_the_router(server: tuple[str, int]) -> None:
    status, headers, body = _request(server, "PUT", "/items", b"{}")
    assert (status, headers["Allow"]) == (405, "GET, POST")
    assert body == {"error": "PUT not allowed on /items; expected GET, POST"}


def test_oversized_bodies_are_refused_before_reading(server: tuple[str, int]) -> None:
    status, _, body = _request(
        server, "POST", "/items", b"x", **{"Content-Length": str(MAX_BODY_BYTES + 1)}
    )
    assert status == 413
    assert body == {"error": f"body: at most {MAX_BODY_BYTES} bytes"}
