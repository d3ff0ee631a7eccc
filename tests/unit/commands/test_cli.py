import subprocess
import sys

import pytest

from slipway.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("slipway 0.")


def test_unknown_command_names_the_known_ones(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["deploy-everything"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'deploy-everything'" in err
    assert "cw-alarms-check" in err


def test_no_command_prints_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert "usage: slipway <command>" in capsys.readouterr().out


def test_command_help_lists_inputs_as_flags() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "slipway", "cw-alarms-check", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "--bake-time VALUE" in result.stdout
    assert "(default: 5m)" in result.stdout


def test_flags_override_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INPUT_BAKE_TIME", "5m")
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_OUTPUT", raising=False)
    # An invalid flag value proves the flag, not the environment, was read.
    assert (
        main(
            [
                "cw-alarms-check",
                "--alarm-names",
                "a",
                "--bake-time",
                "soon",
                "--aws-region",
                "us-east-1",
            ]
        )
        == 1
    )
    assert "input 'bake-time': expected a duration" in capsys.readouterr().out


def test_negative_flag_values_reach_input_validation(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "cw-alarms-check",
            "--alarm-names",
            "a",
            "--poll-interval",
            "-5s",
            "--aws-region",
            "us-east-1",
        ]
    )
    assert code == 1
    out = capsys.readouterr().out
    assert "input 'poll-interval': expected a duration ≥ 1s, got '-5s'" in out


def test_no_selector_message_reads_naturally(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cw-alarms-check", "--aws-region", "us-east-1"]) == 1
    assert (
        "input 'alarm-names': expected at least one of alarm-names, alarm-name-prefixes or "
        "alarm-tags, got nothing" in capsys.readouterr().out
    )
