"""Settings from the environment (pure: the environment is passed in as a mapping)."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_PORT = 8080
SSL_MODES = ("disable", "require", "verify-full")
DEFAULT_MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names the variable."""


@dataclass(frozen=True)
class Database:
    host: str
    port: int
    user: str
    password: str = ""
    database: str = ""
    sslmode: str = "disable"

    def describe(self) -> str:
        """Where the database is, without the password (safe to log)."""
        return f"{self.user}@{self.host}:{self.port}/{self.database}"


@dataclass(frozen=True)
class Settings:
    port: int
    version: str
    database: Database
    migrations_dir: Path


def _port(name: str, raw: str) -> int:
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"{name}: expected a port number 1-65535, got {raw!r}")
    return int(raw)


def _sslmode(name: str, raw: str) -> str:
    if raw not in SSL_MODES:
        raise ConfigError(f"{name}: expected one of {', '.join(SSL_MODES)}, got {raw!r}")
    return raw


def parse_database_url(url: str) -> Database:
    """``postgresql://user:password@host:port/database?sslmode=require`` → :class:`Database`.

    Errors never repeat the URL: it carries the password.
    """
    expected = "expected postgresql://user:password@host[:port]/database"
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres"):
        raise ConfigError(f"DATABASE_URL: {expected}, got scheme {parts.scheme!r}")
    try:
        port = parts.port or 5432
    except ValueError:
        raise ConfigError(f"DATABASE_URL: {expected}, got a bad port") from None
    if not parts.hostname:
        raise ConfigError(f"DATABASE_URL: {expected}, got no host")
    if not parts.username:
        raise ConfigError(f"DATABASE_URL: {expected}, got no user")
    user = urllib.parse.unquote(parts.username)
    query = urllib.parse.parse_qs(parts.query)
    return Database(
        host=parts.hostname,
        port=port,
        user=user,
        password=urllib.parse.unquote(parts.password or ""),
        database=urllib.parse.unquote(parts.path.lstrip("/")) or user,
        sslmode=_sslmode("DATABASE_URL sslmode", query.get("sslmode", ["disable"])[-1]),
    )


def database_from_env(env: Mapping[str, str]) -> Database:
    """``DATABASE_URL`` when set, else the libpq variables ``PGHOST``, ``PGPORT``, ``PGUSER``,
    ``PGPASSWORD``, ``PGDATABASE``, ``PGSSLMODE`` (on ECS the password comes from a secret)."""
    url = env.get("DATABASE_URL", "").strip()
    if url:
        return parse_database_url(url)
    user = env.get("PGUSER", "").strip()
    if not user:
        raise ConfigError("DATABASE_URL: not set, and PGUSER is not set either")
    return Database(
        host=env.get("PGHOST", "").strip() or "localhost",
        port=_port("PGPORT", env.get("PGPORT", "").strip() or "5432"),
        user=user,
        password=env.get("PGPASSWORD", ""),
        database=env.get("PGDATABASE", "").strip() or user,
        sslmode=_sslmode("PGSSLMODE", env.get("PGSSLMODE", "").strip() or "disable"),
    )


def settings_from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    migrations = env.get("MIGRATIONS_DIR", "").strip()
    return Settings(
        port=_port("PORT", env.get("PORT", "").strip() or str(DEFAULT_PORT)),
        version=env.get("APP_VERSION", "").strip() or "dev",
        database=database_from_env(env),
        migrations_dir=Path(migrations) if migrations else DEFAULT_MIGRATIONS_DIR,
    )
