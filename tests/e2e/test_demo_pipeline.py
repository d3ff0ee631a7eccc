"""The demo's whole story as a test: two accounts onboarded with examples/account-bootstrap,
examples/complete planned on a pull request and applied to dev and (after a verified
approval) prod through infra.yml, examples/app tested, built, pushed and deployed through
app.yml, the same image promoted to prod, and a second change rolled back when an alarm
fires during its bake. All through act, against the emulator, Docker, the registry and
PostgreSQL; GitHub's API and ECS deployment progress are the documented test doubles.

The story runs once for the module (about ten minutes); each test then checks one part of
its outcome, so a failure names the part. Several tests in the file also keep pytest-xdist
from queueing another file behind this one on the same worker."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import BuildkitEnv, DockerEnv, clean_emulator
from tests.fakes.ecs_progressor import EcsProgressor
from tests.fakes.github_api import FakeGitHub

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "scripts"))
import localenv_images  # noqa: E402
from localenv import docker_env as docker_variables  # noqa: E402
from localrun.demo_flow import (  # noqa: E402
    ACCOUNTS,
    GITHUB_REPOSITORY,
    REGION,
    REVIEWER,
    STATE_KEY,
    Demo,
    DemoOutcome,
    Services,
    account_session,
)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def tf_cli_config() -> str:
    build = subprocess.run(
        [str(REPO / "scripts" / "build-aws-provider")], capture_output=True, text=True, check=False
    )
    assert build.returncode == 0, build.stderr
    return build.stdout.strip()


@pytest.fixture(scope="module")
def story_env() -> Iterator[pytest.MonkeyPatch]:
    """The process environment for the whole story, restored after the module."""
    with pytest.MonkeyPatch.context() as patch:
        yield patch


@pytest.fixture(scope="module")
def story_aws(emulator: str, story_env: pytest.MonkeyPatch) -> str:
    """A clean emulator for the story (the module's tests read what it left)."""
    return clean_emulator(emulator, story_env)


@pytest.fixture(scope="module")
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(
        tokens={"demo-token": "github-actions[bot]"}, repositories=(GITHUB_REPOSITORY,)
    ) as server:
        yield server


@pytest.fixture(scope="module")
def dev_registry(
    story_aws: str, docker_env: DockerEnv, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The registry front as dev's ECR registry (the account the pipeline pushes to)."""
    directory = tmp_path_factory.mktemp("dev-registry")
    front = localenv_images.start_registry_front(
        directory, docker_env.plain_registry, story_aws, account=ACCOUNTS["dev"], region=REGION
    )
    try:
        yield front.endpoint
    finally:
        localenv_images.stop_registry_front(directory)


@pytest.fixture(scope="module")
def services(
    *,
    story_aws: str,
    docker_env: DockerEnv,
    buildkit: BuildkitEnv,
    dev_registry: str,
    postgres: str,
    github: FakeGitHub,
    tf_cli_config: str,
    engine_env: dict[str, str],
) -> Iterator[Services]:
    with EcsProgressor(story_aws) as progressor:
        yield Services(
            endpoint=story_aws,
            registry=dev_registry,
            docker={**docker_variables(docker_env.docker_host, dev_registry), **buildkit.env},
            database_url=postgres,
            github=github,
            progressor=progressor,
            tf_cli_config=tf_cli_config,
            engine_env=engine_env,
            base_image=buildkit.base_image,
        )


@pytest.fixture(scope="module")
def story(
    services: Services, tmp_path_factory: pytest.TempPathFactory, story_env: pytest.MonkeyPatch
) -> tuple[DemoOutcome, Demo]:
    # act hands this environment to the jobs: without keys, every AWS call in the
    # workflows has to use the role assumed through OIDC.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        story_env.delenv(key, raising=False)
    demo = Demo(services, tmp_path_factory.mktemp("story") / "demo")
    return demo.run(), demo


@pytest.fixture
def outcome(story: tuple[DemoOutcome, Demo]) -> tuple[DemoOutcome, Demo]:
    """The story's outcome, once every stage succeeded."""
    result, _ = story
    if not result.ok:
        pytest.fail(f"stages failed: {[stage.title for stage in result.stages if not stage.ok]}")
    return story


def object_keys(aws: str, environment: str) -> list[str]:
    s3 = account_session(aws, ACCOUNTS[environment]).client("s3", endpoint_url=aws)
    listing = s3.list_objects_v2(Bucket=f"shop-tfstate-{ACCOUNTS[environment]}")
    return sorted(item["Key"] for item in listing.get("Contents", []))


def manifest_exists(registry: str, image: str) -> bool:
    repository, digest = image.split("/", 1)[1].split("@")
    request = urllib.request.Request(
        f"http://{registry}/v2/{repository}/manifests/{digest}",
        method="HEAD",
        headers={
            "Accept": "application/vnd.oci.image.index.v1+json, "
            "application/vnd.docker.distribution.manifest.v2+json"
        },
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return bool(response.status == 200)


def test_every_stage_ran_in_order(outcome: tuple[DemoOutcome, Demo]) -> None:
    result, demo = outcome
    assert [stage.title.split(":")[0] for stage in result.stages] == [
        "Repository",
        "Onboard account 111111111111 (dev)",
        "Onboard account 222222222222 (prod)",
        f"Infrastructure pull request #{demo.pull_request}",
        f"Infrastructure pull request #{demo.pull_request}",
        "Infrastructure merge",
        "Infrastructure merge",
        "Application",
        "Application",
        "Application",
        "Application",
    ]


def test_each_environment_state_is_in_its_own_account(
    outcome: tuple[DemoOutcome, Demo], story_aws: str
) -> None:
    result, _ = outcome
    dev_keys, prod_keys = object_keys(story_aws, "dev"), object_keys(story_aws, "prod")
    assert f"dev/{STATE_KEY}" in dev_keys and f"prod/{STATE_KEY}" not in dev_keys
    assert f"prod/{STATE_KEY}" in prod_keys and f"dev/{STATE_KEY}" not in prod_keys
    assert result.stacks["dev"]["cluster_name"] == "dev"
    assert result.stacks["prod"]["cluster_name"] == "prod"


def test_pull_request_shows_each_plan_before_its_apply_and_the_result(
    outcome: tuple[DemoOutcome, Demo], github: FakeGitHub
) -> None:
    """Per environment: the plan reviewed, the plan of the merge commit (shown before prod's
    approval, the same as the one reviewed), and the result."""
    _, demo = outcome
    bodies = [c["body"] for c in github.comments(demo.pull_request, GITHUB_REPOSITORY)]
    assert len(bodies) == 6, bodies
    at = demo.infra_sha[:7]
    for environment in ("dev", "prod"):
        [shown] = [b for b in bodies if f"· {environment} at {at}" in b]
        assert f"Same as the plan reviewed on #{demo.pull_request}" in shown
        [applied] = [b for b in bodies if f"{environment} at {at}: applied" in b]
        assert "was applied" in applied
    assert f"approved by @{REVIEWER}" in next(b for b in bodies if f"prod at {at}: applied" in b)


def test_images_are_pushed_by_dev_push_role_and_kept_by_digest(
    outcome: tuple[DemoOutcome, Demo], docker_env: DockerEnv
) -> None:
    result, _ = outcome
    # The images were pushed with the image push role of dev's account, which prod's lacks.
    assert result.repository_variables == {
        "AWS_REGION": "eu-west-1",
        "ECR_PUSH_ROLE_ARN": "arn:aws:iam::111111111111:role/github-image-push",
    }
    # Both images are in the registry, by digest; they differ (the second commit).
    assert "@sha256:" in result.first_image and "@sha256:" in result.second_image
    assert result.first_image != result.second_image
    assert manifest_exists(docker_env.registry, result.first_image)
    assert manifest_exists(docker_env.registry, result.second_image)


def test_prod_runs_the_promoted_digest_and_dev_was_rolled_back(
    outcome: tuple[DemoOutcome, Demo],
) -> None:
    result, demo = outcome
    assert demo.image_of("prod")[1] == result.first_image
    assert result.task_definitions["dev-after-rollback"] == result.task_definitions["dev-first"]
    assert demo.image_of("dev") == (result.task_definitions["dev-first"], result.first_image)
    definition = demo.service_task_definition("dev")
    assert json.dumps(definition).count(result.second_image) == 0


def test_prod_deploys_as_a_canary_and_ecs_rolls_back_an_alarmed_one(
    outcome: tuple[DemoOutcome, Demo],
) -> None:
    result, demo = outcome
    # prod deploys as a canary: 10 % first, then all of it, then ECS's bake.
    assert result.stacks["prod"]["deployment_strategy"] == "CANARY"
    stages = result.prod_stages
    assert "PRODUCTION_TRAFFIC_SHIFT 10%" in stages and "BAKE_TIME" in stages, stages
    assert stages.index("PRODUCTION_TRAFFIC_SHIFT 10%") < stages.index("BAKE_TIME")
    # The second image's canary: an alarm in ECS's bake, and ECS itself rolled it back.
    assert result.canary_verdict.startswith("ECS is rolling back the deployment during BAKE_TIME")
    assert "went to ALARM" in result.canary_verdict
    assert result.task_definitions["prod-after-canary"] == result.task_definitions["prod"]
    assert demo.image_of("prod") == (result.task_definitions["prod"], result.first_image)
