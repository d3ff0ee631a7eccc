"""Schema migrations: which files, in which order, which are still to apply (pure).

A migration is ``migrations/NNNN_description.sql``; the number orders them. Versions the
database has but the files do not are reported, not refused: a rolled-back image runs its
older migrate against a newer schema, and that must succeed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

FILENAME = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")


class MigrationError(ValueError):
    """A migration file is misnamed, duplicated, or failed to apply."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def filename(self) -> str:
        return f"{self.version:04d}_{self.name}.sql"


def parse_filename(filename: str) -> tuple[int, str]:
    match = FILENAME.match(filename)
    if not match:
        raise MigrationError(
            f"migration {filename!r}: expected NNNN_lowercase_name.sql (e.g. 0001_create_items.sql)"
        )
    return int(match["version"]), match["name"]


def ordered(files: Iterable[tuple[str, str]]) -> list[Migration]:
    """(filename, sql) pairs → migrations sorted by version; duplicates and empties refused."""
    migrations: dict[int, Migration] = {}
    for filename, sql in files:
        version, name = parse_filename(filename)
        if version in migrations:
            raise MigrationError(
                f"migration {filename!r}: version {version:04d} is also used by "
                f"{migrations[version].filename!r}"
            )
        if not sql.strip():
            raise MigrationError(f"migration {filename!r}: the file is empty")
        migrations[version] = Migration(version, name, sql)
    return [migrations[version] for version in sorted(migrations)]


def pending(migrations: list[Migration], applied: set[int]) -> list[Migration]:
    return [migration for migration in migrations if migration.version not in applied]


def unknown(migrations: list[Migration], applied: set[int]) -> list[int]:
    """Versions applied to the database that no file here describes (a newer image ran)."""
    return sorted(applied - {migration.version for migration in migrations})
