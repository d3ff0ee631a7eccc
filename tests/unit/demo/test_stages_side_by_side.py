"""The demo's independent stages run at once (scripts/localrun/demo_flow.py): each keeps its
own time and facts, all are reported in the given order once every one ended, whichever
ended first, and a failure marks its stage and is raised after the others finished."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
from localrun.demo_flow import Demo, Stage


def demo(reported: list[Stage]) -> Demo:
    services: Any = None  # the stages below touch no service
    return Demo(services, Path("/nonexistent"), report=reported.append)


def test_stages_run_at_once_and_are_reported_in_order() -> None:
    reported: list[Stage] = []
    first_may_end = threading.Event()

    def slow(stage: Stage) -> None:
        # Ends only once the second stage has run: the two overlap.
        assert first_may_end.wait(timeout=10), "the stages did not run at the same time"
        stage.facts.append("slow done")

    def quick(stage: Stage) -> None:
        stage.facts.append("quick done")
        first_may_end.set()

    flow = demo(reported)
    flow.stages_side_by_side([("Onboard dev", slow), ("Onboard prod", quick)])

    assert [s.title for s in reported] == ["Onboard dev", "Onboard prod"]
    assert [s.title for s in flow.outcome.stages] == ["Onboard dev", "Onboard prod"]
    assert reported[0].facts == ["slow done", "at the same time as: Onboard prod"]
    assert reported[1].facts == ["quick done", "at the same time as: Onboard dev"]
    assert all(s.ok and s.seconds >= 0 for s in reported)
    assert flow.outcome.ok


def test_a_failed_stage_is_marked_and_raised_after_the_others_ended() -> None:
    reported: list[Stage] = []
    finished: list[str] = []

    def fails(stage: Stage) -> None:
        raise RuntimeError("the dev plan failed")

    def succeeds(stage: Stage) -> None:
        finished.append("prod")

    flow = demo(reported)
    with pytest.raises(RuntimeError, match="the dev plan failed"):
        flow.stages_side_by_side([("Plan dev", fails), ("Plan prod", succeeds)])

    assert finished == ["prod"]
    assert [(s.title, s.ok) for s in reported] == [("Plan dev", False), ("Plan prod", True)]
    assert not flow.outcome.ok
