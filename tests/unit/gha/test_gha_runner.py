from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest

from slipway.gha import InputError, Runner, Summary, env_name

Parser = Callable[[str], dict[str, str]]

SECRET = "-----BEGIN-----\nhunter2-line\n-----END-----"


def local(**env: str) -> tuple[Runner, io.StringIO]:
    out = io.StringIO()
    return Runner(env=env, stdout=out), out


def github(tmp_path: Path, **env: str) -> tuple[Runner, io.StringIO]:
    out = io.StringIO()
    full = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        **env,
    }
    return Runner(env=full, stdout=out), out


def test_mode_detection(tmp_path: Path) -> None:
    assert github(tmp_path)[0].on_github
    assert not local()[0].on_github
    assert not local(GITHUB_ACTIONS="false")[0].on_github


def test_defaults_to_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(env_name("cluster"), "prod")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    runner = Runner(stdout=io.StringIO())
    assert runner.on_github
    assert runner.inputs.string("cluster") == "prod"


def test_inputs_read_from_env() -> None:
    runner, _ = local(INPUT_BAKE_TIME="10x")
    with pytest.raises(InputError):
        runner.inputs.duration("bake-time")


# -- logging -----------------------------------------------------------------


def test_info() -> None:
    runner, out = local()
    runner.info("hello")
    assert out.getvalue() == "hello\n"


def test_debug_on_github(tmp_path: Path) -> None:
    runner, out = github(tmp_path)
    runner.debug("details\nmore")
    assert out.getvalue() == "::debug::details%0Amore\n"


@pytest.mark.parametrize(
    ("env", "shown"),
    [
        ({}, False),
        ({"RUNNER_DEBUG": "0"}, False),
        ({"SLIPWAY_DEBUG": "0"}, False),
        ({"SLIPWAY_DEBUG": ""}, False),
        ({"RUNNER_DEBUG": "1"}, True),
        ({"SLIPWAY_DEBUG": "1"}, True),
        ({"SLIPWAY_DEBUG": "true"}, True),
    ],
)
def test_debug_locally(env: dict[str, str], shown: bool) -> None:
    runner, out = local(**env)
    runner.debug("details")
    assert out.getvalue() == ("debug: details\n" if shown else "")


def test_annotations_on_github(tmp_path: Path) -> None:
    runner, out = github(tmp_path)
    runner.error("bad thing", file="infra/main.tf", line=12, end_line=14, col=3, title="Plan")
    runner.warning("careful")
    runner.notice("fyi: a, b", title="Note")
    assert out.getvalue().splitlines() == [
        "::error title=Plan,file=infra/main.tf,line=12,endLine=14,col=3::bad thing",
        "::warning::careful",
        "::notice title=Note::fyi: a, b",
    ]


def test_annotations_locally() -> None:
    runner, out = local()
    runner.error("bad thing", file="path/to/file.tf", line=12)
    runner.warning("careful")
    runner.notice("fyi", file="a.py")
    runner.error("broken", file="a.py", line=3, col=7, title="Lint")
    runner.warning("first\nsecond", title="Heads up")
    assert out.getvalue() == (
        "error: path/to/file.tf:12: bad thing\n"
        "warning: careful\n"
        "notice: a.py: fyi\n"
        "error: a.py:3:7: Lint: broken\n"
        "warning: Heads up: first\n"
        "    second\n"
    )


def test_fail_returns_one_and_reports(tmp_path: Path) -> None:
    runner, out = github(tmp_path)
    assert runner.fail("deploy failed") == 1
    assert out.getvalue() == "::error::deploy failed\n"
    runner, out = local()
    assert runner.fail("deploy failed") == 1
    assert out.getvalue() == "error: deploy failed\n"


def test_group_on_github(tmp_path: Path) -> None:
    runner, out = github(tmp_path)
    with runner.group("Render task definition"):
        runner.info("inside")
    assert out.getvalue() == "::group::Render task definition\ninside\n::endgroup::\n"


def test_group_locally() -> None:
    runner, out = local()
    with runner.group("Render"):
        runner.info("inside")
    assert out.getvalue() == "▶ Render\ninside\n"


def test_group_closes_on_exception(tmp_path: Path) -> None:
    runner, out = github(tmp_path)
    with pytest.raises(RuntimeError, match="boom"), runner.group("Step"):
        runner.info("before")
        raise RuntimeError("boom")
    assert out.getvalue() == "::group::Step\nbefore\n::endgroup::\n"


# -- outputs -----------------------------------------------------------------


def test_set_output_writes_heredoc_file(tmp_path: Path, parse_github_output: Parser) -> None:
    (tmp_path / "output").write_text("earlier=from another step\n", encoding="utf-8")
    runner, out = github(tmp_path)
    tricky = "line one\nghadelimiter_x\nEOF\nlast line ✓"
    runner.set_output("image", "repo:tag")
    runner.set_output("notes", tricky)
    runner.set_output("details", {"a": [1, 2]})
    runner.set_output("changed", True)
    runner.set_output("nothing", None)
    assert out.getvalue() == ""
    written = (tmp_path / "output").read_text(encoding="utf-8")
    assert parse_github_output(written) == {
        "earlier": "from another step",
        "image": "repo:tag",
        "notes": tricky,
        "details": '{"a":[1,2]}',
        "changed": "true",
        "nothing": "",
    }
    assert runner.outputs == {
        "image": "repo:tag",
        "notes": tricky,
        "details": '{"a":[1,2]}',
        "changed": "true",
        "nothing": "",
    }


def test_set_output_locally_prints() -> None:
    runner, out = local()
    runner.set_output("image", "repo:tag")
    runner.set_output("notes", "one\ntwo")
    assert out.getvalue() == "output image = repo:tag\noutput notes =\n    one\n    two\n"
    assert runner.outputs == {"image": "repo:tag", "notes": "one\ntwo"}


def test_set_output_rejects_bad_name(tmp_path: Path) -> None:
    runner, _ = github(tmp_path)
    with pytest.raises(ValueError):
        runner.set_output("bad name", "x")
    assert not (tmp_path / "output").exists()
    runner, out = local()
    with pytest.raises(ValueError):
        runner.set_output("bad\nname", "x")
    assert out.getvalue() == ""


# -- summary -----------------------------------------------------------------


def test_write_summary_appends_to_file(tmp_path: Path) -> None:
    (tmp_path / "summary").write_text("# Earlier step\n", encoding="utf-8")
    runner, out = github(tmp_path)
    runner.write_summary(Summary().heading("Deploy").paragraph("done ✓"))
    runner.write_summary("plain text\n")
    assert out.getvalue() == ""
    assert (tmp_path / "summary").read_text(encoding="utf-8") == (
        "# Earlier step\n## Deploy\n\ndone ✓\nplain text\n"
    )
    assert runner.summary_text == "plain text\n"


def test_write_summary_locally_prints() -> None:
    runner, out = local()
    runner.write_summary(Summary().heading("Deploy").paragraph("done"))
    assert out.getvalue() == "── summary ──\n## Deploy\n\ndone\n"
    assert runner.summary_text == "## Deploy\n\ndone"


# -- masking -----------------------------------------------------------------


def test_mask_on_github_registers_each_line(tmp_path: Path) -> None:
    runner, out = github(tmp_path)
    runner.mask(SECRET)
    runner.mask(SECRET)  # already known: nothing more
    runner.mask("  ")
    assert out.getvalue().splitlines() == [
        "::add-mask::-----BEGIN-----%0Ahunter2-line%0A-----END-----",
        "::add-mask::-----BEGIN-----",
        "::add-mask::hunter2-line",
        "::add-mask::-----END-----",
    ]


def test_mask_locally_prints_nothing_but_redacts() -> None:
    runner, out = local()
    runner.mask("hunter2")
    assert out.getvalue() == ""
    runner.info("password is hunter2")
    runner.error("hunter2 rejected", file="hunter2.txt", line=1, title="hunter2")
    runner.set_output("pw", "hunter2")
    runner.write_summary(Summary().paragraph("hunter2"))
    text = out.getvalue()
    assert "hunter2" not in text
    assert text == (
        "password is ***\n"
        "error: ***.txt:1: ***: *** rejected\n"
        "output pw = ***\n"
        "── summary ──\n"
        "***\n"
    )


def test_masked_multi_line_secret_never_reaches_files_or_logs(
    tmp_path: Path, parse_github_output: Parser
) -> None:
    runner, out = github(tmp_path)
    runner.mask(SECRET)
    after_mask = len(out.getvalue())
    runner.info(f"key:\n{SECRET}")
    runner.debug("line: hunter2-line")
    runner.warning(f"leaked {SECRET}", file="hunter2-line", title="hunter2-line")
    with runner.group("group hunter2-line"):
        pass
    runner.set_output("key", SECRET)
    runner.set_output("fragment", {"k": "hunter2-line"})
    runner.write_summary(
        Summary()
        .table(["name", "value"], [["key", SECRET]])
        .code(SECRET)
        .details("hunter2-line", SECRET)
    )
    logged = out.getvalue()[after_mask:]
    output_file = (tmp_path / "output").read_text(encoding="utf-8")
    summary_file = (tmp_path / "summary").read_text(encoding="utf-8")
    for text in (logged, output_file, summary_file, *runner.outputs.values()):
        assert "hunter2" not in text
        assert "BEGIN" not in text
    assert parse_github_output(output_file) == {"key": "***", "fragment": '{"k":"***"}'}
    assert "::warning title=***,file=***::leaked ***" in logged.splitlines()
    assert "::debug::line: ***" in logged.splitlines()


def test_secret_with_escaped_characters_is_redacted_before_escaping(tmp_path: Path) -> None:
    runner, out = github(tmp_path)
    runner.mask("p%ss:w,rd")
    start = len(out.getvalue())
    runner.error("bad p%ss:w,rd", title="p%ss:w,rd")
    assert out.getvalue()[start:] == "::error title=***::bad ***\n"
