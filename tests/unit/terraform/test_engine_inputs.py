"""What the engine runner checks before anything runs, and how it reads small outputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from slipway.terraform.engine import (
    EngineError,
    EngineInputError,
    EngineVersion,
    backend_config_args,
    parse_outputs,
    parse_version_json,
    resolve_binary,
    supports_init_json,
)


def _executable(path: Path) -> Path:
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755)
    return path


def test_unknown_binary_name(tmp_path: Path) -> None:
    with pytest.raises(EngineInputError) as caught:
        resolve_binary("tofux", {"PATH": str(tmp_path)})
    assert (
        str(caught.value) == "input 'binary': 'tofux' is not terraform, tofu or an executable path"
    )
    assert caught.value.name == "binary"
    assert isinstance(caught.value, ValueError)


def test_engine_missing_from_path(tmp_path: Path) -> None:
    with pytest.raises(EngineInputError, match=r"^input 'binary': 'tofu' not found on PATH$"):
        resolve_binary("tofu", {"PATH": str(tmp_path)})


def test_engine_found_on_the_given_path(tmp_path: Path) -> None:
    tofu = _executable(tmp_path / "tofu")
    assert resolve_binary("tofu", {"PATH": f"/nonexistent{os.pathsep}{tmp_path}"}) == tofu
    assert resolve_binary(" tofu ", {"PATH": str(tmp_path)}) == tofu


def test_explicit_paths(tmp_path: Path) -> None:
    engine = _executable(tmp_path / "terraform-1.9")
    assert resolve_binary(str(engine), {}) == engine.resolve()
    plain = tmp_path / "not-executable"
    plain.write_text("")
    for bad in (plain, tmp_path / "missing", tmp_path):
        with pytest.raises(EngineInputError, match=r"is not an executable file$"):
            resolve_binary(str(bad), {})


def test_backend_config_items(tmp_path: Path) -> None:
    (tmp_path / "prod.s3.tfbackend").write_text('bucket = "x"\n')
    args = backend_config_args(
        ["prod.s3.tfbackend", "key=env/prod.tfstate", " region = us-east-1 ", 'endpoints={s3="u"}'],
        tmp_path,
    )
    assert args == [
        f"-backend-config={tmp_path / 'prod.s3.tfbackend'}",
        "-backend-config=key=env/prod.tfstate",
        "-backend-config=region=us-east-1",
        '-backend-config=endpoints={s3="u"}',
    ]
    assert backend_config_args(["key="], tmp_path) == ["-backend-config=key="]


@pytest.mark.parametrize("item", ["missing.tfbackend", "=value", "", "two words=x", "bucket"])
def test_bad_backend_config_item(tmp_path: Path, item: str) -> None:
    with pytest.raises(EngineInputError) as caught:
        backend_config_args(["key=ok", item], tmp_path)
    assert str(caught.value) == (
        f"input 'backend-config': {item.strip()!r} is neither an existing file nor key=value"
    )


def test_version_json() -> None:
    terraform = (
        '{"terraform_version": "1.15.5", "platform": "linux_amd64", '
        '"provider_selections": {}, "terraform_outdated": false}'
    )
    tofu = '{"terraform_version": "1.9.0", "platform": "linux_amd64", "provider_selections": {}}'
    assert parse_version_json(terraform, Path("/usr/bin/terraform")) == ("terraform", "1.15.5")
    assert parse_version_json(tofu, Path("/usr/bin/tofu")) == EngineVersion("tofu", "1.9.0")
    assert parse_version_json(terraform, Path("/opt/tofu")).name == "tofu"
    with pytest.raises(EngineError, match="printed no terraform_version"):
        parse_version_json("Terraform v1.15.5", Path("terraform"))


def test_version_json_after_opentofu_configuration_warnings() -> None:
    """OpenTofu 1.12 prints CLI configuration warnings on stdout, before the JSON."""
    printed = (
        "\nWarning: Unable to open CLI configuration file\n\n"
        'The CLI configuration file at "/root/.terraformrc" does not exist.\n'
        '{\n  "terraform_version": "1.12.6",\n  "platform": "linux_amd64",\n'
        '  "provider_selections": {}\n}\n'
    )
    assert parse_version_json(printed, Path("/opt/tofu")) == ("tofu", "1.12.6")


@pytest.mark.parametrize(
    ("engine", "version", "expected"),
    [
        ("terraform", "1.15.5", True),
        ("terraform", "1.9.0", True),
        ("terraform", "1.8.5", False),
        ("tofu", "1.7.0", True),
        ("tofu", "1.6.2", False),
    ],
)
def test_init_json_support(engine: str, version: str, expected: bool) -> None:
    assert supports_init_json(engine, version) is expected


def test_outputs_keep_sensitive_flag() -> None:
    text = (
        '{"name": {"sensitive": false, "type": "string", "value": "e"},'
        ' "secret": {"sensitive": true, "type": "string", "value": "s3cr3t"}}'
    )
    assert parse_outputs(text) == {
        "name": {"value": "e", "type": "string", "sensitive": False},
        "secret": {"value": "s3cr3t", "type": "string", "sensitive": True},
    }
    assert parse_outputs("{}\n") == {}
    with pytest.raises(EngineError):
        parse_outputs("[]")
