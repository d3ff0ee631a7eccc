"""One-off tasks (database migrations) run with the new task definition before the service
is updated: same network and launch settings as the service, a command override for one
container, and success only when that container exited 0.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from slipway.ecs.polling import Backoff, PollSchedule, error_summary, is_throttling

STARTED_BY = "slipway"


@dataclass(frozen=True)
class OneOffResult:
    ok: bool
    reason: str
    task_arn: str | None
    exit_code: int | None
    stopped_reason: str | None
    elapsed: float
    polls: int
    timed_out: bool = False

    def to_json(self) -> dict[str, object]:
        return {
            "ok": self.ok,
            "reason": self.reason,
            "task_arn": self.task_arn,
            "exit_code": self.exit_code,
            "stopped_reason": self.stopped_reason,
            "elapsed_seconds": round(self.elapsed, 3),
            "timed_out": self.timed_out,
        }


# -- pure ------------------------------------------------------------------------------------


def build_run_task_request(
    cluster: str,
    task_definition: str,
    service: Mapping[str, Any],
    container: str,
    command: Sequence[str],
    *,
    started_by: str = STARTED_BY,
) -> dict[str, Any]:
    """``run_task`` arguments: launch type or capacity provider strategy, platform version
    and network configuration copied from the service payload."""
    request: dict[str, Any] = {
        "cluster": cluster,
        "taskDefinition": task_definition,
        "count": 1,
        "startedBy": started_by,
        "overrides": {"containerOverrides": [{"name": container, "command": list(command)}]},
    }
    strategy = service.get("capacityProviderStrategy")
    if strategy:
        request["capacityProviderStrategy"] = [dict(item) for item in strategy]
    else:
        request["launchType"] = service.get("launchType") or "FARGATE"
    if service.get("platformVersion") and service.get("platformVersion") != "LATEST":
        request["platformVersion"] = service["platformVersion"]
    network = service.get("networkConfiguration")
    if network:
        awsvpc = dict(network.get("awsvpcConfiguration") or {})
        request["networkConfiguration"] = {"awsvpcConfiguration": awsvpc}
    return request


def judge_one_off(task: Mapping[str, Any], container: str) -> tuple[bool, str]:
    """Whether a STOPPED task succeeded: the named container exited with code 0."""
    status = task.get("lastStatus")
    stopped_reason = task.get("stoppedReason")
    stop_code = task.get("stopCode")
    context = ", ".join(
        part
        for part in (
            f"task stopped: {stopped_reason}" if stopped_reason else "",
            f"stopCode {stop_code}" if stop_code else "",
        )
        if part
    )
    suffix = f" ({context})" if context else ""
    if status != "STOPPED":
        return False, f"task is {status or 'in an unknown state'}, not STOPPED"
    containers = task.get("containers") or []
    match = next((c for c in containers if c.get("name") == container), None)
    if match is None:
        names = ", ".join(sorted(str(c.get("name")) for c in containers)) or "none"
        return False, f"no container named {container!r} in the task (containers: {names})"
    exit_code = match.get("exitCode")
    container_reason = match.get("reason")
    if exit_code is None:
        why = f": {container_reason}" if container_reason else ""
        return False, f"container {container} has no exit code (it did not run){why}{suffix}"
    if exit_code != 0:
        why = f": {container_reason}" if container_reason else ""
        return False, f"container {container} exited with code {exit_code}{why}{suffix}"
    return True, f"container {container} exited with code 0"


# -- I/O --------------------------------------------------------------------------------------


def _call(
    fn: Callable[[], Any],
    backoff: Backoff,
    sleep: Callable[[float], None],
    clock: Callable[[], float],
    deadline: float,
) -> Any:
    """Call ``fn``, retrying throttling errors with backoff until the deadline."""
    while True:
        try:
            result = fn()
        except Exception as exc:
            if not is_throttling(exc) or clock() >= deadline:
                raise
            sleep(min(backoff.next_delay(), max(0.0, deadline - clock())))
            continue
        backoff.reset()
        return result


def run_one_off(
    ecs_client: Any,
    cluster: str,
    task_definition: str,
    container: str,
    command: Sequence[str],
    *,
    service: str | None = None,
    service_payload: Mapping[str, Any] | None = None,
    timeout_s: float = 900.0,
    schedule: PollSchedule | None = None,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> OneOffResult:
    """Start the task, wait until it is STOPPED (or ``timeout_s``), then judge it.

    Network and launch settings come from ``service_payload``, or from ``service`` via
    ``describe_services``. A timed-out task is left running (stopping a migration half-way
    is worse than letting it finish) and reported with its ARN.
    """
    schedule = schedule if schedule is not None else PollSchedule(hot=None)
    schedule.reset()
    backoff = Backoff()
    start = clock()
    deadline = start + timeout_s
    polls = 0

    def done(
        ok: bool,
        reason: str,
        arn: str | None,
        task: Mapping[str, Any] | None = None,
        timed_out: bool = False,
    ) -> OneOffResult:
        exit_code = None
        if task is not None:
            match = next(
                (c for c in task.get("containers") or [] if c.get("name") == container), None
            )
            exit_code = match.get("exitCode") if match else None
        return OneOffResult(
            ok=ok,
            reason=reason,
            task_arn=arn,
            exit_code=exit_code,
            stopped_reason=task.get("stoppedReason") if task else None,
            elapsed=clock() - start,
            polls=polls,
            timed_out=timed_out,
        )

    if service_payload is None:
        if service is None:
            raise ValueError("run_one_off needs service or service_payload for network settings")
        response = _call(
            lambda: ecs_client.describe_services(cluster=cluster, services=[service]),
            backoff,
            sleep,
            clock,
            deadline,
        )
        services = response.get("services") or []
        if not services:
            return done(False, f"service {service!r} not found in cluster {cluster!r}", None)
        service_payload = services[0]

    request = build_run_task_request(cluster, task_definition, service_payload, container, command)
    try:
        response = _call(lambda: ecs_client.run_task(**request), backoff, sleep, clock, deadline)
    except Exception as exc:
        refusal = error_summary(exc)
        if refusal is None:
            raise
        return done(False, f"run_task refused: {refusal}", None)
    tasks = response.get("tasks") or []
    if not tasks:
        failures = "; ".join(
            f"{f.get('reason', '?')}" + (f" ({f['detail']})" if f.get("detail") else "")
            for f in response.get("failures") or []
        )
        return done(False, f"run_task started no task: {failures or 'no reason given'}", None)
    arn = str(tasks[0]["taskArn"])
    task: Mapping[str, Any] = tasks[0]
    last_status = task.get("lastStatus")

    while task.get("lastStatus") != "STOPPED":
        remaining = deadline - clock()
        if remaining <= 0:
            return done(
                False,
                f"one-off task {arn} still {task.get('lastStatus')} after {timeout_s:.0f}s "
                "(left running)",
                arn,
                task,
                timed_out=True,
            )
        changed = task.get("lastStatus") != last_status
        last_status = task.get("lastStatus")
        sleep(min(schedule.next_delay(changed), remaining))
        polls += 1
        described = _call(
            lambda: ecs_client.describe_tasks(cluster=cluster, tasks=[arn]),
            backoff,
            sleep,
            clock,
            deadline,
        )
        found = described.get("tasks") or []
        if found:
            task = found[0]

    ok, reason = judge_one_off(task, container)
    return done(ok, reason, arn, task)
