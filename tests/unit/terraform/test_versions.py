"""Version constraints with the engine's own semantics, and finding required_version."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from slipway.terraform.versions import (
    check_engine_version,
    compare,
    find_required_versions,
    parse_constraints,
    parse_version,
    required_versions,
    satisfies,
)


@pytest.mark.parametrize(
    ("version", "constraint", "expected"),
    [
        ("1.15.5", ">= 1.5, < 2.0", True),
        ("2.0.0", ">= 1.5, < 2.0", False),
        ("1.4.9", ">= 1.5, < 2.0", False),
        ("1.5.0", ">= 1.5", True),
        ("1.5.0", "> 1.5", False),
        ("1.5.1", "> 1.5", True),
        ("1.5.0", "<= 1.5", True),
        ("1.5.1", "<= 1.5", False),
        ("1.15.5", "= 1.15.5", True),
        ("1.15.4", "= 1.15.5", False),
        ("1.15.5", "1.15.5", True),
        ("1.15.0", "1.15", True),
        ("1.10.0", "!= 1.10.0", False),
        ("1.10.1", "!= 1.10.0", True),
        ("1.15.5", "~> 1.9", True),
        ("1.9.0", "~> 1.9", True),
        ("1.8.9", "~> 1.9", False),
        ("2.0.0", "~> 1.9", False),
        ("1.9.7", "~> 1.9.0", True),
        ("1.10.0", "~> 1.9.0", False),
        ("1.9.0", "~> 1.9.1", False),
        ("1.99.0", "~> 1", True),
        ("1.15.5", ">=1.5,<2", True),
        ("1.15.5", "  >=  1.5 ,  < 1.10 ", False),
        ("v1.15.5", ">= 1.15.5", True),
        ("1.15.5+abc", "= 1.15.5", True),
    ],
)
def test_constraints(version: str, constraint: str, expected: bool) -> None:
    assert satisfies(version, constraint) is expected


@pytest.mark.parametrize(
    ("version", "constraint", "expected"),
    [
        # A pre-release only matches constraints naming a pre-release of the same version...
        ("1.10.0-beta1", ">= 1.9", False),
        ("1.10.0-beta1", "< 2.0", False),
        ("1.10.0-beta1", "~> 1.9", False),
        ("1.10.0-beta1", "= 1.10.0-beta1", True),
        ("1.10.0-beta2", ">= 1.10.0-beta1", True),
        ("1.10.0-beta1", ">= 1.10.0-beta2", False),
        ("1.11.0-beta1", ">= 1.10.0-beta1", False),
        # ... and a pre-release constraint with ~> only matches pre-releases.
        ("1.10.0", "~> 1.10.0-beta1", False),
        ("1.10.0-rc1", "~> 1.10.0-beta1", True),
        # Releases still compare with pre-release constraints.
        ("1.10.0", ">= 1.10.0-beta1", True),
        ("1.9.9", ">= 1.10.0-beta1", False),
    ],
)
def test_prereleases(version: str, constraint: str, expected: bool) -> None:
    assert satisfies(version, constraint) is expected


def test_ordering_of_prereleases() -> None:
    order = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11"]
    order += ["1.0.0-rc.1", "1.0.0"]
    versions = [parse_version(v) for v in order]
    for older, newer in itertools.pairwise(versions):
        assert compare(older, newer) == -1
        assert compare(newer, older) == 1
    assert compare(parse_version("1.9"), parse_version("1.9.0")) == 0


def test_parsed_shape() -> None:
    (low, high) = parse_constraints(">= 1.5, < 2.0")
    assert (low.operator, str(low.version), high.operator, str(high.version)) == (
        ">=",
        "1.5",
        "<",
        "2.0",
    )
    assert parse_version("1.9").given == 2
    assert parse_version("1.9").segments == (1, 9, 0)
    assert parse_version("1.10.0-beta1").prerelease == "beta1"


@pytest.mark.parametrize("bad", ["", ">=", "1.x", "=> 1.0", ">= 1.0,", "~ 1.0", "one"])
def test_malformed_constraints(bad: str) -> None:
    with pytest.raises(ValueError, match="malformed version constraint"):
        parse_constraints(bad)


def test_malformed_version() -> None:
    with pytest.raises(ValueError, match="not a version: 'abc'"):
        parse_version("abc")


MAIN_TF = """
# terraform { required_version = "= 0.1" }
// terraform { required_version = "= 0.2" }
/*
terraform {
  required_version = "= 0.3"
}
*/
locals {
  note = "terraform { required_version = \\"= 0.4\\" }"
  doc  = <<-EOT
    terraform {
      required_version = "= 0.5"
    }
  EOT
}

terraform {
  # required_version = "= 0.6"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = ">= 5.0" # not the engine's
    }
  }
  required_version = ">= 1.5, < 2.0" // the real one
  backend "s3" {}
}
"""


def test_required_version_ignores_comments_strings_and_nested_blocks() -> None:
    assert find_required_versions(MAIN_TF) == [">= 1.5, < 2.0"]


def test_required_version_one_line_block() -> None:
    assert find_required_versions('terraform { required_version = "~> 1.9" }') == ["~> 1.9"]


def test_required_versions_across_files(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(MAIN_TF)
    (tmp_path / "versions.tf").write_text('terraform {\n  required_version = "< 1.10"\n}\n')
    (tmp_path / "other.tf").write_text('resource "terraform_data" "x" {}\n')
    (tmp_path / "notes.tf.txt").write_text('terraform {\n  required_version = "= 9"\n}\n')
    nested = tmp_path / "modules" / "a"
    nested.mkdir(parents=True)
    (nested / "versions.tf").write_text('terraform {\n  required_version = "= 9"\n}\n')

    found = required_versions(tmp_path)
    assert found == [
        (tmp_path / "main.tf", ">= 1.5, < 2.0"),
        (tmp_path / "versions.tf", "< 1.10"),
    ]
    assert check_engine_version("1.15.5", found) == (
        'terraform 1.15.5 does not satisfy required_version "< 1.10" (versions.tf)'
    )
    assert check_engine_version("1.9.8", found) is None
    assert check_engine_version("1.9.8", found, engine="tofu") is None
    assert check_engine_version("2.1.0", found, engine="tofu") == (
        'tofu 2.1.0 does not satisfy required_version ">= 1.5, < 2.0" (main.tf)'
    )


def test_no_constraints_pass(tmp_path: Path) -> None:
    assert required_versions(tmp_path) == []
    assert check_engine_version("1.15.5", []) is None


def test_malformed_required_version_is_reported() -> None:
    problem = check_engine_version("1.15.5", [(Path("main.tf"), ">= one")])
    assert problem == "malformed version constraint '>= one' in '>= one' (main.tf)"
