"""Task definition diffs: readable paths, matching by name, masking in the summary."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from slipway.ecs.diff import (
    Change,
    diff_task_definitions,
    has_changes,
    looks_secret,
    render_diff_markdown,
)
from slipway.ecs.taskdef import ContainerChanges, render, to_register_input

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "ecs" / "describe_task_definition.json"
SECRET = "arn:aws:secretsmanager:us-east-1:123456789012:secret:shop/stripe-key-Xy12Zw"
OLD_WEB = "123456789012.dkr.ecr.us-east-1.amazonaws.com/shop/web@sha256:" + "4f1c2d3e" * 8


@pytest.fixture
def described() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return data


def test_same_definition_has_no_changes(described: dict[str, Any]) -> None:
    # The describe response and its register input differ only in read-only fields.
    assert diff_task_definitions(described, to_register_input(described)) == []
    assert not has_changes(described, render(described, {}, {}))
    assert render_diff_markdown([]) == "No changes to the task definition.\n"


def test_paths_for_a_rendered_deployment(described: dict[str, Any]) -> None:
    new = render(
        described,
        {"web": "nginx:1.27"},
        {
            "web": ContainerChanges(
                environment={"LOG_LEVEL": "debug", "DB_PASSWORD": "hunter2"},
                secrets={"STRIPE_KEY": SECRET},
            ),
            "worker": ContainerChanges(environment={}, exclusive_environment=True),
        },
    )
    new["cpu"] = "1024"
    new["memory"] = "2048"
    del new["tags"][1]
    new["containerDefinitions"][0]["portMappings"][0]["containerPort"] = 9090
    assert diff_task_definitions(described, new) == [
        Change("containerDefinitions[web].image", "changed", OLD_WEB, "nginx:1.27"),
        Change("containerDefinitions[web].portMappings[0].containerPort", "changed", 8080, 9090),
        Change("containerDefinitions[web].environment.LOG_LEVEL", "changed", "info", "debug"),
        Change("containerDefinitions[web].environment.DB_PASSWORD", "added", None, "hunter2"),
        Change("containerDefinitions[web].secrets.STRIPE_KEY", "added", None, SECRET),
        Change(
            "containerDefinitions[worker].environment",
            "removed",
            [{"name": "QUEUE_NAME", "value": "shop-jobs"}],
            None,
        ),
        Change("cpu", "changed", "512", "1024"),
        Change("memory", "changed", "1024", "2048"),
        Change("tags.env", "removed", "prod", None),
    ]
    assert has_changes(described, new)


def test_containers_matched_by_name_not_position(described: dict[str, Any]) -> None:
    new = to_register_input(described)
    new["containerDefinitions"].reverse()
    assert diff_task_definitions(described, new) == []
    added = {"name": "proxy", "image": "envoy:1"}
    new["containerDefinitions"].append(added)
    del new["containerDefinitions"][0]  # worker
    assert diff_task_definitions(described, new) == [
        Change("containerDefinitions[worker]", "removed", containers_of(described)["worker"]),
        Change("containerDefinitions[proxy]", "added", None, added),
    ]


def containers_of(described: dict[str, Any]) -> dict[str, Any]:
    return {c["name"]: c for c in to_register_input(described)["containerDefinitions"]}


def test_other_lists_by_index_and_nested_fields(described: dict[str, Any]) -> None:
    new = to_register_input(described)
    web = new["containerDefinitions"][0]
    web["healthCheck"]["command"][1] = "curl -fsS http://localhost:9090/healthz || exit 1"
    web["healthCheck"]["retries"] = 5
    web["logConfiguration"]["options"]["mode"] = "non-blocking"
    web["portMappings"].append({"containerPort": 9000, "protocol": "tcp"})
    assert [(c.path, c.kind) for c in diff_task_definitions(described, new)] == [
        ("containerDefinitions[web].portMappings[1]", "added"),
        ("containerDefinitions[web].logConfiguration.options.mode", "added"),
        ("containerDefinitions[web].healthCheck.command[1]", "changed"),
        ("containerDefinitions[web].healthCheck.retries", "changed"),
    ]


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("client_secret", True),
        ("GitHubToken", True),
        ("API_KEY", True),
        ("LOG_LEVEL", False),
        ("PORT", False),
    ],
)
def test_looks_secret(name: str, secret: bool) -> None:
    assert looks_secret(name) is secret


CHANGES = [
    Change("containerDefinitions[web].image", "changed", "nginx:1", "nginx:2"),
    Change("containerDefinitions[web].environment.API_TOKEN", "changed", "old-tok", "new-tok"),
    Change("containerDefinitions[web].environment.DB_PASSWORD", "added", None, "hunter2"),
    Change("containerDefinitions[web].environment.DSN", "removed", "postgres://u:p@db", None),
    Change("containerDefinitions[web].secrets.STRIPE_KEY", "added", None, SECRET),
    Change(
        "containerDefinitions[api]",
        "added",
        None,
        {"name": "api", "environment": [{"name": "SECRET_KEY", "value": "s3cr3t"}]},
    ),
    Change("family", "changed", "a|b", "c"),
]


def test_markdown_table_masks_secret_looking_values() -> None:
    text = render_diff_markdown(CHANGES, secret_names=["dsn"])
    assert text == (
        "| Field | Change | Before | After |\n"
        "| --- | --- | --- | --- |\n"
        '| `containerDefinitions[web].image` | changed | `"nginx:1"` | `"nginx:2"` |\n'
        "| `containerDefinitions[web].environment.API_TOKEN` | changed | `***` | `***` |\n"
        "| `containerDefinitions[web].environment.DB_PASSWORD` | added |  | `***` |\n"
        "| `containerDefinitions[web].environment.DSN` | removed | `***` |  |\n"
        f'| `containerDefinitions[web].secrets.STRIPE_KEY` | added |  | `"{SECRET}"` |\n'
        '| `containerDefinitions[api]` | added |  | `{"name": "api", "environment": '
        '[{"name": "SECRET_KEY", "value": "***"}]}` |\n'
        '| `family` | changed | `"a\\|b"` | `"c"` |\n'
    )
    for value in ("old-tok", "new-tok", "hunter2", "postgres://", "s3cr3t"):
        assert value not in text


def test_markdown_diff_block() -> None:
    text = render_diff_markdown(CHANGES[:5], style="diff")
    assert text == (
        "```diff\n"
        '- containerDefinitions[web].image: "nginx:1"\n'
        '+ containerDefinitions[web].image: "nginx:2"\n'
        "- containerDefinitions[web].environment.API_TOKEN: ***\n"
        "+ containerDefinitions[web].environment.API_TOKEN: ***\n"
        "+ containerDefinitions[web].environment.DB_PASSWORD: ***\n"
        '- containerDefinitions[web].environment.DSN: "postgres://u:p@db"\n'
        f'+ containerDefinitions[web].secrets.STRIPE_KEY: "{SECRET}"\n'
        "```\n"
    )


def test_recorded_plain_text_token_is_masked_when_it_changes(described: dict[str, Any]) -> None:
    new = render(described, {}, {"web": ContainerChanges(environment={"API_TOKEN": "rotated"})})
    changes = diff_task_definitions(described, new)
    assert changes == [
        Change(
            "containerDefinitions[web].environment.API_TOKEN",
            "changed",
            "plain-text-token",
            "rotated",
        )
    ]
    text = render_diff_markdown(changes)
    assert "plain-text-token" not in text and "rotated" not in text
