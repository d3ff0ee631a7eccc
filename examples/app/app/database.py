"""Connections to PostgreSQL through pg8000 (pure Python, so the image needs no compiler).

pg8000 ships no type information: it is imported through importlib and wrapped here, so
the rest of the app sees typed code only.
"""

from __future__ import annotations

import importlib
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol

from app.config import Database
from app.handlers import StoreUnavailableError
from app.items import Item

CONNECT_TIMEOUT_S = 5.0


class Connection(Protocol):
    def run(self, sql: str, **params: Any) -> list[list[Any]] | None: ...
    def close(self) -> None: ...


def _ssl_context(sslmode: str) -> ssl.SSLContext | None:
    if sslmode == "disable":
        return None
    context = ssl.create_default_context()
    if sslmode == "require":  # encrypted, server not verified (libpq's meaning of require)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def driver_errors() -> tuple[type[BaseException], ...]:
    native = importlib.import_module("pg8000.native")
    return (OSError, native.Error)


def connect(database: Database) -> Connection:
    """A new connection; any failure becomes :class:`StoreUnavailableError` naming the server."""
    native = importlib.import_module("pg8000.native")
    try:
        connection: Connection = native.Connection(
            user=database.user,
            password=database.password or None,
            host=database.host,
            port=database.port,
            database=database.database,
            ssl_context=_ssl_context(database.sslmode),
            timeout=CONNECT_TIMEOUT_S,
            application_name="slipway-example-app",
        )
    except driver_errors() as error:
        raise StoreUnavailableError(f"{database.describe()}: {reason(error)}") from error
    return connection


def reason(error: BaseException) -> str:
    # pg8000 puts the server's fields in a dict: the message ("M") is what a person reads.
    if error.args and isinstance(error.args[0], dict):
        return str(error.args[0].get("M", error))
    text = str(error) or type(error).__name__
    # "Can't create a connection" alone hides why: refused, timed out, unknown host.
    cause = error.__cause__
    if isinstance(cause, OSError) and cause.strerror:
        text = f"{text.rstrip('.')}: {cause.strerror}"
    return text


class PostgresStore:
    """The items table; one short-lived connection per call, so the service recovers by
    itself when the database restarts or fails over."""

    def __init__(self, database: Database) -> None:
        self._database = database

    @contextmanager
    def _session(self) -> Iterator[Connection]:
        connection = connect(self._database)
        try:
            yield connection
        except driver_errors() as error:
            raise StoreUnavailableError(f"{self._database.describe()}: {reason(error)}") from error
        finally:
            try:
                connection.close()
            except driver_errors():
                pass  # the connection is gone already: nothing left to release

    def ping(self) -> None:
        with self._session() as connection:
            connection.run("SELECT 1")

    def list_items(self) -> list[Item]:
        with self._session() as connection:
            rows = connection.run("SELECT id, name, created_at FROM items ORDER BY id LIMIT 1000")
        return [Item(id=row[0], name=row[1], created_at=row[2]) for row in rows or []]

    def add_item(self, name: str) -> Item:
        with self._session() as connection:
            rows = connection.run(
                "INSERT INTO items (name) VALUES (:name) RETURNING id, name, created_at",
                name=name,
            )
        assert rows, "INSERT … RETURNING returns the row"
        return Item(id=rows[0][0], name=rows[0][1], created_at=rows[0][2])
