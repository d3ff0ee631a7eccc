"""Where the hashicorp/aws provider comes from: the registry (here a provider network mirror
standing in for it, serving the locally built provider) when it answers, a source build
otherwise; SLIPWAY_PROVIDER_SOURCE chooses."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.fakes.provider_mirror import PROVIDER, publish, serve

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "build-aws-provider"
TERRAFORM = REPO / ".venv" / "bin" / "terraform"
MAIN_TF = """terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = ">= 6.0" }
  }
}
"""


def built_provider() -> tuple[Path, str]:
    """The locally built provider (scripts/build-aws-provider builds it when missing)."""
    done = subprocess.run([str(SCRIPT)], capture_output=True, text=True, check=True,
                          env={**os.environ, "SLIPWAY_PROVIDER_SOURCE": "build"})  # fmt: skip
    config = Path(done.stdout.strip()).read_text()
    mirror = Path(config.split('path    = "', 1)[1].split('"', 1)[0])
    [binary] = sorted(mirror.glob(f"{PROVIDER}/*/*/terraform-provider-aws_v*"))
    return binary, binary.parent.parent.name


@pytest.fixture(scope="module")
def mirror(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch_module: pytest.MonkeyPatch
) -> Iterator[tuple[str, object, str]]:
    binary, version = built_provider()
    machine = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    root = tmp_path_factory.mktemp("provider-mirror")
    zh = publish(root, binary, version, f"linux_{machine}")
    with serve(root, tmp_path_factory.mktemp("tls")) as (url, log, bundle):
        # The mirror's certificate authority, trusted as a company's would be.
        monkeypatch_module.setenv("SSL_CERT_FILE", str(bundle))
        yield url, log, zh
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def monkeypatch_module() -> Iterator[pytest.MonkeyPatch]:
    with pytest.MonkeyPatch.context() as patch:
        yield patch


def run_script(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SCRIPT), *args],
        capture_output=True,
        text=True,
        check=False,
        env={
            **os.environ,
            "SLIPWAY_CACHE": str(tmp_path / "cache"),
            "SLIPWAY_TF_MIRROR": str(tmp_path / "cache" / "terraform-providers"),
            **env,
        },
        timeout=120,
    )


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_where_the_registry_answers_the_provider_installs_from_it_once(
    mirror: tuple[str, object, str], tmp_path: Path
) -> None:
    url, log, _ = mirror
    done = run_script(tmp_path, SLIPWAY_PROVIDER_MIRROR=url)
    assert done.returncode == 0, done.stderr
    assert f"hashicorp/aws from {url} (SLIPWAY_PROVIDER_SOURCE=auto)" in done.stderr
    config = Path(done.stdout.strip())
    # Nothing was built: no source build ever started.
    assert not (tmp_path / "cache" / "terraform-providers").exists()
    try:
        for name in ("first", "second"):
            module = tmp_path / name
            module.mkdir()
            (module / "main.tf").write_text(MAIN_TF)
            if name == "second":
                # A root module with its lock file committed: the cache entry matches it, so
                # Terraform (1.4 and later) uses it instead of downloading again.
                shutil.copy(tmp_path / "first" / ".terraform.lock.hcl", module)
            init = subprocess.run(
                [str(TERRAFORM), "init", "-backend=false", "-input=false", "-no-color"],
                cwd=module,
                capture_output=True,
                text=True,
                check=False,
                env={**os.environ, "TF_CLI_CONFIG_FILE": str(config)},
                timeout=600,
            )
            assert init.returncode == 0, init.stdout + init.stderr
            # Terraform checked the archive against the mirror's zh: hash, and locks what it
            # installed by its h1: hash (a mirror's hashes are not authoritative).
            lock = (module / ".terraform.lock.hcl").read_text()
            assert 'version     = "' in lock and '"h1:' in lock, lock
        archives = [p for p in log.paths if p.endswith(".zip")]  # type: ignore[attr-defined]
        # One download: the second root module found it in the shared plugin cache.
        assert len(archives) == 1, log.paths  # type: ignore[attr-defined]
        assert list(
            (tmp_path / "cache" / "plugin-cache").glob(f"{PROVIDER}/*/*/terraform-provider-aws_v*")
        )
    finally:
        shutil.rmtree(tmp_path / "cache" / "plugin-cache", ignore_errors=True)
        for name in ("first", "second"):
            shutil.rmtree(tmp_path / name / ".terraform", ignore_errors=True)


def test_status_says_no_build_is_needed_where_the_registry_answers(
    mirror: tuple[str, object, str], tmp_path: Path
) -> None:
    url, _, _ = mirror
    assert run_script(tmp_path, "--status", SLIPWAY_PROVIDER_MIRROR=url).returncode == 0
    unreachable = f"https://127.0.0.1:{closed_port()}"
    # auto, nothing answers, nothing built: a build is needed (and --status builds nothing).
    assert run_script(tmp_path, "--status", SLIPWAY_PROVIDER_MIRROR=unreachable).returncode == 1
    # build: the registry is not asked.
    assert run_script(tmp_path, "--status", SLIPWAY_PROVIDER_SOURCE="build",
                      SLIPWAY_PROVIDER_MIRROR=url).returncode == 1  # fmt: skip
    assert not (tmp_path / "cache" / "terraform-providers").exists()


def test_registry_required_but_unreachable_or_a_bad_source_is_one_line(tmp_path: Path) -> None:
    unreachable = f"https://127.0.0.1:{closed_port()}"
    done = run_script(
        tmp_path, SLIPWAY_PROVIDER_SOURCE="registry", SLIPWAY_PROVIDER_MIRROR=unreachable
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "build-aws-provider: SLIPWAY_PROVIDER_SOURCE=registry, but "
        f"{unreachable}/registry.terraform.io/hashicorp/aws/index.json does not answer"
    )
    done = run_script(tmp_path, SLIPWAY_PROVIDER_SOURCE="mirror")
    assert (done.returncode, done.stderr.strip()) == (
        2,
        "build-aws-provider: SLIPWAY_PROVIDER_SOURCE must be auto, registry or build, got 'mirror'",
    )
