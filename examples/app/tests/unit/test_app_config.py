"""Settings from the environment: DATABASE_URL or PG* variables, PORT, errors naming the
variable and never the password."""

from __future__ import annotations

from pathlib import Path

import pytest
from app.config import (
    DEFAULT_MIGRATIONS_DIR,
    ConfigError,
    Database,
    database_from_env,
    parse_database_url,
    settings_from_env,
)


def test_a_full_url_is_split_and_percent_decoded() -> None:
    url = "postgresql://app%40prod:p%2Fss%3Aw@db.internal:6432/shop?sslmode=require"
    assert parse_database_url(url) == Database(
        host="db.internal",
        port=6432,
        user="app@prod",
        password="p/ss:w",
        database="shop",
        sslmode="require",
    )


def test_a_short_url_gets_the_libpq_defaults() -> None:
    assert parse_database_url("postgres://app@localhost") == Database(
        host="localhost", port=5432, user="app", password="", database="app", sslmode="disable"
    )


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("mysql://app:secret@db/shop", "got scheme 'mysql'"),
        ("postgresql://app:secret@/shop", "got no host"),
        ("postgresql://db.internal/shop", "got no user"),
        ("postgresql://app:secret@db:99999/shop", "got a bad port"),
        ("postgresql://app:secret@db/shop?sslmode=allow", "sslmode: expected one of"),
    ],
)
def test_a_bad_url_is_one_line_naming_the_variable_without_the_password(
    url: str, message: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_database_url(url)
    text = str(caught.value)
    assert text.startswith("DATABASE_URL")
    assert message in text
    assert "secret" not in text
    assert "\n" not in text


def test_pg_variables_are_used_when_there_is_no_url() -> None:
    env = {
        "PGHOST": "db.internal",
        "PGPORT": "5433",
        "PGUSER": "app",
        "PGPASSWORD": "from-a-secret",
        "PGDATABASE": "shop",
        "PGSSLMODE": "verify-full",
    }
    assert database_from_env(env) == Database(
        "db.internal", 5433, "app", "from-a-secret", "shop", "verify-full"
    )


def test_database_url_wins_over_pg_variables() -> None:
    env = {"DATABASE_URL": "postgresql://u:p@h:1/d", "PGHOST": "other", "PGUSER": "x"}
    assert database_from_env(env).host == "h"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "DATABASE_URL: not set, and PGUSER is not set either"),
        ({"PGUSER": "app", "PGPORT": "five"}, "PGPORT: expected a port number 1-65535, got 'five'"),
        ({"PGUSER": "app", "PGSSLMODE": "on"}, "PGSSLMODE: expected one of"),
    ],
)
def test_bad_pg_variables_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        database_from_env(env)


def test_settings_defaults_and_overrides() -> None:
    defaults = settings_from_env({"PGUSER": "app"})
    assert (defaults.port, defaults.version, defaults.migrations_dir) == (
        8080,
        "dev",
        DEFAULT_MIGRATIONS_DIR,
    )
    assert DEFAULT_MIGRATIONS_DIR.name == "migrations"
    assert DEFAULT_MIGRATIONS_DIR.is_dir()
    custom = settings_from_env(
        {"PGUSER": "app", "PORT": "9000", "APP_VERSION": "1.4.2", "MIGRATIONS_DIR": "/srv/m"}
    )
    assert (custom.port, custom.version, custom.migrations_dir) == (9000, "1.4.2", Path("/srv/m"))


@pytest.mark.parametrize("port", ["0", "65536", "http", "-1"])
def test_a_bad_port_is_refused(port: str) -> None:
    with pytest.raises(ConfigError, match=f"PORT: expected a port number 1-65535, got '{port}'"):
        settings_from_env({"PGUSER": "app", "PORT": port})


def test_a_database_describes_itself_without_its_password() -> None:
    database = parse_database_url("postgresql://app:hunter2@db:5432/shop")
    assert database.describe() == "app@db:5432/shop"
