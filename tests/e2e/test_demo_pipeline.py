"""The demo's whole story as a test: two accounts onboarded with examples/account-bootstrap,
examples/complete planned on a pull request and applied to dev and (after a verified
approval) prod through infra.yml, examples/app tested, built, pushed and deployed through
app.yml, the same image promoted to prod, and a second change rolled back when an alarm
fires during its bake. All through act, against the emulator, Docker, the registry and
PostgreSQL; GitHub's API and ECS deployment progress are the documented test doubles."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.conftest import BuildkitEnv, DockerEnv
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


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with FakeGitHub(
        tokens={"demo-token": "github-actions[bot]"}, repositories=(GITHUB_REPOSITORY,)
    ) as server:
        yield server


@pytest.fixture
def dev_registry(
    aws: str, docker_env: DockerEnv, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The registry front as dev's ECR registry (the account the pipeline pushes to)."""
    directory = tmp_path_factory.mktemp("dev-registry")
    front = localenv_images.start_registry_front(
        directory, docker_env.plain_registry, aws, account=ACCOUNTS["dev"], region=REGION
    )
    try:
        yield front.endpoint
    finally:
        localenv_images.stop_registry_front(directory)


@pytest.fixture
def services(
    *,
    aws: str,
    docker_env: DockerEnv,
    buildkit: BuildkitEnv,
    dev_registry: str,
    postgres: str,
    github: FakeGitHub,
    tf_cli_config: str,
    engine_env: dict[str, str],
) -> Iterator[Services]:
    with EcsProgressor(aws) as progressor:
        yield Services(
            endpoint=aws,
            registry=dev_registry,
            docker={**docker_variables(docker_env.docker_host, dev_registry), **buildkit.env},
            database_url=postgres,
            github=github,
            progressor=progressor,
            tf_cli_config=tf_cli_config,
            engine_env=engine_env,
            base_image=buildkit.base_image,
        )


@pytest.fixture
def outcome(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[DemoOutcome, Demo]:
    # act hands this environment to the jobs: without keys, every AWS call in the
    # workflows has to use the role assumed through OIDC.
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    demo = Demo(services, tmp_path / "demo")
    return demo.run(), demo


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


def test_demo_story(
    outcome: tuple[DemoOutcome, Demo], aws: str, docker_env: DockerEnv, github: FakeGitHub
) -> None:
    result, demo = outcome
    assert result.ok, [stage.title for stage in result.stages if not stage.ok]
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

    # Each environment's state is in its own account's bucket, and only there.
    dev_keys, prod_keys = object_keys(aws, "dev"), object_keys(aws, "prod")
    assert f"dev/{STATE_KEY}" in dev_keys and f"prod/{STATE_KEY}" not in dev_keys
    assert f"prod/{STATE_KEY}" in prod_keys and f"dev/{STATE_KEY}" not in prod_keys
    assert result.stacks["dev"]["cluster_name"] == "dev"
    assert result.stacks["prod"]["cluster_name"] == "prod"

    # On the pull request, per environment: the plan reviewed, the plan of the merge commit
    # (shown before prod's approval, the same as the one reviewed), and the result.
    bodies = [c["body"] for c in github.comments(demo.pull_request, GITHUB_REPOSITORY)]
    assert len(bodies) == 6, bodies
    at = demo.infra_sha[:7]
    for environment in ("dev", "prod"):
        [shown] = [b for b in bodies if f"· {environment} at {at}" in b]
        assert f"Same as the plan reviewed on #{demo.pull_request}" in shown
        [applied] = [b for b in bodies if f"{environment} at {at}: applied" in b]
        assert "was applied" in applied
    assert f"approved by @{REVIEWER}" in next(b for b in bodies if f"prod at {at}: applied" in b)

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

    # prod runs the promoted digest; dev was rolled back onto the first deploy's revision.
    assert demo.image_of("prod")[1] == result.first_image
    assert result.task_definitions["dev-after-rollback"] == result.task_definitions["dev-first"]
    assert demo.image_of("dev") == (result.task_definitions["dev-first"], result.first_image)
    definition = demo.service_task_definition("dev")
    assert json.dumps(definition).count(result.second_image) == 0

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
