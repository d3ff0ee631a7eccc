"""ship against the real pieces: a Docker engine and registry for the image, ECR's API and
CloudWatch on the emulator, and ECS deployments moved forward by the progressor."""

from __future__ import annotations

import hashlib
import json
import os
import threading
import urllib.request
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import pytest
from tests.e2e.conftest import CLUSTER, SERVICE
from tests.fakes.ecs_progressor import EcsProgressor
from tests.support import put_metric_alarm, read_outputs

from slipway.cli import main
from slipway.commands import cw_alarms_check

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]


@pytest.fixture
def github(
    ecs: Any,
    progressor: EcsProgressor,
    docker_env: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, Path]:
    calls = tmp_path / "docker-calls"
    wrapper = tmp_path / "docker"
    wrapper.write_text(f'#!/bin/sh\necho "$*" >> {calls}\nexec {docker_env.docker} "$@"\n')
    wrapper.chmod(0o755)
    # A commit of its own per test, so each one builds.
    sha = hashlib.sha1(str(tmp_path).encode()).hexdigest()
    for key, value in {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "outputs"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_WORKSPACE": str(REPO),
        "GITHUB_SHA": sha,
        "GITHUB_REF": "refs/heads/main",
        "AWS_ENDPOINT_URL_ECS": progressor.url,
        "DOCKER_HOST": docker_env.docker_host,
        "DOCKER_CONFIG": str(tmp_path / "docker-config"),
        "SLIPWAY_DOCKER": str(wrapper),
    }.items():
        monkeypatch.setenv(key, value)
    progressor.set_scenario(CLUSTER, SERVICE, "completed", after_s=2)
    cloudwatch = boto3.client("cloudwatch")
    put_metric_alarm(cloudwatch, "web-prod-5xx")
    put_metric_alarm(cloudwatch, "web-prod-latency")
    return {"outputs": tmp_path / "outputs", "summary": tmp_path / "summary.md", "calls": calls}


def ship(registry: str, *extra: str) -> int:
    return main(
        [
            "ship",
            "--repository", "shop/web",
            "--registry", registry,
            "--context", "tests/e2e/app",
            "--cluster", CLUSTER,
            "--service", SERVICE,
            "--environment", "web.RELEASE=r1",
            "--timeout", "1m",
            "--alarm-name-prefixes", "web-prod-",
            "--poll-interval", "1s",
            *extra,
        ]
    )  # fmt: skip


def registry_digest(registry: str, repository: str, tag: str) -> str:
    request = urllib.request.Request(
        f"http://{registry}/v2/{repository}/manifests/{tag}",
        method="HEAD",
        headers={"Accept": "application/vnd.docker.distribution.manifest.v2+json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(response.headers["Docker-Content-Digest"])


def service(ecs: Any) -> dict[str, Any]:
    payload: dict[str, Any] = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])[
        "services"
    ][0]
    return payload


def test_green_ship_builds_deploys_and_bakes(
    ecs: Any,
    docker_env: Any,
    progressor: EcsProgressor,
    github: dict[str, Path],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # A deployment alarm on the service (set through the progressor: moto drops it) is
    # watched with the selected ones.
    boto3.client("ecs", endpoint_url=progressor.url).update_service(
        cluster=CLUSTER,
        service=SERVICE,
        deploymentConfiguration={
            "alarms": {"alarmNames": ["web-deploy-errors"], "enable": True, "rollback": False}
        },
    )
    put_metric_alarm(boto3.client("cloudwatch"), "web-deploy-errors")
    previous = service(ecs)["taskDefinition"]

    code = ship(docker_env.registry, "--bake-time", "2s")
    log = capsys.readouterr().out
    assert code == 0, log
    out = read_outputs(github["outputs"])
    assert out["result"] == "shipped"
    assert out["built"] == "true"
    digest = registry_digest(docker_env.registry, "shop/web", os.environ["GITHUB_SHA"])
    assert out["digest"] == digest
    assert out["image"] == f"{docker_env.registry}/shop/web@{digest}"
    assert out["previous-task-definition-arn"] == previous
    assert out["task-definition-arn"].endswith("task-definition/web:2")
    assert json.loads(out["watched"]) == ["web-deploy-errors", "web-prod-5xx", "web-prod-latency"]
    assert json.loads(out["breached"]) == []

    now = service(ecs)
    assert now["taskDefinition"] == out["task-definition-arn"]
    container = ecs.describe_task_definition(taskDefinition=now["taskDefinition"])[
        "taskDefinition"
    ]["containerDefinitions"][0]
    assert container["image"] == out["image"]
    assert {"name": "RELEASE", "value": "r1"} in container["environment"]

    calls = github["calls"].read_text().splitlines()
    # The probe for buildx (this client has none), the classic build, one push per tag.
    assert [call.split()[0] for call in calls] == ["buildx", "build", "push", "push", "push"]
    summary = github["summary"].read_text()
    assert summary.startswith("# ✅ ship app-prod/web: shipped")
    for row in (
        "| preflight | ✅ 3 alarm(s) to watch |",
        "| build and push | ✅ built and pushed |",
    ):
        assert row in summary
    assert "| deploy | ✅ deployed |" in summary
    assert "| bake | ✅ ok |" in summary
    assert "✅ CloudWatch alarm bake: ok" in summary


def test_breach_during_the_bake_rolls_back(
    ecs: Any,
    docker_env: Any,
    github: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    real_bake = cw_alarms_check.bake_alarms
    fired = threading.Event()

    def bake_then_fire(*args: Any, **kwargs: Any) -> Any:
        # The starting snapshot is taken: an alarm firing now is a breach during the bake.
        def fire() -> None:
            boto3.client("cloudwatch").set_alarm_state(
                AlarmName="web-prod-latency", StateValue="ALARM", StateReason="p99 above 2s"
            )
            fired.set()

        threading.Timer(1.5, fire).start()
        return real_bake(*args, **kwargs)

    monkeypatch.setattr(cw_alarms_check, "bake_alarms", bake_then_fire)
    previous = service(ecs)["taskDefinition"]

    code = ship(docker_env.registry, "--bake-time", "60s")
    log = capsys.readouterr().out
    assert fired.is_set()
    assert code == 1
    out = read_outputs(github["outputs"])
    assert out["result"] == "rolled-back", log
    breached = json.loads(out["breached"])
    assert [(b["name"], b["reason"], b["pre_existing"]) for b in breached] == [
        ("web-prod-latency", "p99 above 2s", False)
    ]
    assert out["previous-task-definition-arn"] == previous
    assert out["task-definition-arn"].endswith("task-definition/web:2")
    errors = [line for line in log.splitlines() if line.startswith("::error")]
    when = datetime.fromisoformat(breached[0]["time"])
    assert errors == [
        f"::error::bake failed: web-prod-latency ALARM at {when:%H:%M:%S} UTC: p99 above 2s; "
        f"rolled back to {previous}"
    ]
    # The service runs the previous revision again, and nothing new was registered for it.
    assert service(ecs)["taskDefinition"] == previous
    arns = ecs.list_task_definitions(familyPrefix="web")["taskDefinitionArns"]
    assert [a.rsplit("/", 1)[1] for a in arns] == ["web:1", "web:2"]
    summary = github["summary"].read_text()
    assert summary.startswith("# ❌ ship app-prod/web: rolled-back")
    assert "| bake | ❌ breached |" in summary
    assert "| rollback | ✅ deployed |" in summary
    assert "## ✅ Rollback app-prod/web: deployed" in summary


def test_preflight_refusals_build_nothing(
    ecs: Any, docker_env: Any, github: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    cases = [
        (
            ("--container", "api"),
            "::error::input 'container': expected a container of the task definition (web), "
            "got 'api'",
        ),
        (
            ("--alarm-name-prefixes", "nothing-"),
            "::error::no alarm matched prefixes nothing-* (set allow-no-alarms to ship "
            "without a bake)",
        ),
        (
            ("--environment", "worker.RELEASE=1"),
            "::error::input 'environment': expected a container of the task definition (web), "
            "got 'worker'",
        ),
    ]
    for extra, message in cases:
        code = ship(docker_env.registry, *extra)
        errors = [line for line in capsys.readouterr().out.splitlines() if "::error" in line]
        assert code == 1
        assert errors == [message]
        assert read_outputs(github["outputs"])["result"] == "failed"
        github["outputs"].unlink()
    assert _docker_calls(github) <= {"buildx version"}  # the builder probe, nothing built
    assert service(ecs)["taskDefinition"].endswith("task-definition/web:1")


def test_missing_service_is_one_line(
    ecs: Any, docker_env: Any, github: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            "ship",
            "--repository", "shop/web",
            "--registry", docker_env.registry,
            "--context", "tests/e2e/app",
            "--cluster", CLUSTER,
            "--service", "nope",
            "--bake-time", "0s",
        ]
    )  # fmt: skip
    captured = capsys.readouterr()
    errors = [line for line in captured.out.splitlines() if "::error" in line]
    assert code == 1
    assert len(errors) == 1 and "service 'nope' is not active in cluster 'app-prod'" in errors[0]
    assert "Traceback" not in captured.err
    assert _docker_calls(github) <= {"buildx version"}


def _docker_calls(github: dict[str, Path]) -> set[str]:
    calls = github["calls"]
    return set(calls.read_text().splitlines()) if calls.exists() else set()
