"""Migration files: naming, ordering, duplicates, and what is pending against a database."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from app.config import DEFAULT_MIGRATIONS_DIR
from app.migrate import load
from app.migrations import Migration, MigrationError, ordered, parse_filename, pending, unknown


def test_files_are_ordered_by_number_not_by_listing_order() -> None:
    migrations = ordered(
        [
            ("0010_add_price.sql", "ALTER TABLE items ADD price int;"),
            ("0002_index.sql", "CREATE INDEX i ON items (name);"),
            ("0001_create.sql", "CREATE TABLE items (name text);"),
        ]
    )
    assert [(m.version, m.name) for m in migrations] == [
        (1, "create"),
        (2, "index"),
        (10, "add_price"),
    ]
    assert migrations[2].filename == "0010_add_price.sql"


@pytest.mark.parametrize(
    "filename", ["1_create.sql", "0001-create.sql", "0001_Create.sql", "0001_create.SQL", "x.sql"]
)
def test_misnamed_files_are_refused_with_the_expected_shape(filename: str) -> None:
    expected = re.escape(f"migration '{filename}': expected NNNN_lowercase_name.sql")
    with pytest.raises(MigrationError, match=expected):
        parse_filename(filename)


def test_two_files_with_one_version_are_refused() -> None:
    with pytest.raises(MigrationError) as caught:
        ordered([("0001_a.sql", "SELECT 1;"), ("0001_b.sql", "SELECT 2;")])
    assert str(caught.value) == "migration '0001_b.sql': version 0001 is also used by '0001_a.sql'"


def test_an_empty_file_is_refused() -> None:
    with pytest.raises(MigrationError) as caught:
        ordered([("0003_x.sql", "  \n")])
    assert str(caught.value) == "migration '0003_x.sql': the file is empty"


def test_pending_skips_applied_versions_and_unknown_reports_newer_ones() -> None:
    migrations = [Migration(1, "a", "x"), Migration(2, "b", "y"), Migration(3, "c", "z")]
    assert [m.version for m in pending(migrations, {1, 3})] == [2]
    assert pending(migrations, {1, 2, 3}) == []
    assert unknown(migrations, {1, 2, 3, 4, 7}) == [4, 7]
    assert unknown(migrations, set()) == []


def test_the_shipped_migrations_load_in_order() -> None:
    migrations = load(DEFAULT_MIGRATIONS_DIR)
    assert [m.filename for m in migrations] == [
        "0001_create_items.sql",
        "0002_index_items_created_at.sql",
    ]
    assert "CREATE TABLE items" in migrations[0].sql


def test_a_missing_directory_names_the_setting(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    expected = re.escape(f"MIGRATIONS_DIR: {missing} is not a directory")
    with pytest.raises(MigrationError, match=expected):
        load(missing)
