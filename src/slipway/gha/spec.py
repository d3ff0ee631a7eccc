"""Action metadata declared once: the command reads it, and action.yml, the README tables
and the command-line flags are generated from it, so the four can never disagree."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from slipway.gha.inputs import env_name

GENERATED_MARK = (
    "# Generated from the slipway command's spec by scripts/generate-actions; do not edit."
)
DOC_START = "<!-- slipway:reference:start -->"
DOC_END = "<!-- slipway:reference:end -->"


@dataclass(frozen=True)
class Input:
    name: str
    description: str
    default: str = ""  # as action.yml gives it; "" means "not given"
    required: bool = False


@dataclass(frozen=True)
class Output:
    name: str
    description: str


@dataclass(frozen=True)
class ActionSpec:
    command: str
    title: str
    description: str
    inputs: tuple[Input, ...]
    outputs: tuple[Output, ...]
    icon: str = "anchor"
    color: str = "blue"

    def input(self, name: str) -> Input:
        for item in self.inputs:
            if item.name == name:
                return item
        raise KeyError(name)


class UndeclaredInputError(RuntimeError):
    """A command read an input its spec does not declare (a bug in slipway itself)."""


@dataclass
class DeclaredEnv(Mapping[str, str]):
    """The process environment as a command sees it: spec defaults under the real values,
    and a loud failure when code reads an ``INPUT_*`` name the spec does not declare."""

    spec: ActionSpec
    env: Mapping[str, str]
    read: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._declared = {env_name(i.name): i for i in self.spec.inputs}

    def __getitem__(self, key: str) -> str:
        if key.startswith("INPUT_"):
            declared = self._declared.get(key)
            if declared is None:
                # Runners export their own INPUT_* forms (with hyphens, say): those are just
                # the environment. A name that is neither declared nor present is a typo.
                if key in self.env:
                    return self.env[key]
                raise UndeclaredInputError(f"{self.spec.command} reads undeclared input {key}")
            self.read.add(declared.name)
            value = self.env.get(key, "")
            if value.strip():
                return value
            # A default such as ${{ github.token }} only means something on GitHub, where the
            # runner substitutes it; elsewhere the input is simply not given.
            return "" if declared.default.startswith("${{") else declared.default
        return self.env[key]

    def __iter__(self) -> Iterator[str]:
        return iter({*self.env, *self._declared})

    def __len__(self) -> int:
        return len({*self.env, *self._declared})


def _quote(value: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: no YAML library needed.
    return json.dumps(value, ensure_ascii=False)


def render_action_yml(spec: ActionSpec, runner_path: str = "../../scripts/bootstrap") -> str:
    """The composite action.yml: inputs mapped explicitly to INPUT_* (composite actions do
    not get them), one bootstrap, then the slipway command."""
    lines = [
        GENERATED_MARK,
        f"name: {_quote(spec.title)}",
        f"description: {_quote(spec.description)}",
        "author: slipway",
        "branding:",
        f"  icon: {spec.icon}",
        f"  color: {spec.color}",
        "inputs:",
    ]
    for item in spec.inputs:
        lines += [
            f"  {item.name}:",
            f"    description: {_quote(item.description)}",
            f"    required: {'true' if item.required else 'false'}",
        ]
        if item.default:
            lines.append(f"    default: {_quote(item.default)}")
    lines.append("outputs:")
    for output in spec.outputs:
        lines += [
            f"  {output.name}:",
            f"    description: {_quote(output.description)}",
            f"    value: ${{{{ steps.run.outputs.{output.name} }}}}",
        ]
    lines += [
        "runs:",
        "  using: composite",
        "  steps:",
        "    - id: run",
        "      shell: bash",
        "      env:",
    ]
    lines += [f"        {env_name(i.name)}: ${{{{ inputs.{i.name} }}}}" for i in spec.inputs]
    lines += [
        "      run: |",
        f'        python="$("${{{{ github.action_path }}}}/{runner_path}")"',
        f'        exec "$python" -m slipway {spec.command}',
        "",
    ]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", "<br>")


def render_reference(spec: ActionSpec) -> str:
    """The inputs and outputs tables of the action's README (between the markers)."""
    lines = [DOC_START, "", "### Inputs", "", "| name | required | default | description |"]
    lines.append("| --- | --- | --- | --- |")
    for item in spec.inputs:
        default = f"`{item.default}`" if item.default else ""
        required = "yes" if item.required else "no"
        lines.append(f"| `{item.name}` | {required} | {default} | {_cell(item.description)} |")
    lines += ["", "### Outputs", "", "| name | description |", "| --- | --- |"]
    lines += [f"| `{o.name}` | {_cell(o.description)} |" for o in spec.outputs]
    lines += ["", DOC_END]
    return "\n".join(lines)


def replace_reference(readme: str, spec: ActionSpec) -> str:
    """The README with its generated section brought up to date."""
    start, end = readme.find(DOC_START), readme.find(DOC_END)
    if start < 0 or end < start:
        raise ValueError(f"README of {spec.command} lacks the {DOC_START} … {DOC_END} markers")
    return readme[:start] + render_reference(spec) + readme[end + len(DOC_END) :]
