"""The I/O shell: talks the runner protocol on GitHub, prints readably elsewhere."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Literal, TextIO

from slipway.gha.commands import format_command
from slipway.gha.inputs import Inputs
from slipway.gha.masking import Masker
from slipway.gha.outputs import choose_delimiter, format_output, to_output_value
from slipway.gha.summary import Summary

_Level = Literal["error", "warning", "notice"]
_TRUTHY = frozenset({"1", "true", "yes", "on"})


class Runner:
    """Logging, annotations, outputs and summaries for one action run.

    Everything printed or written passes through the masker, so a value given
    to :meth:`mask` never appears, not even locally or in the output files.
    """

    def __init__(self, env: Mapping[str, str] | None = None, stdout: TextIO | None = None) -> None:
        self.env: Mapping[str, str] = os.environ if env is None else env
        self.stdout: TextIO = sys.stdout if stdout is None else stdout
        self.on_github = self.env.get("GITHUB_ACTIONS") == "true"
        self.inputs = Inputs(self.env)
        self.masker = Masker()
        self.outputs: dict[str, str] = {}
        self.summary_text: str | None = None

    # -- low level -------------------------------------------------------

    def _write_raw(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()

    def _print(self, text: str) -> None:
        self._write_raw(self.masker.redact(text))

    def _command(
        self, command: str, message: str, properties: Mapping[str, str | int | None]
    ) -> None:
        # Redact before escaping: escaping would change how a secret is spelled.
        redact = self.masker.redact
        safe = {k: redact(v) if isinstance(v, str) else v for k, v in properties.items()}
        self._write_raw(format_command(command, redact(message), safe))

    def _append(self, path: str, text: str) -> None:
        # Append: every step of a job shares the same output and summary files.
        with open(path, "a", encoding="utf-8", newline="") as handle:
            handle.write(text)

    # -- logging ---------------------------------------------------------

    def mask(self, secret: str) -> None:
        """Hide ``secret`` (and each of its lines) from all later output."""
        for value in self.masker.add(secret):
            if self.on_github:
                # Not redacted: the runner needs the value itself to mask it.
                self._write_raw(format_command("add-mask", value, {}))

    def info(self, message: str) -> None:
        self._print(message)

    def debug(self, message: str) -> None:
        if self.on_github:
            self._command("debug", message, {})
        elif (
            self.env.get("SLIPWAY_DEBUG", "").strip().lower() in _TRUTHY
            or self.env.get("RUNNER_DEBUG") == "1"
        ):
            self._print(_indent_continuation("debug: " + message))

    def _annotate(
        self,
        level: _Level,
        message: str,
        *,
        file: str | None,
        line: int | None,
        end_line: int | None,
        col: int | None,
        title: str | None,
    ) -> None:
        if self.on_github:
            properties = {
                "title": title,
                "file": file,
                "line": line,
                "endLine": end_line,
                "col": col,
            }
            self._command(level, message, properties)
            return
        parts: list[str] = [level]
        if file is not None:
            location = file
            if line is not None:
                location += f":{line}"
                if col is not None:
                    location += f":{col}"
            parts.append(location)
        if title:
            parts.append(title)
        parts.append(message)
        self._print(_indent_continuation(": ".join(parts)))

    def error(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        end_line: int | None = None,
        col: int | None = None,
        title: str | None = None,
    ) -> None:
        self._annotate(
            "error", message, file=file, line=line, end_line=end_line, col=col, title=title
        )

    def warning(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        end_line: int | None = None,
        col: int | None = None,
        title: str | None = None,
    ) -> None:
        self._annotate(
            "warning", message, file=file, line=line, end_line=end_line, col=col, title=title
        )

    def notice(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        end_line: int | None = None,
        col: int | None = None,
        title: str | None = None,
    ) -> None:
        self._annotate(
            "notice", message, file=file, line=line, end_line=end_line, col=col, title=title
        )

    def fail(self, message: str) -> int:
        """Report ``message`` as an error and return the exit code for a failed step."""
        self.error(message)
        return 1

    @contextmanager
    def group(self, title: str) -> Iterator[None]:
        """A collapsible log section; always closed, even when the body raises."""
        if self.on_github:
            self._command("group", title, {})
        else:
            self._print("▶ " + title)
        try:
            yield
        finally:
            if self.on_github:
                self._command("endgroup", "", {})

    # -- results ---------------------------------------------------------

    def set_output(self, name: str, value: object) -> None:
        text = self.masker.redact(to_output_value(value))
        record = format_output(name, text, choose_delimiter(text))  # validates the name
        path = self.env.get("GITHUB_OUTPUT")
        if path:
            self._append(path, record)
        else:
            self._write_raw(_format_local_output(name, text))
        self.outputs[name] = text

    def write_summary(self, summary: Summary | str) -> None:
        text = summary.render() if isinstance(summary, Summary) else summary
        text = self.masker.redact(text)
        self.summary_text = text
        path = self.env.get("GITHUB_STEP_SUMMARY")
        if path:
            self._append(path, text if text.endswith("\n") else text + "\n")
        else:
            self._write_raw("── summary ──")
            self._write_raw(text.removesuffix("\n"))


def _indent_continuation(text: str) -> str:
    """Indent every line after the first so a multi-line message reads as one entry."""
    return text.replace("\r\n", "\n").replace("\n", "\n    ")


def _format_local_output(name: str, value: str) -> str:
    lines = value.splitlines()
    if len(lines) <= 1:
        return f"output {name} = {value}"
    return f"output {name} =\n" + "\n".join("    " + line for line in lines)
