"""The expression reader the workflow tests use agrees with GitHub's documented rules."""

from __future__ import annotations

import pytest
from tests.unit.workflows.expressions import evaluate


@pytest.mark.parametrize(
    ("expression", "value"),
    [
        ("${{ inputs.push && vars.ROLE || '' }}", "arn"),
        ("inputs.off && vars.ROLE || ''", ""),
        ("always() && (inputs.image != '' || (inputs.push && needs.b.result == 'SUCCESS'))", True),
        ("needs.b.outputs.missing != ''", False),  # null == '' (both 0)
        ("inputs.push == 'true'", False),  # true is 1, 'true' is NaN
        ("inputs.push == 1", True),
        ("!inputs.off && 'it''s'", "it's"),
        ("github.event_name != 'pull_request'", True),
    ],
)
def test_expressions(expression: str, value: object) -> None:
    context = {
        "inputs": {"push": True, "off": False, "image": ""},
        "vars": {"ROLE": "arn"},
        "needs": {"b": {"result": "success", "outputs": {}}},
        "github": {"event_name": "push"},
    }
    assert evaluate(expression, context) == value


@pytest.mark.parametrize("expression", ["success()", "contains(a, 'b')", "a == ", "(a"])
def test_what_it_does_not_model_is_refused(expression: str) -> None:
    with pytest.raises(ValueError):
        evaluate(expression, {})
