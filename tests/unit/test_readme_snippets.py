"""Every YAML snippet in the READMEs is a valid and safe piece of workflow.

Readers copy these snippets into their workflows, so each one is taken out of its markdown,
wrapped into a minimal workflow when it is a fragment (a list of steps, or a job's keys), and
checked as a workflow: YAML that parses, actionlint, zizmor (tests/fixtures/zizmor-snippets.yml
allows this project's own actions by moving major tag, as test_workflow_pins does), no
expression expanded inside `run:` (step outputs such as alarm reasons are free text: they
reach the shell through `env:`), third-party actions pinned by SHA, and only inputs the
slipway action declares.

A fragment's wrapping is kept small and says what it adds: `on: workflow_dispatch`, a job on
ubuntu-latest with the permissions a slipway step needs (contents: read, id-token: write),
and a stub job for each job the snippet names in `needs` (with the outputs it reads), since
those live in the reader's workflow.
"""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.unit.test_workflow_pins import is_pinned, uses_values

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = REPO / ".venv" / "bin"
READMES = sorted(
    {
        REPO / "README.md",
        *REPO.glob("actions/*/README.md"),
        *REPO.glob("modules/*/README.md"),
        *REPO.glob("examples/*/README.md"),
        *REPO.glob("docs/*.md"),
    }
)
FENCE = re.compile(r"^```ya?ml[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
NEEDS_OUTPUT = re.compile(r"needs\.([A-Za-z_][\w-]*)\.outputs\.([A-Za-z_][\w-]*)")
OWN_ACTION = re.compile(r"slipway-platform/slipway(?:/actions/([\w-]+))?@")
ROOT_ACTION = re.compile(r"slipway-platform/slipway@v\d+$")  # the root action, by moving tag
# Read the repository, assume the environment's role through GitHub OIDC.
FRAGMENT_PERMISSIONS = {"contents": "read", "id-token": "write"}
ZIZMOR_CONFIG = REPO / "tests" / "fixtures" / "zizmor-snippets.yml"
ZIZMOR = [str(VENV_BIN / "zizmor"), "--offline"]


@dataclass(frozen=True)
class Snippet:
    readme: Path
    line: int
    text: str

    @property
    def name(self) -> str:
        return f"{self.readme.relative_to(REPO)}:{self.line}"


def snippets() -> list[Snippet]:
    found = []
    for readme in READMES:
        text = readme.read_text()
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 2  # the snippet's first line
            found.append(Snippet(readme, line, match.group(1)))
    return found


SNIPPETS = snippets()


class WorkflowLoader(yaml.SafeLoader):
    """YAML as GitHub reads workflows: only true and false are booleans (YAML 1.1 would
    read the `on:` key as True)."""


WorkflowLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
WorkflowLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf")
)


def stub_jobs(snippet: str, defined: set[str], needed: list[str]) -> dict[str, Any]:
    """A job for each job the snippet needs but does not define, with the outputs it reads."""
    outputs: dict[str, set[str]] = {name: set() for name in needed}
    for job, output in NEEDS_OUTPUT.findall(snippet):
        outputs.setdefault(job, set()).add(output)
    return {
        job: {
            "runs-on": "ubuntu-latest",
            "permissions": {},
            "outputs": {name: "stub" for name in sorted(names)} or None,
            "steps": [{"run": "true"}],
        }
        for job, names in outputs.items()
        if job not in defined
    }


def _needs(job: Any) -> list[str]:
    needs = job.get("needs", []) if isinstance(job, dict) else []
    return [needs] if isinstance(needs, str) else list(needs)


def as_workflow(document: Any, text: str) -> dict[str, Any]:
    """The snippet as a whole workflow: itself, or wrapped when it is a fragment."""
    if isinstance(document, list):  # a list of steps
        document = {"runs-on": "ubuntu-latest", "steps": document}
    if isinstance(document, dict) and "steps" in document and "jobs" not in document:
        # A job's keys; the permissions a slipway step needs unless the snippet says.
        job = {"runs-on": "ubuntu-latest", "permissions": FRAGMENT_PERMISSIONS, **document}
        stubs = stub_jobs(text, {"snippet"}, [])
        if stubs:
            job["needs"] = sorted(stubs)
        return {"on": "workflow_dispatch", "jobs": {**stubs, "snippet": job}}
    if isinstance(document, dict) and isinstance(document.get("jobs"), dict):
        jobs = document["jobs"]
        needed = [name for job in jobs.values() for name in _needs(job)]
        workflow = {"on": "workflow_dispatch", **document}
        workflow["jobs"] = {**stub_jobs(text, set(jobs), needed), **jobs}
        return workflow
    raise AssertionError("not a workflow, a job's keys, or a list of steps")


def _without_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_none(v) for v in value]
    return value


def workflow_of(snippet: Snippet) -> dict[str, Any]:
    document = yaml.load(snippet.text, Loader=WorkflowLoader)
    return dict(_without_none(as_workflow(document, snippet.text)))


@dataclass(frozen=True)
class Checked:
    """A snippet's workflow file and what actionlint and zizmor said about it."""

    path: Path
    workflow: dict[str, Any]
    actionlint: list[str]
    zizmor: list[str]


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Checked | str]:
    """Every snippet as a workflow file in one directory, each tool run once over all of
    them; a snippet that cannot be made a workflow maps to the reason."""
    root = tmp_path_factory.mktemp("snippets")
    folder = root / ".github" / "workflows"
    folder.mkdir(parents=True)
    made: dict[str, tuple[Path, dict[str, Any]]] = {}
    refused: dict[str, str] = {}
    for index, snippet in enumerate(SNIPPETS):
        try:
            workflow = workflow_of(snippet)
        except (yaml.YAMLError, AssertionError) as error:
            refused[snippet.name] = f"{snippet.name}: {error}"
            continue
        path = folder / f"snippet-{index:02d}.yml"
        path.write_text(yaml.safe_dump(workflow, sort_keys=False))
        made[snippet.name] = (path, workflow)
    files = [str(path) for path, _ in made.values()]
    lint = run_tool([str(VENV_BIN / "actionlint"), "-no-color", "-shellcheck=", *files], root)
    audit = run_tool(
        [
            *ZIZMOR,
            "--no-progress",
            "--format",
            "json",
            "--config",
            str(ZIZMOR_CONFIG),
            *files,
        ],
        root,
    )
    findings = json.loads(audit.stdout or "[]")
    assert audit.returncode in (0, *range(10, 15)), audit.stderr  # 1x: findings were made
    results: dict[str, Checked | str] = dict(refused)
    for name, (path, workflow) in made.items():
        lint_lines = [line for line in lint.stdout.splitlines() if line.startswith(str(path))]
        said = [
            f"{f['ident']}: {f['desc']} ({f['locations'][0]['concrete']['feature'].strip()})"
            for f in findings
            if f["locations"][0]["symbolic"]["key"]["Local"]["verbatim_path"] == str(path)
        ]
        results[name] = Checked(path, workflow, lint_lines, said)
    return results


def run_tool(command: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=False, cwd=cwd)


def steps_of(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        step
        for job in workflow["jobs"].values()
        for step in (job.get("steps") or [])
        if isinstance(step, dict)
    ]


def declared_inputs(uses: str) -> set[str] | None:
    """The inputs of this project's action named by ``uses``, or None for other actions."""
    match = OWN_ACTION.match(uses)
    if match is None:
        return None
    action = REPO / "actions" / match.group(1) / "action.yml" if match.group(1) else None
    document = yaml.safe_load((action or REPO / "action.yml").read_text())
    return set(document.get("inputs") or {})


def test_the_readmes_have_snippets() -> None:
    assert len(SNIPPETS) >= 10, [s.name for s in SNIPPETS]


@pytest.mark.parametrize("snippet", SNIPPETS, ids=lambda s: s.name)
def test_snippet_is_a_valid_and_safe_workflow(
    snippet: Snippet, checked: dict[str, Checked | str]
) -> None:
    result = checked[snippet.name]
    assert isinstance(result, Checked), result
    for step in steps_of(result.workflow):
        assert "${{" not in str(step.get("run", "")), (
            f"{snippet.name}: an expression expanded inside run: pass it through env:"
        )
        uses = str(step.get("uses", ""))
        inputs = declared_inputs(uses)
        if inputs is not None:
            unknown = set(step.get("with") or {}) - inputs
            assert not unknown, f"{snippet.name}: {uses} has no input {sorted(unknown)}"
    unpinned = [
        uses
        for uses in uses_values(result.workflow)
        if not (is_pinned(uses) or ROOT_ACTION.match(uses))
    ]
    assert unpinned == [], f"{snippet.name}: pin third-party actions by commit SHA"
    assert result.actionlint == [], snippet.name
    assert result.zizmor == [], f"{snippet.name}\n{result.path.read_text()}"


UNSAFE = """\
- uses: slipway-platform/slipway/actions/cw-alarms-check@v0
  id: bake
  with: { alarm-name-prefixes: web-prod- }
- if: failure() && steps.bake.outputs.result == 'breached'
  run: 'echo "rolling back: ${{ steps.bake.outputs.breached }}"'
"""


def test_the_checks_refuse_an_output_expanded_inside_run(tmp_path: Path) -> None:
    """The snippet the rollback example used to be (quoted into valid YAML): zizmor and
    this test both object."""
    workflow = workflow_of(Snippet(REPO / "README.md", 1, UNSAFE))
    assert any("${{" in str(step.get("run", "")) for step in steps_of(workflow))
    path = tmp_path / "unsafe.yml"
    path.write_text(yaml.safe_dump(workflow, sort_keys=False))
    audit = run_tool([*ZIZMOR, "--format", "json", str(path)], tmp_path)
    assert "template-injection" in {f["ident"] for f in json.loads(audit.stdout)}


def test_a_snippet_that_is_not_yaml_is_refused() -> None:
    # The old rollback snippet: a plain scalar holding ': ' is not valid YAML.
    with pytest.raises(yaml.YAMLError):
        yaml.safe_load('- run: echo "rolling back: ${{ steps.bake.outputs.breached }}"')
