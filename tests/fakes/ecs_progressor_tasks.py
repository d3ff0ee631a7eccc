"""One-off tasks in the ECS progressor (tests/fakes/ecs_progressor.py): RunTask,
DescribeTasks and StopTask answers for the tasks moto started, rewritten to ECS's task
lifecycle (the progressor's docstring describes it)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

CONTENT_TYPE = "application/x-amz-json-1.1"
EXITED_STOP_CODE = "EssentialContainerExited"
EXITED_REASON = "Essential container in task exited"
USER_STOP_CODE = "UserInitiated"
USER_STOP_REASON = "Task stopped by user"  # ECS's when StopTask gives no reason
RUN_TASK_CRASH = (
    "the emulator could not run the task (moto answered HTTP {status}); moto crashes when a "
    "container definition has neither memory nor memoryReservation, or when an awsvpc "
    "task's VPC has enableDnsHostnames off"
)


@dataclass(frozen=True)
class OneOff:
    """What a one-off task does: its container exits with ``exit_code`` after ``after_s``."""

    exit_code: int = 0
    after_s: float = 1.0

    def __post_init__(self) -> None:
        if isinstance(self.exit_code, bool) or not isinstance(self.exit_code, int):
            raise ValueError(f"exit_code must be an integer, got {self.exit_code!r}")
        if not 0 <= self.exit_code <= 255:
            raise ValueError(f"exit_code must be between 0 and 255, got {self.exit_code}")
        if self.after_s <= 0:
            raise ValueError(f"after_s must be positive, got {self.after_s}")


@dataclass
class TaskRecord:
    """One task started through the double: when, with which scenario, who exits."""

    arn: str
    created: float
    one_off: OneOff
    exiting: str | None  # the container that exits with the scenario's code
    stopped: tuple[float, str] | None = None  # StopTask: when, reason

    def stop_at(self) -> float:
        natural = self.created + self.one_off.after_s
        return natural if self.stopped is None else min(natural, self.stopped[0])

    def user_stopped(self) -> bool:
        return self.stopped is not None and self.stopped[0] < self.created + self.one_off.after_s


def _ms(at: float) -> float:
    return round(at, 3)


def task_payload(task: dict[str, Any], record: TaskRecord, now: float) -> None:
    """Rewrite one moto task payload in place with the state ``record`` has reached at
    ``now`` (pure: the lifecycle in the module docstring)."""
    t0, after = record.created, record.one_off.after_s
    stop_at = record.stop_at()
    marks = {"PENDING": t0 + after / 4, "RUNNING": t0 + after / 2, "STOPPED": stop_at}
    reached = [s for s, at in marks.items() if at <= now and at <= stop_at]
    status = reached[-1] if reached else "PROVISIONING"
    for key in ("stopCode", "stoppedReason", "stoppingAt", "stoppedAt", "executionStoppedAt"):
        task.pop(key, None)  # moto sends stoppedReason "" for a running task; ECS omits it
    task["createdAt"] = _ms(t0)
    task["lastStatus"] = status
    task["desiredStatus"] = "STOPPED" if status == "STOPPED" else "RUNNING"
    if "PENDING" in reached:
        task["pullStartedAt"] = _ms(marks["PENDING"])
    if "RUNNING" in reached:
        task["pullStoppedAt"] = task["startedAt"] = _ms(marks["RUNNING"])
        task["connectivity"], task["connectivityAt"] = "CONNECTED", _ms(marks["RUNNING"])
    user = record.user_stopped()
    if status == "STOPPED":
        task["stopCode"] = USER_STOP_CODE if user else EXITED_STOP_CODE
        task["stoppedReason"] = record.stopped[1] if user and record.stopped else EXITED_REASON
        for key in ("executionStoppedAt", "stoppingAt", "stoppedAt"):
            task[key] = _ms(stop_at)
    container_status = "PENDING" if status == "PROVISIONING" else status
    for container in task.get("containers") or []:
        container["taskArn"] = task.get("taskArn")  # moto puts the task definition's ARN here
        container["lastStatus"] = container_status
        container.pop("exitCode", None)
        if status == "STOPPED" and not user:
            exits = container.get("name") == record.exiting
            container["exitCode"] = record.one_off.exit_code if exits else 0


def exiting_container(request: dict[str, Any], task: dict[str, Any]) -> str | None:
    """The container whose exit ends a one-off task: the first one given a command."""
    overrides = (request.get("overrides") or {}).get("containerOverrides") or []
    named = next((o.get("name") for o in overrides if o.get("command") and o.get("name")), None)
    if named is not None:
        return str(named)
    first: dict[str, Any] = next(iter(task.get("containers") or []), {})
    return str(first["name"]) if first.get("name") else None


def _name(value: str) -> str:
    """``arn:…:cluster/app`` → ``app``; ``arn:…:service/app/web`` → ``web``; names as is."""
    return value.rsplit("/", 1)[-1]


Forward = Callable[[str, str, dict[str, str], bytes], tuple[int, list[tuple[str, str]], bytes]]


class TasksMixin:
    """The one-off task half of EcsProgressor."""

    _lock: threading.RLock
    _clock: Callable[[], float]
    _one_offs: dict[tuple[str | None, str | None], OneOff]
    _tasks: dict[str, TaskRecord]

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]: ...

    def set_one_off(
        self,
        cluster: str | None = None,
        family: str | None = None,
        *,
        exit_code: int = 0,
        after_s: float = 1.0,
    ) -> None:
        """What later one-off tasks of ``cluster``/``family`` do (None: any); see the module
        docstring."""
        one_off = OneOff(exit_code, float(after_s))
        key = (None if cluster is None else _name(cluster), family)
        with self._lock:
            self._one_offs[key] = one_off

    def _one_off_for(self, cluster: str, family: str) -> OneOff:
        for key in ((cluster, family), (cluster, None), (None, family), (None, None)):
            if key in self._one_offs:
                return self._one_offs[key]
        return OneOff()

    def _record_of(self, task: str) -> TaskRecord | None:
        """The record of a task named by ARN or by id."""
        return self._tasks.get(task) or next(
            (r for arn, r in self._tasks.items() if arn.rsplit("/", 1)[-1] == task), None
        )

    def _task_call(
        self,
        operation: str,
        request: dict[str, Any],
        path: str,
        headers: dict[str, str],
        body: bytes,
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """RunTask, DescribeTasks, StopTask: moto's answer with recorded tasks rewritten."""
        with self._lock:
            status, out_headers, data = self._forward("POST", path, headers, body)
            if operation == "RunTask" and status >= 500:
                message = RUN_TASK_CRASH.format(status=status)
                error = {"__type": "ClientException", "message": message}
                return 400, [("Content-Type", CONTENT_TYPE)], json.dumps(error).encode()
            if status != 200:
                return status, out_headers, data
            response = json.loads(data)
            now = self._clock()
            if operation == "RunTask":
                cluster = _name(str(request.get("cluster") or "default"))
                for task in response.get("tasks") or []:
                    family = _name(str(task.get("taskDefinitionArn", ""))).split(":")[0]
                    self._tasks[str(task["taskArn"])] = TaskRecord(
                        str(task["taskArn"]),
                        now,
                        self._one_off_for(cluster, family),
                        exiting_container(request, task),
                    )
            if operation == "StopTask":
                record = self._record_of(str(request.get("task") or ""))
                if record is not None and record.stopped is None and now < record.stop_at():
                    record.stopped = (now, str(request.get("reason") or USER_STOP_REASON))
            tasks = list(response.get("tasks") or [])
            if isinstance(response.get("task"), dict):
                tasks.append(response["task"])
            for task in tasks:
                found = self._tasks.get(str(task.get("taskArn")))
                if found is not None:
                    task_payload(task, found, now)
            return status, out_headers, json.dumps(response).encode()
