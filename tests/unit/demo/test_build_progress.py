"""A first `make demo` builds the provider, the engines and BuildKit for about 45 minutes:
the progress lines those builds print on stderr every 30 s reach the terminal (they are not
captured), and what they print on stdout is their result."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest
from tests.fakes.release_site import EngineBuild, built_engines

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "scripts"))
import localenv_images
import localenv_process


def fake_build(root: Path, name: str, result: str, code: int = 0) -> Path:
    """``root/scripts/<name>``: progress on stderr, ``result`` on stdout, exit ``code``."""
    script = root / "scripts" / name
    script.parent.mkdir(parents=True, exist_ok=True)
    script.write_text(
        "#!/usr/bin/env bash\n"
        f'echo "{name}: 812 of 2,024 packages compiled, 5 min 00 s" >&2\n'
        f"printf '%s' '{result}'\n"
        f"exit {code}\n"
    )
    script.chmod(0o755)
    return script


def test_a_build_shows_its_progress_and_returns_its_result(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    script = fake_build(tmp_path, "build-aws-provider", "/cache/terraformrc\n")
    assert localenv_process.run_build(script) == "/cache/terraformrc"
    out, err = capfd.readouterr()
    assert err == "build-aws-provider: 812 of 2,024 packages compiled, 5 min 00 s\n"
    assert out == ""


def test_a_failed_build_stops_the_demo_naming_the_script(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    script = fake_build(tmp_path, "build-aws-provider", "", code=3)
    with pytest.raises(SystemExit) as stopped:
        localenv_process.run_build(script)
    assert str(stopped.value) == (
        "scripts/build-aws-provider failed (exit 3); its messages are above"
    )
    assert "812 of 2,024 packages compiled" in capfd.readouterr().err


def test_buildkit_build_shows_its_progress(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    fake_build(tmp_path, "build-buildkit", "/cache/buildkit\n")
    monkeypatch.setattr(localenv_images, "REPO", tmp_path)
    assert localenv_images.built_buildkit() == Path("/cache/buildkit")
    assert "build-buildkit: 812 of 2,024" in capfd.readouterr().err


def test_engines_build_shows_its_progress(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    fake_build(tmp_path, "build-engines", "terraform 1.11.4 /e/terraform\ntofu 1.12.6 /e/tofu\n")
    assert built_engines(tmp_path) == [
        EngineBuild("terraform", "1.11.4", Path("/e/terraform")),
        EngineBuild("tofu", "1.12.6", Path("/e/tofu")),
    ]
    assert "build-engines: 812 of 2,024" in capfd.readouterr().err


def test_a_long_step_without_output_of_its_own_says_it_is_still_going(
    capfd: pytest.CaptureFixture[str],
) -> None:
    """The base images' debootstrap (minutes once, through QEMU for arm64) prints nothing."""
    with localenv_process.reporting("base image: debootstrap bookworm for arm64", interval=0.1):
        time.sleep(0.35)
    lines = capfd.readouterr().err.splitlines()
    assert lines[0] == "base image: debootstrap bookworm for arm64: started"
    assert lines[1:-1] and all(
        re.fullmatch(r"base image: debootstrap bookworm for arm64: still going \(0 s\)", line)
        for line in lines[1:-1]
    ), lines
    assert lines[-1] == "base image: debootstrap bookworm for arm64: done in 0 s"


def test_a_failed_long_step_still_ends_its_reports(capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(RuntimeError), localenv_process.reporting("step", interval=0.05):
        raise RuntimeError("debootstrap failed")
    time.sleep(0.15)  # no report after the end
    assert capfd.readouterr().err.splitlines() == ["step: started", "step: failed after 0 s"]
