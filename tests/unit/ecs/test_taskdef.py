"""Task definitions: normalising a recorded describe response, loading files, rendering."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from slipway.ecs.taskdef import (
    READ_ONLY_FIELDS,
    ContainerChanges,
    TaskDefinitionError,
    container_changes,
    load_task_definition_file,
    parse_container_values,
    render,
    to_register_input,
)
from slipway.gha.inputs import InputError

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "ecs" / "describe_task_definition.json"
ECR = "123456789012.dkr.ecr.us-east-1.amazonaws.com"
DIGEST = "sha256:" + "9e" * 32
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/stripe-key-Xy12Zw"


@pytest.fixture
def described() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def containers(definition: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in definition["containerDefinitions"]}


def test_fixture_has_the_fields_describe_returns(described: dict[str, Any]) -> None:
    task = described["taskDefinition"]
    assert READ_ONLY_FIELDS - {"deregisteredAt"} <= set(task)
    assert task["compatibilities"] == ["EC2", "FARGATE"]
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert (task["networkMode"], task["cpu"], task["memory"]) == ("awsvpc", "512", "1024")
    assert described["tags"] == [
        {"key": "service", "value": "shop-web"},
        {"key": "env", "value": "prod"},
    ]


def test_register_input_drops_read_only_fields_and_empties(described: dict[str, Any]) -> None:
    before = copy.deepcopy(described)
    result = to_register_input(described)
    assert described == before
    assert not READ_ONLY_FIELDS & set(result)
    assert list(result) == [
        "containerDefinitions",
        "family",
        "taskRoleArn",
        "executionRoleArn",
        "networkMode",
        "runtimePlatform",
        "requiresCompatibilities",
        "cpu",
        "memory",
        "tags",
    ]
    worker = containers(result)["worker"]
    assert worker == {
        "name": "worker",
        "image": f"{ECR}/shop/worker:1.4.2",
        "cpu": 0,
        "essential": False,
        "command": ["python", "-m", "shop.worker"],
        "environment": [{"name": "QUEUE_NAME", "value": "shop-jobs"}],
        "logConfiguration": {
            "logDriver": "awslogs",
            "options": {
                "awslogs-group": "/ecs/shop-web",
                "awslogs-region": "us-east-1",
                "awslogs-stream-prefix": "worker",
            },
        },
    }
    assert to_register_input(result) == result  # idempotent: a bare definition works too


def test_register_input_keeps_meaningful_empty_strings_and_fixes_numeric_sizes() -> None:
    result = to_register_input(
        {
            "family": "f",
            "cpu": 256,
            "memory": 512,
            "ipcMode": None,
            "pidMode": "",
            "containerDefinitions": [
                {
                    "name": "app",
                    "image": "nginx",
                    "environment": [{"name": "EMPTY", "value": ""}],
                    "dockerLabels": {"team": ""},
                    "linuxParameters": {"capabilities": {"add": []}},
                    "mountPoints": [],
                }
            ],
        }
    )
    assert result == {
        "family": "f",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [
            {
                "name": "app",
                "image": "nginx",
                "environment": [{"name": "EMPTY", "value": ""}],
                "dockerLabels": {"team": ""},
            }
        ],
    }


def test_register_input_round_trips_through_register_task_definition(
    described: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_ECS", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    params = to_register_input(described)
    with mock_aws():
        ecs = boto3.client("ecs", region_name="us-east-1")
        registered = ecs.register_task_definition(**params)["taskDefinition"]
        again = ecs.describe_task_definition(taskDefinition="shop-web", include=["TAGS"])
    assert registered["revision"] == 1
    again.pop("ResponseMetadata")
    # Registering the normalised input and describing it again gives the same input back.
    assert to_register_input(again) == params


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "taskdef.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_file_accepts_a_bare_definition_with_read_only_fields(
    tmp_path: Path, described: dict[str, Any]
) -> None:
    path = write(tmp_path, json.dumps(described["taskDefinition"], indent=2))
    loaded = load_task_definition_file(path)
    assert loaded["family"] == "shop-web"
    assert "revision" not in loaded and "tags" not in loaded
    assert load_task_definition_file(write(tmp_path, json.dumps(described))) == (
        to_register_input(described)
    )


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (
            '{\n  "family": "web",\n  "cpu": "256"\n  "memory": "512"\n}',
            "is not valid JSON: Expecting ',' delimiter at line 4, column 3",
        ),
        ("", "is not valid JSON: Expecting value at line 1, column 1"),
        ('[{"family": "web"}]', "must hold a JSON object (a task definition), not an array"),
        (
            '{"containerDefinitions": [{"name": "web", "image": "nginx"}]}',
            'has no "family" (the task definition\'s name)',
        ),
        ('{"family": "web"}', 'has no "containerDefinitions" (a list of containers)'),
        (
            '{"family": "web", "containerDefinitions": [{"image": "nginx"}]}',
            ': containerDefinitions[0] has no valid "name" '
            "(1 to 255 letters, digits, '-' or '_')",
        ),
        (
            '{"family": "web", "containerDefinitions": [{"name": "web"}]}',
            ": container 'web' has no \"image\"",
        ),
        (
            '{"family": "w", "containerDefinitions": [{"name": "a", "image": "x"}, '
            '{"name": "a", "image": "y"}]}',
            ": container 'a' is defined twice",
        ),
    ],
)
def test_load_file_errors(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TaskDefinitionError) as caught:
        load_task_definition_file(path)
    separator = "" if problem.startswith(":") else " "
    assert str(caught.value) == f"input 'task-definition': {path}{separator}{problem}"
    assert isinstance(caught.value, ValueError)


def test_load_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TaskDefinitionError) as caught:
        load_task_definition_file(tmp_path / "nope.json")
    assert str(caught.value) == f"input 'task-definition': {tmp_path / 'nope.json'}: no such file"


def test_parse_container_values_lines_only() -> None:
    text = "web.LOG_LEVEL=debug\n\n worker.OPTS=a=1,b=2 \nweb.EMPTY="
    assert parse_container_values(text, "environment") == {
        "web": {"LOG_LEVEL": "debug", "EMPTY": ""},
        "worker": {"OPTS": "a=1,b=2"},
    }
    assert parse_container_values(f"web.STRIPE_KEY={SECRET}", "secrets") == {
        "web": {"STRIPE_KEY": SECRET}
    }


@pytest.mark.parametrize(
    ("text", "name", "message"),
    [
        (
            "LOG_LEVEL=debug",
            "environment",
            "input 'environment': expected container.NAME=value lines, got 'LOG_LEVEL=…'",
        ),
        (
            "web.PASSWORD hunter2",
            "environment",
            "input 'environment': expected container.NAME=value lines, got 'web.PASSWORD hunter2'",
        ),
        (
            "my app.DB_PASSWORD=hunter2",
            "environment",
            "input 'environment': expected a container name of letters, digits, '-' or '_' "
            "before '.', got 'my app.DB_PASSWORD=…'",
        ),
        (
            "web.A=1\nweb.A=2",
            "environment",
            "input 'environment': expected each container.NAME once, got 'web.A'",
        ),
        (
            "web.DB_PASSWORD=hunter2",
            "secrets",
            "input 'secrets': expected an ARN of a Secrets Manager secret or SSM parameter "
            "after '=', got 'web.DB_PASSWORD=…'",
        ),
        (
            "web.DB=arn:aws:s3:::bucket/key",
            "secrets",
            "input 'secrets': expected an ARN of a Secrets Manager secret or SSM parameter "
            "after '=', got 'web.DB=arn:aws:s3:::bucket/key'",
        ),
    ],
)
def test_parse_container_values_errors(text: str, name: str, message: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_container_values(text, name)
    assert str(caught.value) == message


def test_render_sets_images_environment_and_secrets(described: dict[str, Any]) -> None:
    before = copy.deepcopy(described)
    changes = container_changes(
        parse_container_values("web.LOG_LEVEL=debug\nweb.FEATURE_X=on\nweb.ALPHA=1", "environment"),
        parse_container_values(f"web.STRIPE_KEY={SECRET}", "secrets"),
    )
    new = render(described, {"web": f"{ECR}/shop/web@{DIGEST}"}, changes)
    assert described == before
    web = containers(new)["web"]
    assert web["image"] == f"{ECR}/shop/web@{DIGEST}"
    assert web["environment"] == [
        {"name": "LOG_LEVEL", "value": "debug"},
        {"name": "PORT", "value": "8080"},
        {"name": "API_TOKEN", "value": "plain-text-token"},
        {"name": "ALPHA", "value": "1"},
        {"name": "FEATURE_X", "value": "on"},
    ]
    assert web["secrets"] == [
        {
            "name": "DATABASE_URL",
            "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/db-url-AbCdEf",
        },
        {
            "name": "SESSION_KEY",
            "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/shop/session-key",
        },
        {"name": "STRIPE_KEY", "valueFrom": SECRET},
    ]
    # Everything else is the register input of the base, untouched.
    expected = to_register_input(described)
    containers(expected)["web"].update(
        image=web["image"], environment=web["environment"], secrets=web["secrets"]
    )
    assert new == expected


def test_render_exclusive_mode_replaces_the_lists(described: dict[str, Any]) -> None:
    changes = {
        "web": ContainerChanges(
            environment={"PORT": "9090", "B": "2"},
            secrets={},
            exclusive_environment=True,
            exclusive_secrets=True,
        ),
        "worker": ContainerChanges(environment={}, exclusive_environment=True),
    }
    new = render(described, {}, changes)
    web, worker = containers(new)["web"], containers(new)["worker"]
    assert web["environment"] == [{"name": "B", "value": "2"}, {"name": "PORT", "value": "9090"}]
    assert "secrets" not in web
    assert "environment" not in worker
    assert worker["image"] == f"{ECR}/shop/worker:1.4.2"


def test_render_resolves_a_bare_image_for_a_single_container(described: dict[str, Any]) -> None:
    single = to_register_input(described)
    single["containerDefinitions"] = single["containerDefinitions"][:1]
    new = render(single, {"*": "nginx:1.27"}, {})
    assert [c["image"] for c in new["containerDefinitions"]] == ["nginx:1.27"]
    assert single["containerDefinitions"][0]["image"] == f"{ECR}/shop/web@sha256:" + "4f1c2d3e" * 8


def test_render_bare_image_with_several_containers(described: dict[str, Any]) -> None:
    with pytest.raises(InputError) as caught:
        render(described, {"*": "nginx:1.27"}, {})
    assert str(caught.value) == (
        "input 'images': expected name=image: the task definition has 2 containers "
        "(web, worker), got 'nginx:1.27'"
    )


@pytest.mark.parametrize(
    ("images", "changes", "message"),
    [
        (
            {"api": "nginx"},
            {},
            "input 'images': expected a container of the task definition (web, worker), got 'api'",
        ),
        (
            {},
            {"api": ContainerChanges(environment={"A": "1"})},
            "input 'environment': expected a container of the task definition (web, worker), "
            "got 'api'",
        ),
        (
            {},
            {"api": ContainerChanges(secrets={"A": SECRET})},
            "input 'secrets': expected a container of the task definition (web, worker), got 'api'",
        ),
        (
            {},
            {"web": ContainerChanges(secrets={"API_TOKEN": SECRET})},
            "input 'secrets': expected a name not also set in the environment of container web "
            "(remove it there, or use exclusive mode), got 'web.API_TOKEN'",
        ),
        (
            {},
            {"web": ContainerChanges(environment={"DATABASE_URL": "postgres://x"})},
            "input 'environment': expected a name not also set as a secret of container web, "
            "got 'web.DATABASE_URL'",
        ),
    ],
)
def test_render_errors(
    described: dict[str, Any],
    images: dict[str, str],
    changes: dict[str, ContainerChanges],
    message: str,
) -> None:
    before = copy.deepcopy(described)
    with pytest.raises(InputError) as caught:
        render(described, images, changes)
    assert str(caught.value) == message
    assert described == before


def test_render_never_mutates_a_register_input(described: dict[str, Any]) -> None:
    base = to_register_input(described)
    before = copy.deepcopy(base)
    new = render(
        base,
        {"web": "nginx:2", "worker": "nginx:3"},
        {"web": ContainerChanges(environment={"LOG_LEVEL": "warn"}, secrets={"X": SECRET})},
    )
    assert base == before
    assert new is not base
    assert new["containerDefinitions"][0] is not base["containerDefinitions"][0]
    assert containers(new)["worker"]["image"] == "nginx:3"
