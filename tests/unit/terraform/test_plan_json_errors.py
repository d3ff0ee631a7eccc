"""A malformed plan JSON is one line naming the file and the problem, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slipway.terraform.plan import PlanFormatError, load_plan

GOOD = Path(__file__).resolve().parents[2] / "fixtures" / "terraform" / "update" / "plan.json"


def _unknown_action() -> str:
    document = json.loads(GOOD.read_text())
    document["resource_changes"][0]["change"]["actions"] = ["explode"]
    return json.dumps(document)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (GOOD.read_text()[:2000], "the plan JSON ends too early"),
        ("", "the plan JSON is empty"),
        ("   \n", "the plan JSON is empty"),
        (
            '{"format_version": "9.0", "resource_changes": []}',
            "unsupported plan JSON format_version '9.0'",
        ),
        ("[1, 2, 3]", "expected a JSON object"),
        ('"a string"', "expected a JSON object"),
        ('{"resource_changes": []}', "not a Terraform plan JSON document (no format_version)"),
        (_unknown_action(), "unknown change actions ['explode']"),
        (GOOD.read_text() + "{}", "unexpected data after the plan JSON object"),
    ],
)
def test_malformed_plan_json(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "plan.json"
    path.write_text(text)
    with pytest.raises(PlanFormatError) as error:
        load_plan(path)
    message = str(error.value)
    assert message.startswith(f"plan.json: {problem}"), message
    assert "\n" not in message


def test_a_plan_json_that_is_not_text(tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    path.write_bytes(b"\xff\xfe\x00{")
    with pytest.raises(PlanFormatError, match=r"^plan\.json: the plan JSON is not UTF-8 text$"):
        load_plan(path)
