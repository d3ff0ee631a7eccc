"""Inputs tf-plan and tf-apply-gated share, and the settings read from them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from slipway.gha.inputs import InputError, Inputs
from slipway.gha.spec import Input
from slipway.terraform.engine import backend_config_args, resolve_binary

ENVIRONMENT_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
SHA_PATTERN = re.compile(r"^[0-9a-f]{40}$")

TERRAFORM_INPUTS: tuple[Input, ...] = (
    Input(
        "environment",
        "Environment this plan is for (dev, staging, prod, dev-alice…).",
        required=True,
    ),
    Input(
        "working-directory", "Terraform root module, relative to the repository root.", default="."
    ),
    Input(
        "binary", "Engine: `terraform`, `tofu`, or the path of an executable.", default="terraform"
    ),
    Input(
        "backend-config",
        "Backend configuration for this environment: files and/or key=value pairs, one per "
        "line (passed to init as -backend-config).",
    ),
    Input("workspace", "Terraform workspace to select (created when missing)."),
    Input("lock-timeout", "How long to wait for the state lock.", default="0s"),
    Input("plan-store-bucket", "S3 bucket holding reviewed plans.", required=True),
    Input("plan-store-prefix", "Key prefix in the plan store bucket.", default="slipway/plans"),
    Input("plan-store-kms-key", "KMS key for the plan store objects (default: SSE-S3)."),
    Input(
        "commit-sha",
        "Commit the plan belongs to. Defaults to GITHUB_SHA.",
    ),
    Input(
        "github-token",
        "Token for comments, approvals and issues.",
        default="${{ github.token }}",
    ),
)


@dataclass(frozen=True)
class TerraformSettings:
    environment: str
    workdir: Path  # absolute
    directory: str  # as given, relative to the repository root
    binary: str
    backend_config: tuple[str, ...]
    workspace: str | None
    lock_timeout: str
    bucket: str
    prefix: str
    kms_key: str | None
    commit_sha: str
    repository: str
    github_token: str | None


def read_terraform_settings(inputs: Inputs, env: Mapping[str, str]) -> TerraformSettings:
    """Validated shared settings; raises InputError before anything runs."""
    environment = inputs.string("environment", required=True) or ""
    if not ENVIRONMENT_PATTERN.match(environment):
        raise InputError(
            "environment", "letters, digits, '.', '_' or '-' (at most 64)", environment
        )
    directory = inputs.string("working-directory") or "."
    root = Path(env.get("GITHUB_WORKSPACE") or Path.cwd())
    workdir = (root / directory).resolve()
    if not workdir.is_dir():
        raise InputError("working-directory", "an existing directory", directory)
    if not any(workdir.glob("*.tf")) and not any(workdir.glob("*.tf.json")):
        raise InputError("working-directory", "a directory with Terraform files", directory)
    lock = inputs.duration("lock-timeout", minimum=0)
    sha = (inputs.string("commit-sha") or env.get("GITHUB_SHA", "")).lower()
    if not SHA_PATTERN.match(sha):
        raise InputError("commit-sha", "a full 40-character commit SHA (or GITHUB_SHA set)", sha)
    binary = inputs.string("binary") or "terraform"
    backend_config = tuple(inputs.list("backend-config", lines_only=True))
    # Both checks read the disk only: a wrong binary or backend item fails before any run.
    resolve_binary(binary, env)
    backend_config_args(backend_config, workdir)
    repository = env.get("GITHUB_REPOSITORY", "")
    if not re.match(r"^[\w.-]+/[\w.-]+$", repository):
        raise InputError("github-token", "GITHUB_REPOSITORY set to owner/name", repository)
    return TerraformSettings(
        environment=environment,
        workdir=workdir,
        directory=directory,
        binary=binary,
        backend_config=backend_config,
        workspace=inputs.string("workspace") or None,
        lock_timeout=f"{int(lock or 0)}s",
        bucket=inputs.string("plan-store-bucket", required=True) or "",
        prefix=inputs.string("plan-store-prefix") or "slipway/plans",
        kms_key=inputs.string("plan-store-kms-key") or None,
        commit_sha=sha,
        repository=repository,
        github_token=inputs.string("github-token") or env.get("GITHUB_TOKEN") or None,
    )


_BACKEND_BLOCK = re.compile(r'^\s*backend\s+"([A-Za-z0-9_-]+)"', re.MULTILINE)
_SETTING = re.compile(r'^\s*([A-Za-z0-9_]+)\s*=\s*"?([^"\n]*)"?\s*$', re.MULTILINE)


def backend_settings(tf: TerraformSettings) -> tuple[str, dict[str, str]]:
    """The backend type declared in the module and the settings given for it (key=value items
    and the simple ``key = "value"`` lines of backend files), to describe where state lives."""
    kind = "local"
    for path in sorted(tf.workdir.glob("*.tf")):
        found = _BACKEND_BLOCK.search(path.read_text(errors="replace"))
        if found:
            kind = found.group(1)
            break
    settings: dict[str, str] = {}
    for item in tf.backend_config:
        key, sep, value = item.partition("=")
        path = tf.workdir / item
        if not sep and path.is_file():
            settings.update(_SETTING.findall(path.read_text(errors="replace")))
        elif sep:
            settings[key.strip()] = value.strip()
    return kind, settings
