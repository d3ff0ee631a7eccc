"""Which engine and version a root module gets, and what the release sites publish."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slipway.terraform.engine_choice import choose_engine, detect_engine, resolve_version
from slipway.terraform.engine_releases import (
    ReleaseError,
    newest,
    parse_index,
    parse_sums,
    platform_names,
    release_source,
)
from slipway.terraform.versions import parse_constraints

# What the indexes list, in their own order (HashiCorp's is a map, OpenTofu's newest first).
TERRAFORM_VERSIONS = ["1.5.7", "1.9.8", "1.10.0-rc1", "1.10.5", "1.11.4", "1.12.0-alpha20250319"]
TOFU_VERSIONS = ["1.12.6", "1.12.0-beta1", "1.9.1", "1.8.9"]


def module(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def required(constraint: str) -> str:
    return f'terraform {{\n  required_version = "{constraint}"\n}}\n'


# --- choosing --------------------------------------------------------------------------------


def test_inputs_decide_first(tmp_path: Path) -> None:
    root = module(tmp_path, {"main.tf": required(">= 1.5"), ".terraform-version": "1.9.8\n"})
    choice = choose_engine(root, root, "tofu", "1.12.6")
    assert (choice.engine, choice.exact, choice.reason) == (
        "tofu",
        "1.12.6",
        "input 'engine-version'",
    )
    assert not choice.needs_index


def test_a_constraint_input_takes_the_newest_release_meeting_it(tmp_path: Path) -> None:
    root = module(tmp_path, {"main.tf": "resource terraform_data x {}\n"})
    choice = choose_engine(root, root, None, "~> 1.9.0")
    assert choice.needs_index
    assert resolve_version(choice, TERRAFORM_VERSIONS) == "1.9.8"


def test_a_version_prefix_takes_the_newest_release_under_it(tmp_path: Path) -> None:
    assert resolve_version(choose_engine(tmp_path, tmp_path, None, "1.10"), TERRAFORM_VERSIONS) == (
        "1.10.5"
    )
    assert resolve_version(choose_engine(tmp_path, tmp_path, None, "1"), TERRAFORM_VERSIONS) == (
        "1.11.4"
    )


def test_required_version_comes_before_version_files(tmp_path: Path) -> None:
    root = module(
        tmp_path,
        {"versions.tf": required(">= 1.9, < 1.11"), ".terraform-version": "1.5.7\n"},
    )
    choice = choose_engine(root, root)
    assert choice.reason == "required_version"
    # Pre-releases are left out unless a constraint names one.
    assert resolve_version(choice, TERRAFORM_VERSIONS) == "1.10.5"


def test_every_required_version_must_hold(tmp_path: Path) -> None:
    root = module(tmp_path, {"a.tf": required(">= 1.9"), "b.tf": required("< 1.10")})
    assert resolve_version(choose_engine(root, root), TERRAFORM_VERSIONS) == "1.9.8"


def test_tofu_files_replace_their_tf_twin_and_make_the_engine_tofu(tmp_path: Path) -> None:
    root = module(
        tmp_path,
        {"versions.tf": required("~> 1.5.0"), "versions.tofu": required(">= 1.9")},
    )
    choice = choose_engine(root, root)
    assert choice.engine == "tofu"
    assert [path.name for path, _ in choice.required] == ["versions.tofu"]
    assert resolve_version(choice, TOFU_VERSIONS) == "1.12.6"
    # Terraform reads only the .tf file.
    assert resolve_version(choose_engine(root, root, "terraform"), TERRAFORM_VERSIONS) == "1.5.7"


def test_the_nearest_version_file_wins_up_to_the_repository_root(tmp_path: Path) -> None:
    repo = module(
        tmp_path / "repo",
        {".terraform-version": "1.5.7\n", "infra/dev/.terraform-version": "1.9.8\n"},
    )
    (tmp_path / ".terraform-version").write_text("1.10.5\n")  # outside the repository
    assert choose_engine(repo / "infra" / "dev", repo).exact == "1.9.8"
    (repo / "infra" / "dev" / ".terraform-version").unlink()
    choice = choose_engine(repo / "infra" / "dev", repo)
    assert (choice.exact, choice.reason) == ("1.5.7", ".terraform-version")
    (repo / ".terraform-version").unlink()
    assert choose_engine(repo / "infra" / "dev", repo).reason == "newest stable release"


def test_tfenv_latest_with_a_pattern(tmp_path: Path) -> None:
    root = module(tmp_path, {".terraform-version": "latest:^1\\.10\n"})
    assert resolve_version(choose_engine(root, root), TERRAFORM_VERSIONS) == "1.10.5"


def test_tool_versions_names_the_engine_and_its_version(tmp_path: Path) -> None:
    root = module(tmp_path, {".tool-versions": "python 3.12.1\nopentofu 1.9.1 1.8.9  # pinned\n"})
    choice = choose_engine(root, root)
    assert (choice.engine, choice.exact, choice.reason) == ("tofu", "1.9.1", ".tool-versions")
    (root / ".tool-versions").write_text("terraform 1.9.8\n")
    assert (choose_engine(root, root).engine, choose_engine(root, root).exact) == (
        "terraform",
        "1.9.8",
    )


def test_opentofu_version_file_makes_the_engine_tofu(tmp_path: Path) -> None:
    root = module(tmp_path, {".opentofu-version": "1.8.9\n"})
    assert detect_engine(root, root) == "tofu"
    assert choose_engine(root, root).exact == "1.8.9"


def test_without_any_hint_the_newest_stable_terraform(tmp_path: Path) -> None:
    choice = choose_engine(tmp_path, tmp_path)
    assert (choice.engine, choice.reason) == ("terraform", "newest stable release")
    assert resolve_version(choice, TERRAFORM_VERSIONS) == "1.11.4"
    with pytest.raises(ReleaseError, match="no terraform release satisfies a stable release"):
        resolve_version(choice, ["1.12.0-rc1"])


def test_latest_input_ignores_pre_releases(tmp_path: Path) -> None:
    choice = choose_engine(tmp_path, tmp_path, "tofu", "latest")
    assert resolve_version(choice, TOFU_VERSIONS) == "1.12.6"


def test_a_pre_release_constraint_lets_matching_pre_releases_in(tmp_path: Path) -> None:
    # go-version's rule, as the engines apply it: a pre-release matches only a constraint
    # that names a pre-release of the same version.
    choice = choose_engine(tmp_path, tmp_path, "tofu", "~> 1.12.0-beta1")
    assert resolve_version(choice, TOFU_VERSIONS) == "1.12.0-beta1"
    assert (
        resolve_version(choose_engine(tmp_path, tmp_path, "tofu", ">= 1.12.0-beta1"), TOFU_VERSIONS)
        == "1.12.6"
    )


# --- refusals, each one line naming what decided ---------------------------------------------


def test_unknown_engine_names_the_input(tmp_path: Path) -> None:
    with pytest.raises(ReleaseError) as error:
        choose_engine(tmp_path, tmp_path, "terrafrom")
    assert str(error.value) == "input 'engine': expected terraform or tofu, got 'terrafrom'"


def test_an_exact_version_outside_required_version_is_refused_before_any_download(
    tmp_path: Path,
) -> None:
    root = module(tmp_path, {"versions.tf": required(">= 1.10")})
    with pytest.raises(ReleaseError) as error:
        choose_engine(root, root, None, "1.9.8")
    assert str(error.value) == (
        "input 'engine-version' asks for terraform 1.9.8, but terraform 1.9.8 does not satisfy "
        'required_version ">= 1.10" (versions.tf)'
    )


def test_with_required_version_a_version_file_is_not_consulted(tmp_path: Path) -> None:
    root = module(tmp_path, {".tool-versions": "terraform 1.5.7\n"})
    assert choose_engine(root, root).exact == "1.5.7"
    (root / "versions.tf").write_text(required(">= 1.10"))
    choice = choose_engine(root, root)
    assert (choice.exact, choice.reason) == (None, "required_version")
    assert resolve_version(choice, TERRAFORM_VERSIONS) == "1.11.4"


def test_no_release_meets_the_constraint(tmp_path: Path) -> None:
    root = module(tmp_path, {"main.tf": required("~> 0.12.0")})
    with pytest.raises(ReleaseError) as error:
        resolve_version(choose_engine(root, root), TERRAFORM_VERSIONS)
    assert str(error.value) == (
        "no terraform release satisfies ~> 0.12.0 (required_version); the newest is 1.11.4"
    )


@pytest.mark.parametrize("text", ["1.x", ">= banana", "latest:("])
def test_malformed_version_input(tmp_path: Path, text: str) -> None:
    with pytest.raises(ReleaseError, match="input 'engine-version'"):
        choose_engine(tmp_path, tmp_path, None, text)


def test_malformed_required_version_names_its_file(tmp_path: Path) -> None:
    root = module(tmp_path, {"versions.tf": required(">= one")})
    with pytest.raises(ReleaseError, match=r"versions\.tf"):
        choose_engine(root, root)


# --- the release sites ------------------------------------------------------------------------


def test_hashicorp_index_shape() -> None:
    index = {
        "name": "terraform",
        "versions": {
            "1.11.4": {"name": "terraform", "version": "1.11.4", "builds": []},
            "1.10.0-rc1": {"name": "terraform", "version": "1.10.0-rc1", "builds": []},
            "not-a-version": {},
        },
    }
    assert parse_index("terraform", json.dumps(index)) == ["1.11.4", "1.10.0-rc1"]


def test_opentofu_api_shape() -> None:
    api = {"versions": [{"id": "1.12.6", "files": ["tofu_1.12.6_SHA256SUMS"]}, {"id": "1.9.1"}]}
    assert parse_index("tofu", json.dumps(api)) == ["1.12.6", "1.9.1"]


@pytest.mark.parametrize(
    ("engine", "text", "message"),
    [
        ("terraform", "<html>", "not JSON"),
        ("terraform", '{"versions": []}', "no version list"),
        ("tofu", '{"versions": {}}', "no version list"),
    ],
)
def test_a_broken_index_is_named(engine: str, text: str, message: str) -> None:
    with pytest.raises(ReleaseError, match=message):
        parse_index(engine, text)


def test_official_and_mirrored_locations() -> None:
    terraform = release_source("terraform")
    assert terraform.index_url == "https://releases.hashicorp.com/terraform/index.json"
    assert terraform.file_url("1.11.4", terraform.signature_name("1.11.4")) == (
        "https://releases.hashicorp.com/terraform/1.11.4/terraform_1.11.4_SHA256SUMS.sig"
    )
    tofu = release_source("tofu")
    assert tofu.index_url == "https://get.opentofu.org/tofu/api.json"
    assert tofu.file_url("1.12.6", tofu.archive_name("1.12.6", "linux", "arm64")) == (
        "https://github.com/opentofu/opentofu/releases/download/v1.12.6/tofu_1.12.6_linux_arm64.zip"
    )
    assert tofu.signature_name("1.12.6") == "tofu_1.12.6_SHA256SUMS.gpgsig"
    mirror = release_source("tofu", "https://mirror.example/releases/")
    assert mirror.index_url == "https://mirror.example/releases/tofu/api.json"
    assert mirror.file_url("1.9.1", "x") == (
        "https://mirror.example/releases/opentofu/opentofu/releases/download/v1.9.1/x"
    )


def test_sums_file_parsing() -> None:
    text = (
        f"{'a' * 64}  terraform_1.11.4_linux_amd64.zip\n"
        f"{'B' * 64} *terraform_1.11.4_darwin_arm64.zip\n"
    )
    assert parse_sums(text, "SUMS") == {
        "terraform_1.11.4_linux_amd64.zip": "a" * 64,
        "terraform_1.11.4_darwin_arm64.zip": "b" * 64,
    }
    with pytest.raises(ReleaseError, match="SUMS: line 1 is not"):
        parse_sums("abc  file\n", "SUMS")


def test_platforms() -> None:
    assert platform_names("Linux", "x86_64") == ("linux", "amd64")
    assert platform_names("Darwin", "arm64") == ("darwin", "arm64")
    assert platform_names("Linux", "aarch64") == ("linux", "arm64")
    with pytest.raises(ReleaseError, match="Windows"):
        platform_names("Windows", "AMD64")
    with pytest.raises(ReleaseError, match="riscv64"):
        platform_names("Linux", "riscv64")


def test_newest_orders_versions_numerically() -> None:
    assert newest(["1.9.8", "1.10.5", "1.2.0"]) == "1.10.5"
    assert newest(["1.9.8"], parse_constraints(">= 2.0")) is None
