"""ship's inputs: the single actions' names and defaults, every declared input read, the
build inputs checked by ecr-build-push's own parser, and the deploy and rollback requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from slipway.commands import cw_alarms_check, ecr_build_push, ship
from slipway.commands.common import stage_env
from slipway.commands.ecs_deploy_spec import SPEC as DEPLOY_SPEC
from slipway.gha.inputs import Inputs
from slipway.gha.spec import DeclaredEnv
from slipway.images.mutability import TagMutability

STAGE_SPECS = (ecr_build_push.SPEC, DEPLOY_SPEC, cw_alarms_check.SPEC)
IMAGE = "127.0.0.1:5000/shop/web@sha256:" + "d" * 64


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "Dockerfile").write_text("FROM scratch\n")
    return tmp_path


def env_for(workspace: Path, **inputs: str) -> DeclaredEnv:
    values = {
        "INPUT_REPOSITORY": "shop/web",
        "INPUT_CONTEXT": "app",
        "INPUT_CLUSTER": "app-prod",
        "INPUT_SERVICE": "web",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_REF": "refs/heads/main",
        "AWS_REGION": "eu-west-1",
        **{f"INPUT_{k.upper()}": v for k, v in inputs.items()},
    }
    return DeclaredEnv(ship.SPEC, values)


def test_inputs_shared_with_a_single_action_keep_its_default() -> None:
    shared = 0
    for item in ship.SPEC.inputs:
        for stage in STAGE_SPECS:
            if item.name in {i.name for i in stage.inputs}:
                assert item.default == stage.input(item.name).default, (item.name, stage.command)
                assert item.required == stage.input(item.name).required
                shared += 1
    # Every input but `container` comes from one of the three actions.
    names = {i.name for s in STAGE_SPECS for i in s.inputs}
    assert [i.name for i in ship.SPEC.inputs if i.name not in names] == ["container"]
    assert shared >= len(ship.SPEC.inputs) - 1


def test_ship_reads_exactly_its_declared_inputs_with_their_defaults(workspace: Path) -> None:
    env = env_for(workspace)
    request = ship.parse(Inputs(env), env)
    assert env.read == {i.name for i in ship.SPEC.inputs}
    assert request.publish.repository.name == "shop/web"
    # ecr-build-push's default: only latest and this build's branch may move.
    assert request.publish.repository.tag_mutability == TagMutability(
        "IMMUTABLE_WITH_EXCLUSION", ("latest", "main")
    )
    assert request.publish.build.base.context == workspace / "app"
    assert request.publish.build.platforms == ()
    assert request.publish.builder_input == "auto"
    assert request.publish.tags == ("0123456789abcdef0123456789abcdef01234567", "0123456", "main")
    assert request.publish.scan_gate == "none"
    assert request.publish.push_retries == 3
    assert request.aws.region == "eu-west-1"
    assert request.timeout_s == 900
    assert request.migration_timeout_s == 600
    assert request.rollback == "native"
    assert request.bake.bake_seconds == 300
    assert request.bake.poll_seconds == 15
    assert request.bake.policy.pre_existing == "fail"
    assert request.selector.is_empty


def test_build_inputs_reach_the_build_and_nothing_else_leaks(workspace: Path) -> None:
    env = env_for(
        workspace,
        build_args="GREETING=hi",
        tags="release-1",
        # Not ship inputs: a runner may still export them; the build must not see them.
        cache_to="type=inline",
        image_tag_mutability="MUTABLE",
    )
    request = ship.parse(Inputs(env), env)
    assert request.publish.build.base.build_args == {"GREETING": "hi"}
    assert request.publish.tags[-1] == "release-1"
    assert request.publish.build.base.inline_cache is False
    assert request.publish.build.cache_to == ()
    assert request.publish.repository.tag_mutability.setting == "IMMUTABLE_WITH_EXCLUSION"
    view = stage_env(env, ship.SPEC, ecr_build_push.SPEC)
    assert view.get("INPUT_CACHE_TO") == ""
    assert view.get("INPUT_BUILD_ARGS") == "GREETING=hi"


def test_deploy_and_rollback_requests(workspace: Path) -> None:
    env = env_for(
        workspace,
        container="web",
        environment="web.RELEASE=r1",
        migration_command='["python", "-m", "app.migrate"]',
        timeout="4m",
        rollback="client",
        alarm_name_prefixes="web-",
        bake_time="90s",
    )
    request = ship.parse(Inputs(env), env)
    deploy = request.deploy_request(IMAGE)
    assert deploy.images == {"web": IMAGE}
    assert deploy.changes["web"].environment == {"RELEASE": "r1"}
    assert deploy.migration_command == ("python", "-m", "app.migrate")
    assert deploy.migration_container == "web"
    assert deploy.timeout_s == 240
    assert deploy.rollback == "client"
    assert deploy.revision is None
    previous = "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:7"
    back = request.rollback_request(previous)
    assert back.revision == previous
    assert back.images == {} and back.changes == {} and back.migration_command == ()
    assert back.rollback == "none"  # a failed rollback is reported, not rolled back again
    assert back.timeout_s == 240
    assert request.selector.prefixes == ("web-",)
    assert request.bake.bake_seconds == 90


def test_without_a_container_the_image_goes_to_the_only_one(workspace: Path) -> None:
    env = env_for(workspace)
    assert ship.parse(Inputs(env), env).deploy_request(IMAGE).images == {"*": IMAGE}
