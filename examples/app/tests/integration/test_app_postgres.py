"""The app against a real PostgreSQL server: migrations, a write/read round trip, and
/health following the database's state."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import pytest
from running_app import APP_ROOT, psql, run_app, serving

pytestmark = pytest.mark.integration

MIGRATIONS = APP_ROOT / "migrations"


def test_migrate_applies_in_order_once_and_is_idempotent(
    app_python: Path, database_url: str
) -> None:
    first = run_app(app_python, "migrate", DATABASE_URL=database_url)
    assert first.returncode == 0, first.stderr
    assert first.stdout == (
        "applied 0001_create_items.sql\napplied 0002_index_items_created_at.sql\n"
    )
    second = run_app(app_python, "migrate", DATABASE_URL=database_url)
    assert (second.returncode, second.stdout) == (0, "schema up to date\n")
    assert psql(database_url, "SELECT version, name FROM schema_migrations ORDER BY version") == [
        ["1", "create_items"],
        ["2", "index_items_created_at"],
    ]
    indexes = psql(database_url, "SELECT indexname FROM pg_indexes WHERE tablename = 'items'")
    assert sorted(row[0] for row in indexes) == ["items_created_at", "items_pkey"]


def test_pg_variables_work_like_the_url(app_python: Path, database_url: str) -> None:
    parts = urlsplit(database_url)
    result = run_app(
        app_python,
        "migrate",
        DATABASE_URL="",
        PGHOST=parts.hostname or "",
        PGPORT=str(parts.port),
        PGUSER=parts.username or "",
        PGPASSWORD=parts.password or "",
        PGDATABASE=parts.path.lstrip("/"),
    )
    assert result.returncode == 0, result.stderr
    assert psql(database_url, "SELECT count(*) FROM schema_migrations") == [["2"]]


def test_a_failing_migration_is_rolled_back_whole(
    app_python: Path, database_url: str, tmp_path: Path
) -> None:
    migrations = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, migrations)
    (migrations / "0003_broken.sql").write_text(
        "CREATE TABLE half_done (id int);\nSELECT no_such_function();\n"
    )
    result = run_app(
        app_python, "migrate", DATABASE_URL=database_url, MIGRATIONS_DIR=str(migrations)
    )
    assert result.returncode == 1
    assert result.stderr.startswith(
        "app migrate: migration 0003_broken.sql: function no_such_function"
    )
    assert result.stdout == ""
    # 0001 and 0002 committed (each has its own transaction); nothing of 0003 remains.
    assert psql(database_url, "SELECT version FROM schema_migrations ORDER BY 1") == [["1"], ["2"]]
    assert psql(database_url, "SELECT to_regclass('half_done') IS NULL") == [["t"]]


def test_an_older_image_migrating_a_newer_schema_succeeds(
    app_python: Path, database_url: str, tmp_path: Path
) -> None:
    assert run_app(app_python, "migrate", DATABASE_URL=database_url).returncode == 0
    older = tmp_path / "migrations"
    older.mkdir()
    shutil.copy(MIGRATIONS / "0001_create_items.sql", older)
    result = run_app(app_python, "migrate", DATABASE_URL=database_url, MIGRATIONS_DIR=str(older))
    assert (result.returncode, result.stdout) == (
        0,
        "database has newer migrations than this image: 0002\nschema up to date\n",
    )


def test_post_then_get_round_trip(app_python: Path, database_url: str) -> None:
    assert run_app(app_python, "migrate", DATABASE_URL=database_url).returncode == 0
    with serving(app_python, DATABASE_URL=database_url, APP_VERSION="2.0.1") as app:
        assert app.request("GET", "/items") == (200, {"items": []})
        status, created = app.request("POST", "/items", {"name": "  sprocket "})
        assert status == 201
        assert (created["id"], created["name"]) == (1, "sprocket")
        assert app.request("POST", "/items", {"name": ""}) == (
            400,
            {"error": "name: expected a non-empty string"},
        )
        assert app.request("GET", "/items") == (200, {"items": [created]})
        assert app.request("GET", "/health") == (
            200,
            {"status": "ok", "version": "2.0.1", "database": "reachable"},
        )
    # Written to the database, not kept in the process.
    assert psql(database_url, "SELECT id, name FROM items") == [["1", "sprocket"]]


def test_items_before_migrating_is_a_503_not_a_crash(app_python: Path, database_url: str) -> None:
    with serving(app_python, DATABASE_URL=database_url) as app:
        status, body = app.request("GET", "/items")
        assert status == 503
        assert 'relation "items" does not exist' in body["error"]


def test_health_is_503_with_a_wrong_password(app_python: Path, postgres: str) -> None:
    wrong = postgres.replace("@", "x@", 1)  # the password gains a character
    with serving(app_python, DATABASE_URL=wrong, APP_VERSION="2.0.1") as app:
        status, body = app.request("GET", "/health")
    assert status == 503
    assert (body["status"], body["database"], body["version"]) == (
        "unavailable",
        "unreachable",
        "2.0.1",
    )
    user = urlsplit(postgres).username
    assert body["error"].endswith(f'password authentication failed for user "{user}"')


def test_health_follows_the_database_down_and_back_up(
    app_python: Path, localenv: ModuleType
) -> None:
    # A cluster of its own: stopping the session's would break the other tests.
    directory = Path(tempfile.mkdtemp(prefix="slipway-postgres-"))
    directory.chmod(0o711)
    try:
        cluster = localenv.start_postgres(directory)
        with serving(app_python, DATABASE_URL=cluster.url) as app:
            assert app.request("GET", "/health")[0] == 200
            localenv.stop_postgres(directory)
            status, body = app.request("GET", "/health")
            assert (status, body["database"]) == (503, "unreachable")
            assert f"port {cluster.port}" in body["error"]
            assert body["error"].endswith(": Connection refused")
            restarted = localenv.start_postgres(directory, port=cluster.port)
            assert restarted.url == cluster.url
            assert app.request("GET", "/health")[0] == 200
    finally:
        localenv.stop_postgres(directory)
        shutil.rmtree(directory, ignore_errors=True)
