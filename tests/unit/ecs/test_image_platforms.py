"""An image reaches only tasks that can run it: the task definition's cpuArchitecture must be
one of the image's platforms (ecr-build-push's platforms output), checked before anything is
registered."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.fakes.ecs_scenarios import Scenario
from tests.support import read_outputs
from tests.unit.ecs.deploy_double import deploy

from slipway.ecs.platforms import check_platforms, task_platform
from slipway.gha.inputs import InputError

ARM64 = {"family": "web", "runtimePlatform": {"cpuArchitecture": "ARM64"}}


def test_task_platform() -> None:
    assert task_platform({}) == "linux/amd64"  # Fargate's default
    assert task_platform({"runtimePlatform": {"operatingSystemFamily": "LINUX"}}) == "linux/amd64"
    assert task_platform(ARM64) == "linux/arm64"


def test_check_platforms() -> None:
    check_platforms(ARM64, ["linux/amd64", "linux/arm64"])
    check_platforms(ARM64, ["linux/arm64/v8"])
    check_platforms(ARM64, [])  # unknown platforms: nothing to check
    with pytest.raises(InputError) as error:
        check_platforms(ARM64, ["linux/amd64"])
    assert str(error.value) == (
        "input 'platforms': expected an image built for linux/arm64: task definition web runs "
        "on cpuArchitecture ARM64, got 'linux/amd64'"
    )


def test_a_mismatch_fails_the_deploy_before_anything_is_registered(
    monkeypatch: pytest.MonkeyPatch,
    github_files: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, ecs, _ = deploy(monkeypatch, Scenario.completes(after_s=5), "--platforms", "linux/arm64")
    errors = [line for line in capsys.readouterr().out.splitlines() if "::error" in line]
    assert code == 1
    assert errors == [
        "::error::input 'platforms': expected an image built for linux/amd64: task definition "
        "web runs on cpuArchitecture X86_64, got 'linux/arm64'"
    ]
    assert ecs.registered == []
    assert ecs.updated is False


def test_a_matching_index_deploys(
    monkeypatch: pytest.MonkeyPatch,
    github_files: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, ecs, _ = deploy(
        monkeypatch, Scenario.completes(after_s=5), "--platforms", "linux/amd64,linux/arm64"
    )
    assert code == 0, capsys.readouterr().out
    assert read_outputs(github_files)["result"] == "deployed"
    assert len(ecs.registered) == 1
