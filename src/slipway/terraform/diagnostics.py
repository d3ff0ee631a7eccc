"""What the engine said: diagnostics and log lines from its machine-readable output.

Three shapes are read, all pure:

- the document of ``validate -json`` (``diagnostics[]`` with ``range``);
- the streaming UI of ``plan -json`` / ``apply -json`` / ``init -json``: one JSON object per
  line; ``"type": "diagnostic"`` objects carry a ``diagnostic`` of the same shape. Lines that
  are not JSON (the engine prints some warnings as text even in JSON mode) are kept as text;
- the human text of commands without ``-json`` (``Error: …`` / ``Warning: …`` blocks).

The state-lock and stale-plan errors are recognised by their summaries, exactly as the
engine prints them (Terraform 1.15; OpenTofu keeps the same texts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Severity = Literal["error", "warning"]

LOCK_SUMMARY = "Error acquiring the state lock"
STALE_SUMMARY = "Saved plan is stale"


@dataclass(frozen=True)
class Diagnostic:
    severity: Severity
    summary: str
    detail: str = ""
    filename: str | None = None
    line: int | None = None
    end_line: int | None = None
    column: int | None = None

    @property
    def headline(self) -> str:
        """The summary's first line (some engine summaries run over several lines)."""
        return self.summary.strip().split("\n", 1)[0]


@dataclass(frozen=True)
class LockInfo:
    """Who holds the state lock, from the lock error's ``Lock Info:`` section."""

    id: str
    path: str = ""
    operation: str = ""
    who: str = ""
    version: str = ""
    created: str = ""

    def describe(self) -> str:
        """``lock 8fa3… held by root@vm (OperationTypeApply since 2026-…)`` on one line."""
        text = f"lock {self.id or '(unknown ID)'}"
        if self.who:
            text += f" held by {self.who}"
        details = " since ".join(p for p in (self.operation, self.created) if p)
        return text + (f" ({details})" if details else "")


@dataclass(frozen=True)
class UiLine:
    """One line of streamed output: what to log, and the diagnostic it carried if any."""

    text: str
    diagnostic: Diagnostic | None = None
    type: str | None = None
    raw: Mapping[str, Any] | None = None


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def diagnostic_from_json(data: Mapping[str, Any]) -> Diagnostic:
    """A diagnostic object as ``validate -json`` and the streaming UI print it."""
    severity: Severity = "warning" if data.get("severity") == "warning" else "error"
    where = data.get("range")
    filename = line = end_line = column = None
    if isinstance(where, Mapping):
        filename = str(where["filename"]) if where.get("filename") else None
        start = where.get("start")
        end = where.get("end")
        start = start if isinstance(start, Mapping) else {}
        end = end if isinstance(end, Mapping) else {}
        line, column = _int(start.get("line")), _int(start.get("column"))
        end_line = _int(end.get("line"))
    return Diagnostic(
        severity=severity,
        summary=str(data.get("summary", "")),
        detail=str(data.get("detail", "") or ""),
        filename=filename,
        line=line,
        end_line=end_line,
        column=column,
    )


def parse_validate(document: str | Mapping[str, Any]) -> list[Diagnostic]:
    """The diagnostics of a ``validate -json`` document."""
    data = json.loads(document) if isinstance(document, str) else document
    if not isinstance(data, Mapping) or not isinstance(data.get("diagnostics"), list):
        raise ValueError("not a `validate -json` document (no diagnostics list)")
    return [diagnostic_from_json(d) for d in data["diagnostics"] if isinstance(d, Mapping)]


def parse_ui_line(line: str) -> UiLine:
    """One line of the streaming JSON UI; anything else is plain text."""
    text = line.rstrip("\r\n")
    stripped = text.strip()
    if not stripped.startswith("{"):
        return UiLine(text)
    try:
        data = json.loads(stripped)
    except ValueError:
        return UiLine(text)
    if not isinstance(data, dict):
        return UiLine(text)
    kind = data.get("type")
    diagnostic = None
    if kind == "diagnostic" and isinstance(data.get("diagnostic"), Mapping):
        diagnostic = diagnostic_from_json(data["diagnostic"])
    message = data.get("@message")
    return UiLine(
        text=str(message) if message is not None else text,
        diagnostic=diagnostic,
        type=str(kind) if kind is not None else None,
        raw=data,
    )


def parse_ui(lines: Iterable[str]) -> list[UiLine]:
    return [parse_ui_line(line) for line in lines]


# --- human text (commands without -json) -------------------------------------------------

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_START = re.compile(r"(?P<severity>Error|Warning): (?P<summary>.*)")
_WHERE = re.compile(r"\s+on (?P<file>.+?) line (?P<line>[0-9]+)(?:, in .*)?:$")
_SNIPPET = re.compile(r"\s+[0-9]+: ")


def _unbox(line: str) -> str:
    line = _ANSI.sub("", line.rstrip("\r\n"))
    if line[:1] in ("╷", "╵"):
        return ""
    if line.startswith("│"):
        return line[2:] if line.startswith("│ ") else line[1:]
    return line


def _text_diagnostic(severity: str, summary: str, body: list[str]) -> Diagnostic:
    filename: str | None = None
    line_no: int | None = None
    rest: list[str] = []
    for line in body:
        if not rest and not line.strip():
            continue
        where = _WHERE.match(line)
        if where and filename is None and not rest:
            filename, line_no = where["file"], int(where["line"])
            continue
        if filename is not None and not rest and _SNIPPET.match(line):
            continue
        rest.append(line)
    return Diagnostic(
        severity="warning" if severity == "Warning" else "error",
        summary=summary.strip(),
        detail="\n".join(rest).strip(),
        filename=filename,
        line=line_no,
    )


def parse_text_diagnostics(lines: Iterable[str]) -> list[Diagnostic]:
    """``Error: …`` / ``Warning: …`` blocks of the engine's human output, boxed or plain."""
    found: list[Diagnostic] = []
    current: tuple[str, str, list[str]] | None = None
    for raw in lines:
        boxed_end = _ANSI.sub("", raw).startswith("╵")
        line = _unbox(raw)
        start = _START.match(line)
        if start:
            if current:
                found.append(_text_diagnostic(*current))
            current = (start["severity"], start["summary"], [])
        elif current is not None:
            if boxed_end:
                found.append(_text_diagnostic(*current))
                current = None
            else:
                current[2].append(line)
    if current:
        found.append(_text_diagnostic(*current))
    return found


def unreported_error(lines: Iterable[str]) -> Diagnostic | None:
    """An error from the text outside diagnostic boxes, for a failed run that printed none in
    ``Error:`` form (``workspace select`` says ``Workspace "x" doesn't exist.`` plainly)."""
    loose: list[str] = []
    boxed = False
    for raw in lines:
        line = _ANSI.sub("", raw.rstrip("\r\n"))
        if line.startswith("╷"):
            boxed = True
            # The heading that introduces a box ("There are some problems with …:").
            while loose and not loose[-1].strip():
                loose.pop()
            if loose and loose[-1].rstrip().endswith(":"):
                loose.pop()
        elif line.startswith("╵"):
            boxed = False
        elif not boxed:
            loose.append(line)
    text = "\n".join(loose).strip()
    if not text:
        return None
    summary, _, detail = text.partition("\n")
    return Diagnostic("error", summary.strip(), detail.strip())


# --- classifying -----------------------------------------------------------------------

_LOCK_FIELD = re.compile(r"^\s+(ID|Path|Operation|Who|Version|Created):[ \t]*(.*?)\s*$", re.M)


def is_lock_error(diagnostic: Diagnostic) -> bool:
    return diagnostic.severity == "error" and diagnostic.headline == LOCK_SUMMARY


def is_stale_plan_error(diagnostic: Diagnostic) -> bool:
    return diagnostic.severity == "error" and diagnostic.headline == STALE_SUMMARY


def parse_lock_info(detail: str) -> LockInfo | None:
    """The ``Lock Info:`` section of a lock error's detail; ``None`` when it has none."""
    _, marker, section = detail.partition("Lock Info:")
    if not marker:
        return None
    fields = {key.lower(): value for key, value in _LOCK_FIELD.findall(section)}
    if not fields.get("id"):
        return None
    return LockInfo(
        id=fields["id"],
        path=fields.get("path", ""),
        operation=fields.get("operation", ""),
        who=fields.get("who", ""),
        version=fields.get("version", ""),
        created=fields.get("created", ""),
    )


def lock_info(diagnostics: Iterable[Diagnostic]) -> LockInfo | None:
    """Who holds the lock, if one of ``diagnostics`` is the lock error (an empty ID when the
    detail does not say)."""
    for diagnostic in diagnostics:
        if is_lock_error(diagnostic):
            return parse_lock_info(diagnostic.detail) or LockInfo(id="")
    return None


def is_stale(diagnostics: Iterable[Diagnostic]) -> bool:
    return any(is_stale_plan_error(d) for d in diagnostics)
