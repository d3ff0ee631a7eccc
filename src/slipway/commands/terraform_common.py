"""Inputs tf-plan and tf-apply-gated share, and the settings read from them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from slipway.gha.inputs import InputError, Inputs
from slipway.gha.spec import Input
from slipway.terraform.engine import ENGINES, backend_config_args, resolve_binary
from slipway.terraform.engine_choice import EngineChoice, choose_engine

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
        "engine",
        "`terraform` or `tofu`. Default: OpenTofu where the module shows it (`.tofu` files, "
        "`.opentofu-version`, `opentofu` in `.tool-versions`), else Terraform.",
    ),
    Input(
        "engine-version",
        "Engine version to install: `1.9.5`, a prefix (`1.9`: the newest 1.9.x), a constraint "
        "(`~> 1.9`) or `latest`. Default: the "
        "newest release satisfying the root module's `required_version`, else "
        "`.terraform-version` / `.opentofu-version` / `.tool-versions`, else the newest stable "
        "release.",
    ),
    Input(
        "binary",
        "Path of an engine executable to use as it is (nothing is downloaded). Default: the "
        "engine is installed, verified, into the runner's tool cache.",
    ),
    Input(
        "release-mirror",
        "Base URL of a mirror of the release sites, same layout (`terraform/…` as "
        "releases.hashicorp.com; `tofu/api.json` and `opentofu/opentofu/releases/download/…` "
        "for OpenTofu). Default: `SLIPWAY_RELEASE_MIRROR`, else the official sites.",
    ),
    Input(
        "release-signing-key",
        "For a mirror that signs releases with its own key: the armored public key, or a file "
        "holding it (default `SLIPWAY_RELEASE_SIGNING_KEY`). Without it the vendor's key, "
        "pinned in slipway, is required.",
    ),
    Input(
        "release-signing-key-fingerprint",
        "Fingerprint the `release-signing-key` must have (default "
        "`SLIPWAY_RELEASE_SIGNING_KEY_FINGERPRINT`).",
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
class ReleaseSettings:
    """Where engines are installed from, and whose signature is required."""

    mirror: str | None = None
    signing_key: str | None = None  # armored public key text
    fingerprint: str | None = None


def read_release_settings(inputs: Inputs, env: Mapping[str, str]) -> ReleaseSettings:
    """The release inputs (their SLIPWAY_* environment defaults), checked without a download."""
    from urllib.parse import urlsplit

    mirror = inputs.string("release-mirror") or env.get("SLIPWAY_RELEASE_MIRROR") or None
    if mirror is not None:
        parts = urlsplit(mirror)
        if parts.scheme not in ("https", "http", "file") or not (parts.netloc or parts.path):
            raise InputError("release-mirror", "an https, http or file URL", mirror)
    key = inputs.string("release-signing-key") or env.get("SLIPWAY_RELEASE_SIGNING_KEY") or None
    fingerprint = (
        inputs.string("release-signing-key-fingerprint")
        or env.get("SLIPWAY_RELEASE_SIGNING_KEY_FINGERPRINT")
        or None
    )
    if (key is None) != (fingerprint is None):
        raise InputError(
            "release-signing-key",
            "a key and its release-signing-key-fingerprint together, or neither",
            "only one of them",
        )
    if key is not None and fingerprint is not None:
        key = _key_text(key)
        from slipway.terraform.openpgp import SignatureError, parse_certificate

        pinned = fingerprint.replace(" ", "").upper()
        try:
            found = parse_certificate(key.encode()).primary.fingerprint_hex
        except SignatureError as error:
            raise InputError("release-signing-key", "an OpenPGP public key", str(error)) from None
        if found != pinned:
            raise InputError(
                "release-signing-key-fingerprint", f"the key's fingerprint {found}", pinned
            )
        fingerprint = pinned
    return ReleaseSettings(mirror=mirror, signing_key=key, fingerprint=fingerprint)


def _key_text(value: str) -> str:
    if value.lstrip().startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----"):
        return value
    path = Path(value).expanduser()
    if not path.is_file():
        raise InputError(
            "release-signing-key", "an armored public key or the path of a file holding one", value
        )
    return path.read_text(encoding="utf-8", errors="replace")


def read_engine(
    inputs: Inputs, env: Mapping[str, str], workdir: Path
) -> tuple[Path | None, EngineChoice | None]:
    """An explicit binary, or the engine and version to install (decided from files only)."""
    binary = (inputs.string("binary") or "").strip()
    engine = (inputs.string("engine") or "").strip()
    if binary in ENGINES:
        # The engine's name as `binary` (what earlier versions took) selects the engine.
        if engine and engine != binary:
            raise InputError("binary", f"the same engine as input 'engine' ({engine})", binary)
        engine, binary = binary, ""
    if binary:
        return resolve_binary(binary, env), None
    root = Path(env.get("GITHUB_WORKSPACE") or Path.cwd()).resolve()
    # A ReleaseError (a ValueError) names the input or file that decided, in one line.
    return None, choose_engine(workdir, root, engine or None, inputs.string("engine-version"))


@dataclass(frozen=True)
class TerraformSettings:
    environment: str
    workdir: Path  # absolute
    directory: str  # as given, relative to the repository root
    # An explicit engine executable, or the engine to install (None with a binary).
    binary: Path | None
    engine: EngineChoice | None
    release: ReleaseSettings
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
    backend_config = tuple(inputs.list("backend-config", lines_only=True))
    # These checks read the disk only: a wrong engine or backend item fails before any run.
    binary, engine = read_engine(inputs, env, workdir)
    release = read_release_settings(inputs, env)
    backend_config_args(backend_config, workdir)
    repository = env.get("GITHUB_REPOSITORY", "")
    if not re.match(r"^[\w.-]+/[\w.-]+$", repository):
        raise InputError("github-token", "GITHUB_REPOSITORY set to owner/name", repository)
    return TerraformSettings(
        environment=environment,
        workdir=workdir,
        directory=directory,
        binary=binary,
        engine=engine,
        release=release,
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
