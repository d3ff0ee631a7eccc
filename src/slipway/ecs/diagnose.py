"""Why a deployment failed: recent service events and the stopped tasks of the failed
task definition (stop code, stopped reason, each container's exit code and reason).

``collect_diagnosis`` does the I/O (best effort: a diagnosis never hides the original
failure); ``parse_stopped_task`` and ``explain`` are pure and format the result as plain
text for the log and as a markdown section for the job summary.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slipway.ecs.deployment import DeploymentState, ServiceEvent

MAX_EVENTS = 10
MAX_TASKS = 5


@dataclass(frozen=True)
class ContainerStop:
    name: str
    exit_code: int | None
    reason: str | None
    last_status: str | None = None

    def describe(self) -> str:
        parts = [f"container {self.name}"]
        if self.exit_code is not None:
            parts.append(f"exit code {self.exit_code}")
        if self.reason:
            parts.append(self.reason)
        if self.exit_code is None and not self.reason:
            parts.append(f"no exit code ({self.last_status or 'unknown status'})")
        return ": ".join([parts[0], ", ".join(parts[1:])])


@dataclass(frozen=True)
class StoppedTask:
    arn: str
    task_definition: str | None
    started_by: str | None
    stop_code: str | None
    stopped_reason: str | None
    stopped_at: datetime | None
    containers: tuple[ContainerStop, ...] = ()

    @property
    def task_id(self) -> str:
        return self.arn.rsplit("/", 1)[-1]

    def describe(self) -> str:
        head = self.stopped_reason or "stopped (no reason given)"
        if self.stop_code:
            head += f" [{self.stop_code}]"
        details = "; ".join(c.describe() for c in self.containers)
        return f"task {self.task_id[:12]}: {head}" + (f"; {details}" if details else "")


@dataclass
class Diagnosis:
    headline: str
    events: list[ServiceEvent] = field(default_factory=list)
    stopped_tasks: list[StoppedTask] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = [self.headline]
        if self.stopped_tasks:
            lines.append(f"Stopped tasks ({len(self.stopped_tasks)}):")
            lines.extend(f"  - {task.describe()}" for task in self.stopped_tasks)
        if self.events:
            lines.append(f"Recent service events ({len(self.events)}, oldest first):")
            lines.extend(f"  {event.line()}" for event in self.events)
        lines.extend(self.notes)
        return "\n".join(lines)

    def markdown(self) -> str:
        lines = ["### Why the deployment failed", "", _md(self.headline), ""]
        if self.stopped_tasks:
            lines += ["**Stopped tasks**", ""]
            lines += [f"- {_md(task.describe())}" for task in self.stopped_tasks]
            lines.append("")
        if self.events:
            lines += ["<details><summary>Recent service events</summary>", "", "```text"]
            lines += [event.line().replace("```", "'''") for event in self.events]
            lines += ["```", "", "</details>", ""]
        lines += [f"_{_md(note)}_" for note in self.notes]
        return "\n".join(lines).rstrip() + "\n"


def _md(text: str) -> str:
    """Keep user text from being read as markdown structure."""
    for char in ("\\", "`", "*", "_", "<", ">", "|", "["):
        text = text.replace(char, "\\" + char)
    return text


def parse_stopped_task(task: Mapping[str, Any]) -> StoppedTask:
    containers = tuple(
        ContainerStop(
            name=str(c.get("name", "?")),
            exit_code=c.get("exitCode"),
            reason=c.get("reason"),
            last_status=c.get("lastStatus"),
        )
        for c in task.get("containers") or []
    )
    return StoppedTask(
        arn=str(task.get("taskArn", "?")),
        task_definition=task.get("taskDefinitionArn"),
        started_by=task.get("startedBy"),
        stop_code=task.get("stopCode"),
        stopped_reason=task.get("stoppedReason"),
        stopped_at=task.get("stoppedAt"),
        containers=containers,
    )


def recent_events(service: Mapping[str, Any] | None, limit: int = MAX_EVENTS) -> list[ServiceEvent]:
    """The ``limit`` newest service events, oldest first."""
    raw = list((service or {}).get("events") or [])[:limit]
    return [ServiceEvent.from_api(e) for e in reversed(raw)]


def _stopped_key(task: StoppedTask) -> float:
    return task.stopped_at.timestamp() if task.stopped_at else 0.0


def relevant_stopped_tasks(
    tasks: Sequence[Mapping[str, Any]],
    *,
    deployment_id: str | None,
    task_definition: str | None,
    limit: int = MAX_TASKS,
) -> list[StoppedTask]:
    """Stopped tasks of the failed deployment (tasks a service starts carry the deployment
    id in ``startedBy``) or of its task definition; newest first."""
    parsed = [parse_stopped_task(t) for t in tasks]
    picked = [
        t
        for t in parsed
        if (deployment_id and t.started_by == deployment_id)
        or (task_definition and t.task_definition == task_definition)
    ]
    picked.sort(key=_stopped_key, reverse=True)
    return picked[:limit]


def explain(
    state: DeploymentState | None,
    events: Sequence[ServiceEvent],
    stopped: Sequence[StoppedTask],
    *,
    outcome: str | None = None,
    notes: Sequence[str] = (),
    reason: str | None = None,
) -> Diagnosis:
    """The pure part: a headline plus the evidence. ``reason`` (the watch's verdict, e.g.
    from the service deployment) replaces the rollout state's reason."""
    if state is None:
        headline = f"Deployment {outcome or 'failed'}: no state was read from ECS."
    else:
        verb = {
            "failed": "failed",
            "rolled_back": "was rolled back",
            "replaced": "was replaced",
            "stopped": "was stopped",
            "completed": "completed",
            "in_progress": "did not finish in time",
        }.get(outcome or state.status, outcome or state.status)
        td = (state.task_definition or "").rsplit("/", 1)[-1] or "?"
        headline = f"Deployment {state.deployment_id} ({td}) {verb}: {reason or state.reason}"
        if state.failed_tasks:
            headline += f" ({state.failed_tasks} task(s) failed)"
    return Diagnosis(headline, list(events), list(stopped), list(notes))


def collect_diagnosis(
    ecs: Any,
    cluster: str,
    service: str,
    state: DeploymentState | None,
    *,
    task_definition: str | None = None,
    service_payload: Mapping[str, Any] | None = None,
    outcome: str | None = None,
    reason: str | None = None,
    max_events: int = MAX_EVENTS,
    max_tasks: int = MAX_TASKS,
) -> Diagnosis:
    """Gather the evidence with ``describe_services`` (unless ``service_payload`` is given),
    ``list_tasks(desiredStatus=STOPPED)`` and ``describe_tasks``. Never raises on API errors:
    they become notes in the diagnosis."""
    notes: list[str] = []
    deployment_id = state.deployment_id if state else None
    task_definition = task_definition or (state.task_definition if state else None)
    if service_payload is None:
        try:
            response = ecs.describe_services(cluster=cluster, services=[service])
            services = response.get("services") or []
            service_payload = services[0] if services else None
        except Exception as exc:
            notes.append(f"could not read service events: {exc}")
    events = recent_events(service_payload, max_events)

    stopped: list[StoppedTask] = []
    try:
        raw = _stopped_task_payloads(ecs, cluster, service, task_definition)
        stopped = relevant_stopped_tasks(
            raw, deployment_id=deployment_id, task_definition=task_definition, limit=max_tasks
        )
    except Exception as exc:
        notes.append(f"could not list stopped tasks: {exc}")
    return explain(state, events, stopped, outcome=outcome, notes=notes, reason=reason)


def _stopped_task_payloads(
    ecs: Any, cluster: str, service: str, task_definition: str | None
) -> list[Mapping[str, Any]]:
    arns: list[str] = list(
        ecs.list_tasks(cluster=cluster, serviceName=service, desiredStatus="STOPPED").get(
            "taskArns", []
        )
    )
    if not arns and task_definition:
        family = task_definition.rsplit("/", 1)[-1].split(":", 1)[0]
        arns = list(
            ecs.list_tasks(cluster=cluster, family=family, desiredStatus="STOPPED").get(
                "taskArns", []
            )
        )
    tasks: list[Mapping[str, Any]] = []
    for i in range(0, min(len(arns), 100), 100):
        response = ecs.describe_tasks(cluster=cluster, tasks=arns[i : i + 100])
        tasks.extend(response.get("tasks") or [])
    return tasks
