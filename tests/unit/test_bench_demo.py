"""`make bench-demo` reads each step's time from act's log, as Go formats durations."""

from __future__ import annotations

from pathlib import Path

import bench_demo
import pytest


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("834.488733ms", 0.834488733),
        ("24.546830633s", 24.546830633),
        ("1m8.572547418s", 68.572547418),
        ("1h2m3s", 3723.0),
        ("850µs", 0.00085),
    ],
)
def test_every_part_of_a_duration_counts(text: str, seconds: float) -> None:
    assert bench_demo.go_duration_seconds(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text", ["", "12", "1m8x", "s"])
def test_what_is_not_a_duration_is_refused(text: str) -> None:
    with pytest.raises(ValueError, match="not a Go duration"):
        bench_demo.go_duration_seconds(text)


def test_a_step_over_a_minute_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log = tmp_path / "infra-apply-dev" / "act.log"
    log.parent.mkdir()
    log.write_text(
        "[infra/apply] ✅  Success - Main slipway-platform/slipway/actions/tf-apply-gated@v0"
        " [1m45.5s]\n"
        "[infra/plan] ✅  Success - Main slipway-platform/slipway/actions/tf-plan@v0 [34.25s]\n"
    )
    monkeypatch.setattr(bench_demo, "ACT_LOGS", tmp_path)
    assert bench_demo.action_times() == {"tf-apply-gated": [105.5], "tf-plan": [34.25]}
