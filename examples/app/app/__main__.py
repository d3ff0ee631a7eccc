"""``python -m app [serve|migrate]``: configuration errors are one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import sys

from app.config import ConfigError, settings_from_env
from app.database import PostgresStore
from app.handlers import StoreUnavailableError
from app.migrate import migrate
from app.migrations import MigrationError
from app.server import make_server, serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m app", description="Serve the sample application, or migrate its schema."
    )
    parser.add_argument("command", nargs="?", default="serve", choices=["serve", "migrate"])
    args = parser.parse_args(argv)
    try:
        settings = settings_from_env()
    except ConfigError as error:
        print(f"app: {error}", file=sys.stderr)
        return 2
    if args.command == "migrate":
        try:
            applied, unknown = migrate(settings.database, settings.migrations_dir)
        except (MigrationError, StoreUnavailableError) as error:
            print(f"app migrate: {error}", file=sys.stderr)
            return 1
        for migration in applied:
            print(f"applied {migration.filename}")
        if unknown:
            # A newer image migrated this database: fine for a rollback, worth a line.
            listed = ", ".join(f"{version:04d}" for version in unknown)
            print(f"database has newer migrations than this image: {listed}")
        if not applied:
            print("schema up to date")
        return 0
    server = make_server(
        "0.0.0.0", settings.port, PostgresStore(settings.database), settings.version
    )
    serve(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
