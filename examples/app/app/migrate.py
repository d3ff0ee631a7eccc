"""Apply pending migrations: each in its own transaction, recorded in schema_migrations,
under an advisory lock so two tasks migrating at once take turns."""

from __future__ import annotations

from pathlib import Path

from app.config import Database
from app.database import Connection, connect, driver_errors, reason
from app.migrations import Migration, MigrationError, ordered, pending, unknown

# Any constant works; it only has to be the same for every copy of this app.
ADVISORY_LOCK_KEY = 7_470_431_111

SCHEMA_MIGRATIONS = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version integer PRIMARY KEY,
    name text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


def load(directory: Path) -> list[Migration]:
    if not directory.is_dir():
        raise MigrationError(f"MIGRATIONS_DIR: {directory} is not a directory")
    return ordered((path.name, path.read_text()) for path in directory.glob("*.sql"))


def _apply_one(connection: Connection, migration: Migration) -> None:
    connection.run("START TRANSACTION")
    try:
        connection.run(migration.sql)
        connection.run(
            "INSERT INTO schema_migrations (version, name) VALUES (:version, :name)",
            version=migration.version,
            name=migration.name,
        )
        connection.run("COMMIT")
    except driver_errors() as error:
        connection.run("ROLLBACK")
        raise MigrationError(f"migration {migration.filename}: {reason(error)}") from error


def migrate(database: Database, directory: Path) -> tuple[list[Migration], list[int]]:
    """Apply what is pending; return (applied now, versions in the database unknown here)."""
    migrations = load(directory)
    connection = connect(database)
    try:
        connection.run("SELECT pg_advisory_lock(:key)", key=ADVISORY_LOCK_KEY)
        connection.run(SCHEMA_MIGRATIONS)
        rows = connection.run("SELECT version FROM schema_migrations") or []
        applied = {int(row[0]) for row in rows}
        todo = pending(migrations, applied)
        for migration in todo:
            _apply_one(connection, migration)
        return todo, unknown(migrations, applied)
    finally:
        connection.close()  # also releases the advisory lock
