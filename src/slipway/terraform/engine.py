"""Running the engine (Terraform or OpenTofu) as a subprocess in a root module.

Every run streams the engine's output to a ``log`` callable as it comes (the JSON UI is
logged as its messages) and returns a result dataclass with the diagnostics the engine
reported, who holds the state lock when that stopped it, and whether a saved plan was stale.
Nothing here knows about GitHub: the command layer turns diagnostics into annotations.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from slipway.terraform.diagnostics import (
    Diagnostic,
    LockInfo,
    is_stale,
    lock_info,
    parse_text_diagnostics,
    parse_ui_line,
    parse_validate,
    unreported_error,
)
from slipway.terraform.versions import compare, parse_version

ENGINES = ("terraform", "tofu")
AUTOMATION_ENV = {"TF_IN_AUTOMATION": "1", "TF_INPUT": "0", "CHECKPOINT_DISABLE": "1"}
# The first releases whose `init` accepts -json (Terraform 1.9.0, OpenTofu 1.7.0).
_INIT_JSON_SINCE = {"terraform": "1.9.0", "tofu": "1.7.0"}

Log = Callable[[str], None]


class EngineInputError(ValueError):
    """An input that cannot work, found before the engine runs: names the input."""

    def __init__(self, name: str, problem: str) -> None:
        self.name = name
        super().__init__(f"input '{name}': {problem}")


class EngineError(RuntimeError):
    """The engine could not do what was asked; ``diagnostics`` says what it reported."""

    def __init__(self, message: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__(message)


@dataclass(frozen=True)
class RunResult:
    exit_code: int
    diagnostics: tuple[Diagnostic, ...] = ()
    # Who holds the state lock, when the run was stopped by it.
    lock: LockInfo | None = None
    # The saved plan could not be applied because the state changed since it was made.
    stale: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == 0

    @property
    def errors(self) -> tuple[Diagnostic, ...]:
        return tuple(d for d in self.diagnostics if d.severity == "error")


@dataclass(frozen=True)
class PlanRunResult(RunResult):
    # From -detailed-exitcode: 2 means changes, 0 none (any other code is a failure).
    has_changes: bool = False
    planfile: Path | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code in (0, 2)


class EngineVersion(NamedTuple):
    """``("terraform", "1.15.5")``; also readable as ``.name`` and ``.version``."""

    name: str
    version: str


# --- before anything runs ----------------------------------------------------------------


def resolve_binary(name: str, env: Mapping[str, str]) -> Path:
    """``terraform`` or ``tofu`` looked up on ``env``'s PATH, or a path to an executable."""
    text = name.strip()
    if text in ENGINES:
        found = shutil.which(text, path=env.get("PATH", os.defpath))
        if found is None:
            raise EngineInputError("binary", f"'{text}' not found on PATH")
        return Path(found)
    if os.sep in text or (os.altsep and os.altsep in text):
        path = Path(text).expanduser()
        if path.is_file() and os.access(path, os.X_OK):
            return path.resolve()
        raise EngineInputError("binary", f"'{text}' is not an executable file")
    raise EngineInputError("binary", f"'{text}' is not terraform, tofu or an executable path")


def backend_config_args(items: Iterable[str], workdir: Path) -> list[str]:
    """``-backend-config`` arguments; each item is a file (relative to ``workdir``) or
    ``key=value`` with a non-empty key."""
    args = []
    for raw in items:
        item = raw.strip()
        path = Path(item).expanduser()
        path = path if path.is_absolute() else workdir / path
        key, sep, _ = item.partition("=")
        if item and path.is_file():
            args.append(f"-backend-config={path}")
        elif sep and key.strip() and not any(ch.isspace() for ch in key.strip()):
            args.append(f"-backend-config={key.strip()}={item.partition('=')[2].strip()}")
        else:
            raise EngineInputError(
                "backend-config", f"{item!r} is neither an existing file nor key=value"
            )
    return args


def parse_version_json(text: str, binary: Path) -> EngineVersion:
    """``(engine, version)`` from ``version -json`` (OpenTofu uses the same key). OpenTofu
    prints CLI configuration warnings on stdout before the JSON, so the object is read from
    the first line that opens one."""
    start = next((m.start() for m in re.finditer(r"(?m)^\{", text)), 0)
    try:
        data = json.loads(text[start:])
        version = str(data["terraform_version"])
    except (ValueError, KeyError, TypeError):
        raise EngineError(f"{binary}: `version -json` printed no terraform_version") from None
    if binary.name.startswith("tofu") or "terraform_outdated" not in data:
        return EngineVersion("tofu", version)
    return EngineVersion("terraform", version)


def engine_version(binary: Path, env: Mapping[str, str] | None = None) -> EngineVersion:
    """``("terraform", "1.15.5")`` or ``("tofu", "1.9.0")`` as the binary reports it."""
    full = {**(os.environ if env is None else env), **AUTOMATION_ENV}
    try:
        done = subprocess.run(
            [str(binary), "version", "-json"],
            capture_output=True,
            text=True,
            env=full,
            check=False,
            timeout=120,
        )
    except OSError as error:
        raise EngineError(f"{binary}: cannot run: {error.strerror or error}") from None
    except subprocess.TimeoutExpired:
        raise EngineError(f"{binary}: `version -json` did not answer in 120 s") from None
    if done.returncode != 0:
        raise EngineError(f"{binary}: `version -json` failed (exit {done.returncode})")
    return parse_version_json(done.stdout, binary)


def supports_init_json(engine: str, version: str) -> bool:
    since = _INIT_JSON_SINCE.get(engine, _INIT_JSON_SINCE["terraform"])
    return compare(parse_version(version), parse_version(since)) >= 0


# --- running -----------------------------------------------------------------------------


@dataclass
class _Collected:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)


def _result(exit_code: int, diagnostics: Sequence[Diagnostic]) -> RunResult:
    return RunResult(
        exit_code=exit_code,
        diagnostics=tuple(diagnostics),
        lock=lock_info(diagnostics),
        stale=is_stale(diagnostics),
    )


def _describe(diagnostic: Diagnostic) -> str:
    where = ""
    if diagnostic.filename:
        where = f" ({diagnostic.filename}" + (f":{diagnostic.line})" if diagnostic.line else ")")
    return f"{diagnostic.severity.capitalize()}: {diagnostic.headline}{where}"


class Engine:
    """One root module (``workdir``) run by one engine binary."""

    def __init__(
        self,
        binary: Path,
        workdir: Path,
        env: Mapping[str, str],
        log: Log,
        *,
        version: EngineVersion | None = None,
        temp_dir: Path | None = None,
    ) -> None:
        self.binary = binary
        self.workdir = workdir
        self.env = {**env, **AUTOMATION_ENV}
        self.log = log
        self._version = version
        # Where the temporary variables file goes (the system's temporary directory if None).
        self.temp_dir = temp_dir

    @property
    def version(self) -> EngineVersion:
        """``(engine, version)``, asked of the binary once."""
        if self._version is None:
            self._version = engine_version(self.binary, self.env)
        return self._version

    # -- plumbing --

    def _popen(self, args: Sequence[str], **kwargs: Any) -> subprocess.Popen[str]:
        try:
            return subprocess.Popen(
                [str(self.binary), *args],
                cwd=self.workdir,
                env=self.env,
                text=True,
                encoding="utf-8",
                errors="replace",
                **kwargs,
            )
        except OSError as error:
            raise EngineError(f"{self.binary}: cannot run: {error.strerror or error}") from None

    def _stream(self, args: Sequence[str], json_ui: bool = True) -> tuple[int, _Collected]:
        """Run with stdout and stderr merged, logging each line as it arrives."""
        collected = _Collected()
        with self._popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT) as proc:
            assert proc.stdout is not None
            for raw in proc.stdout:
                line = raw.rstrip("\r\n")
                collected.lines.append(line)
                if not json_ui:
                    self.log(line)
                    continue
                parsed = parse_ui_line(line)
                self.log(parsed.text)
                if parsed.diagnostic is not None:
                    collected.diagnostics.append(parsed.diagnostic)
                    if parsed.diagnostic.detail:
                        self.log(parsed.diagnostic.detail)
            code = proc.wait()
        if not json_ui:
            collected.diagnostics.extend(parse_text_diagnostics(collected.lines))
            if code != 0 and not any(d.severity == "error" for d in collected.diagnostics):
                fallback = unreported_error(collected.lines)
                if fallback is not None:
                    collected.diagnostics.append(fallback)
        return code, collected

    def _capture(self, args: Sequence[str], stdout: Any = subprocess.PIPE) -> tuple[int, str]:
        """Run with stdout kept (or written to a file); stderr is logged when done."""
        with self._popen(args, stdout=stdout, stderr=subprocess.PIPE) as proc:
            out, err = proc.communicate()
        for line in (err or "").splitlines():
            self.log(line)
        return proc.returncode, out or ""

    # -- commands --

    def init(self, backend_config: Sequence[str] = (), reconfigure: bool = True) -> RunResult:
        args = ["init", "-input=false", *backend_config_args(backend_config, self.workdir)]
        if reconfigure:
            args.append("-reconfigure")
        json_ui = supports_init_json(*self.version)
        args.append("-json" if json_ui else "-no-color")
        code, collected = self._stream(args, json_ui=json_ui)
        return _result(code, collected.diagnostics)

    def select_workspace(self, name: str, create: bool = True) -> RunResult:
        args = ["workspace", "select", "-no-color"]
        if create:
            args.append("-or-create=true")
        code, collected = self._stream([*args, name], json_ui=False)
        return _result(code, collected.diagnostics)

    def validate(self) -> RunResult:
        code, out = self._capture(["validate", "-json", "-no-color"])
        try:
            diagnostics = parse_validate(out)
        except ValueError:
            diagnostics = parse_text_diagnostics(out.splitlines())
            for line in out.splitlines():
                self.log(line)
        else:
            for diagnostic in diagnostics:
                self.log(_describe(diagnostic))
            if code == 0 and not diagnostics:
                self.log("The configuration is valid.")
        return _result(code, diagnostics)

    def plan(
        self,
        out: Path,
        var_files: Sequence[Path] = (),
        variables: Mapping[str, object] | None = None,
        destroy: bool = False,
        lock_timeout: str = "0s",
    ) -> PlanRunResult:
        """``plan -detailed-exitcode -out``; ``variables`` reach the engine through a private
        temporary ``.tfvars.json`` file (never the command line), deleted afterwards."""
        args = [
            "plan",
            "-input=false",
            "-json",
            "-detailed-exitcode",
            f"-lock-timeout={lock_timeout}",
            f"-out={out}",
        ]
        if destroy:
            args.append("-destroy")
        args.extend(f"-var-file={path}" for path in var_files)
        tfvars: Path | None = None
        try:
            if variables:
                tfvars = _write_tfvars(variables, self.temp_dir)
                args.append(f"-var-file={tfvars}")
            code, collected = self._stream(args)
        finally:
            if tfvars is not None:
                tfvars.unlink(missing_ok=True)
        base = _result(code, collected.diagnostics)
        return PlanRunResult(
            exit_code=base.exit_code,
            diagnostics=base.diagnostics,
            lock=base.lock,
            stale=base.stale,
            has_changes=code == 2,
            planfile=out if code in (0, 2) else None,
        )

    def show_json(self, planfile: Path) -> Path:
        """Write ``show -json <planfile>`` beside the plan file (``x.tfplan`` -> ``x.json``)."""
        target = planfile.with_suffix(".json")
        with target.open("w", encoding="utf-8") as handle:
            code, _ = self._capture(["show", "-json", "-no-color", str(planfile)], stdout=handle)
        if code != 0:
            target.unlink(missing_ok=True)
            raise EngineError(f"`show -json {planfile.name}` failed (exit {code})")
        return target

    def show_text(self, planfile: Path) -> str:
        code, out = self._capture(["show", "-no-color", str(planfile)])
        if code != 0:
            raise EngineError(f"`show {planfile.name}` failed (exit {code})")
        return out

    def apply(self, planfile: Path, lock_timeout: str = "0s") -> RunResult:
        """Apply a saved plan (which never prompts; -auto-approve makes that explicit)."""
        args = [
            "apply",
            "-input=false",
            "-json",
            "-auto-approve",
            f"-lock-timeout={lock_timeout}",
            str(planfile),
        ]
        code, collected = self._stream(args)
        return _result(code, collected.diagnostics)

    def outputs(self) -> dict[str, dict[str, Any]]:
        """``{name: {"value", "type", "sensitive"}}`` as ``output -json`` prints them: values
        of sensitive outputs are included, flagged ``sensitive: True``, for the caller to mask."""
        code, out = self._capture(["output", "-json", "-no-color"])
        if code != 0:
            raise EngineError(f"`output -json` failed (exit {code})")
        return parse_outputs(out)


def parse_outputs(text: str) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        raise EngineError("`output -json` printed no JSON object") from None
    if not isinstance(data, dict):
        raise EngineError("`output -json` printed no JSON object")
    return {
        str(name): {
            "value": item.get("value"),
            "type": item.get("type"),
            "sensitive": bool(item.get("sensitive", False)),
        }
        for name, item in data.items()
        if isinstance(item, dict)
    }


def _write_tfvars(variables: Mapping[str, object], directory: Path | None) -> Path:
    """A private (0600) temporary ``.tfvars.json`` file holding ``variables``."""
    handle, name = tempfile.mkstemp(prefix="slipway-", suffix=".tfvars.json", dir=directory)
    path = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(dict(variables), stream)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
