"""An ECS endpoint that progresses deployments and one-off tasks: a test double in front of
the moto server.

Why it exists: moto's ECS never moves a deployment forward. After ``UpdateService`` moto
changes the service's ``taskDefinition`` but keeps its single deployment (with the *old*
task definition, IN_PROGRESS) forever: no new deployment id, no COMPLETED, no circuit
breaker, no rollback, no service events. The ``ecs-deploy`` action waits for exactly those,
so a run of the real action (for example through ``act``) against moto alone could never
finish. Its one-off tasks (a migration before the deploy) fare no better: moto's task goes
to STOPPED after four ``DescribeTasks`` calls whatever time passed, never sets ``stopCode``
or ``stoppedAt``, and keeps its container PENDING with ``exitCode`` 0, so a migration can
neither take time nor fail. No real ECS can run here; this double supplies only the missing
dynamics and leaves every other answer to moto.

How it is used: an HTTP server on ``127.0.0.1:<free port>`` that speaks ECS's JSON protocol
(``POST /``, ``X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>``,
``Content-Type: application/x-amz-json-1.1``). Point ECS clients at it with
``AWS_ENDPOINT_URL_ECS`` (or ``endpoint_url``) and everything else at moto with
``AWS_ENDPOINT_URL``. Every request is forwarded to moto unchanged (same method, path,
headers and body; moto does not check signatures), and moto's answer is returned unchanged,
except for:

* ``UpdateService`` that changes the task definition (or sets ``forceNewDeployment``):
  after moto accepted it, a new deployment is recorded -- ``id`` ``ecs-svc/<19 digits>``,
  ``status`` PRIMARY, ``rolloutState`` IN_PROGRESS, ``createdAt`` now, ``taskDefinition``
  the new ARN, ``desiredCount`` the service's, ``pendingCount``/``runningCount`` 0 -- and
  the service's previous PRIMARY becomes ACTIVE. The response lists the new PRIMARY
  deployment, as ECS's does, so the caller can identify its deployment by id.
* ``DescribeServices`` / ``UpdateService`` responses for a service with a recorded
  deployment: ``deployments``, ``runningCount``, ``pendingCount``, ``taskDefinition`` (the
  PRIMARY deployment's) and ``events`` (newest first, ``{id, createdAt, message}``, ahead of
  moto's own) are rewritten to the state the service's scenario has reached by now;
  ``deploymentConfiguration`` sent with ``CreateService``/``UpdateService`` through the
  double is reported back (moto drops it).
* ``RunTask``: forwarded to moto (so the task exists there and ``ListTasks`` finds it);
  every task moto started is recorded with the one-off scenario of its cluster and task
  definition family. ``RunTask``, ``DescribeTasks`` and ``StopTask`` answers for recorded
  tasks are rewritten to the state reached by now (see "One-off tasks" below).
* A ``RunTask`` that crashes moto (HTTP 5xx) is answered 400 ``ClientException`` with a
  one-line message naming moto's two known crashes, instead of moto's HTML page (which
  botocore would retry): a container definition with neither ``memory`` nor
  ``memoryReservation`` (valid on Fargate), and an awsvpc task in a VPC without
  ``enableDnsHostnames``. The project's emulator (scripts/emulator_server.py) fixes the
  first; tests that run tasks turn DNS hostnames on.

Scenarios are set per service before the update, through the control API
``POST /_progressor/scenario`` with JSON ``{"cluster": "app", "service": "web", "outcome":
"completed" | "circuit_breaker" | "stuck", "after_s": 5, "drain_s": 2}`` (in-process:
``EcsProgressor.set_scenario``); ``GET /_progressor/state`` shows what is recorded and
``POST /_progressor/reset`` forgets everything. A scenario applies to every later update of
that service; a service without one gets ``stuck``. Times are real seconds from the
``UpdateService`` call; the steps are applied when the next ECS request arrives. The
payloads and messages follow ECS's and ``tests/fakes/ecs_scenarios.py``'s:

* ``completed``: at ``after_s/4`` the new tasks start ("(service web) has started 2 tasks:
  (task …) (task …)."), at ``after_s/2`` all are running (running = desired), at
  ``3*after_s/4`` the old deployment's tasks stop, at ``after_s`` the rollout is COMPLETED
  ("ECS deployment <id> completed."), the old deployment is gone and the events "(service
  web) (deployment <id>) deployment completed." and "(service web) has reached a steady
  state." are written.
* ``circuit_breaker``: tasks start and fail ("has stopped 1 running tasks: (task …)",
  ``failedTasks`` grows); at ``after_s`` the rollout is FAILED with ``rolloutStateReason``
  "ECS deployment circuit breaker: tasks failed to start.", the deployment turns ACTIVE and
  a new PRIMARY deployment of the previous task definition appears ("(service web)
  (deployment <id>) deployment failed: tasks failed to start.", "(service web) rolling back
  to deployment <id>."); moto's service is pointed back at the previous task definition, as
  ECS does. ``drain_s`` later (default ``after_s/2``) the failed deployment is gone, the
  rollback is COMPLETED and the service has reached a steady state.
* ``stuck``: the new deployment stays IN_PROGRESS with its tasks pending.

One-off tasks follow ECS's task lifecycle, in real seconds from the ``RunTask`` call
(``after_s`` of the task's one-off scenario): PROVISIONING (``createdAt``; containers
PENDING, no ``exitCode``), PENDING at ``after_s/4`` (``pullStartedAt``), RUNNING at
``after_s/2`` (``pullStoppedAt``, ``startedAt``, ``connectivity`` CONNECTED; containers
RUNNING), then at ``after_s`` STOPPED: ``desiredStatus`` STOPPED, ``stopCode``
EssentialContainerExited, ``stoppedReason`` "Essential container in task exited",
``executionStoppedAt``/``stoppingAt``/``stoppedAt``, every container STOPPED. The container
that exits is the first one given a ``command`` in ``overrides.containerOverrides`` (else
the first container) and reports the scenario's ``exitCode``; the others, stopped by ECS
after it, report 0. ``StopTask`` before that stops the task at once: STOPPED, ``stopCode``
UserInitiated, ``stoppedReason`` the request's ``reason`` (ECS's "Task stopped by user"
without one), containers STOPPED without ``exitCode``; on a task already STOPPED it changes
nothing. One-off scenarios are set through ``POST /_progressor/one-off`` with JSON
``{"cluster": "app", "family": "web", "exit_code": 3, "after_s": 1}`` (in-process:
``EcsProgressor.set_one_off``); ``cluster`` and ``family`` may each be left out to cover
every cluster or family, and the most specific scenario wins (cluster+family, cluster,
family, neither). A task takes its scenario when ``RunTask`` is called. Without one it
exits 0 after 1 s: unlike a deployment, a task that never stops is not a useful default
(every caller would have to time out), and a migration that succeeds is the common case.

The service is assumed steady before the first recorded update: its previous deployment is
reported COMPLETED with running = desired (moto reports it IN_PROGRESS with 0 running).

Not modelled: the service's own tasks (the task ids in deployment events name no real task
and a diagnosis finds no stopped tasks), ``ListTasks`` (moto's: a stopped one-off task is
still desired RUNNING there), containers beyond moto's (moto lists only the task
definition's first container), exit codes of containers stopped by ``StopTask``, tasks that
fail to start (image pull errors), task placement failures, load balancers, service auto
scaling, ``minimumHealthyPercent``/``maximumPercent`` pacing, deployment alarms, blue/green
(CODE_DEPLOY) controllers, pagination, and ECS's wording of events not listed above. Other
services (EC2, IAM, …) never pass through the double.
"""

from __future__ import annotations

import copy
import functools
import http.client
import itertools
import json
import random
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."
CONTENT_TYPE = "application/x-amz-json-1.1"
CONTROL_PREFIX = "/_progressor/"
OUTCOMES = ("completed", "circuit_breaker", "stuck")
CIRCUIT_BREAKER_REASON = "ECS deployment circuit breaker: tasks failed to start."
EXITED_STOP_CODE = "EssentialContainerExited"
EXITED_REASON = "Essential container in task exited"
USER_STOP_CODE = "UserInitiated"
USER_STOP_REASON = "Task stopped by user"  # ECS's when StopTask gives no reason
RUN_TASK_CRASH = (
    "the emulator could not run the task (moto answered HTTP {status}); moto crashes when a "
    "container definition has neither memory nor memoryReservation, or when an awsvpc "
    "task's VPC has enableDnsHostnames off"
)
_HOP_BY_HOP = frozenset(
    {"connection", "content-length", "transfer-encoding", "keep-alive", "host", "expect"}
)
_SET_BY_SERVER = frozenset({"server", "date"})  # http.server writes its own


@dataclass(frozen=True)
class Scenario:
    outcome: str = "stuck"
    after_s: float = 5.0
    drain_s: float | None = None  # circuit_breaker: how long the failed deployment lingers

    def __post_init__(self) -> None:
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome must be one of {', '.join(OUTCOMES)}, got {self.outcome!r}")
        if self.after_s <= 0 or (self.drain_s is not None and self.drain_s < 0):
            raise ValueError("after_s must be positive and drain_s not negative")

    @property
    def drain(self) -> float:
        return self.after_s / 2 if self.drain_s is None else self.drain_s


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


@dataclass
class _Tracked:
    """One service's deployments and events as the double reports them."""

    cluster: str
    service: str
    deployments: list[dict[str, Any]]
    events: list[dict[str, Any]] = field(default_factory=list)  # newest first
    steps: list[tuple[float, Callable[[], None]]] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)  # to talk to moto as the caller


class EcsProgressor:
    """The double; ``with EcsProgressor(moto_url) as progressor: progressor.url``."""

    def __init__(
        self,
        upstream: str,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError(f"upstream must be an http:// URL, got {upstream!r}")
        self.upstream = upstream.rstrip("/")
        self._upstream_host = parsed.hostname
        self._upstream_port = parsed.port or 80
        self._clock = clock
        self._lock = threading.RLock()
        self._scenarios: dict[tuple[str, str], Scenario] = {}
        self._services: dict[tuple[str, str], _Tracked] = {}
        self._configs: dict[tuple[str, str], dict[str, Any]] = {}
        self._one_offs: dict[tuple[str | None, str | None], OneOff] = {}
        self._tasks: dict[str, TaskRecord] = {}  # by task ARN
        self._ids = itertools.count(1)
        self._random = random.Random()
        self.requests: list[str] = []  # operations seen, in order
        self._server = ThreadingHTTPServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> EcsProgressor:
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ecs-progressor", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EcsProgressor:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- control API -----------------------------------------------------------------------

    def set_scenario(
        self,
        cluster: str,
        service: str,
        outcome: str,
        *,
        after_s: float = 5.0,
        drain_s: float | None = None,
    ) -> None:
        """What the service's next deployments do (see the module docstring)."""
        scenario = Scenario(outcome, float(after_s), None if drain_s is None else float(drain_s))
        with self._lock:
            self._scenarios[(_name(cluster), _name(service))] = scenario

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

    def reset(self) -> None:
        with self._lock:
            self._scenarios.clear()
            self._services.clear()
            self._configs.clear()
            self._one_offs.clear()
            self._tasks.clear()
            self.requests.clear()

    def state(self) -> dict[str, Any]:
        """Recorded deployments and events per ``cluster/service`` (after due steps)."""
        with self._lock:
            for tracked in self._services.values():
                self._apply_due(tracked)
            return {
                f"{c}/{s}": {
                    "deployments": copy.deepcopy(t.deployments),
                    "events": copy.deepcopy(t.events),
                }
                for (c, s), t in self._services.items()
            }

    # -- ids and time ----------------------------------------------------------------------

    def _deployment_id(self) -> str:
        return f"ecs-svc/{self._random.randrange(10**18, 10**19)}"

    def _task_id(self) -> str:
        return f"{self._random.getrandbits(128):032x}"

    def _event_id(self) -> str:
        n = next(self._ids)
        return f"{self._random.getrandbits(32):08x}-4c1e-4b7a-9d2f-{n:012x}"

    def _event(self, tracked: _Tracked, at: float, message: str) -> None:
        event = {"id": self._event_id(), "createdAt": round(at, 3), "message": message}
        tracked.events.insert(0, event)

    # -- the scenario steps ----------------------------------------------------------------

    def _apply_due(self, tracked: _Tracked) -> None:
        now = self._clock()
        due = sorted((s for s in tracked.steps if s[0] <= now), key=lambda s: s[0])
        tracked.steps = [s for s in tracked.steps if s[0] > now]
        for _, action in due:
            action()

    def _script(self, tracked: _Tracked, scenario: Scenario, new_id: str, t0: float) -> None:
        rollout = _Rollout(self, tracked, new_id)
        steps: list[tuple[float, Callable[[float], None]]] = []
        if scenario.outcome in ("completed", "stuck"):
            steps.append((scenario.after_s / 4, rollout.start_tasks))
        if scenario.outcome == "completed":
            steps += [
                (scenario.after_s / 2, rollout.all_running),
                (scenario.after_s * 3 / 4, rollout.drain_old),
                (scenario.after_s, rollout.complete),
            ]
        elif scenario.outcome == "circuit_breaker":
            failures = 3
            gap = scenario.after_s / (failures + 1)
            for i in range(failures):
                steps += [(gap * (i + 0.5), rollout.start_one), (gap * (i + 1), rollout.fail_one)]
            steps += [
                (scenario.after_s, rollout.circuit_breaker),
                (scenario.after_s + scenario.drain, rollout.rollback_done),
            ]
        for offset, action in steps:
            when = t0 + offset
            tracked.steps.append((when, functools.partial(action, when)))

    # -- moto ------------------------------------------------------------------------------

    def _forward(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(
            self._upstream_host, self._upstream_port, timeout=60
        )
        try:
            out = {k: v for k, v in headers.items() if k.lower() not in _HOP_BY_HOP}
            out["Host"] = f"{self._upstream_host}:{self._upstream_port}"
            out["Content-Length"] = str(len(body))
            connection.request(method, path, body=body, headers=out)
            response = connection.getresponse()
            data = response.read()
            kept = [
                (k, v)
                for k, v in response.getheaders()
                if k.lower() not in _HOP_BY_HOP | _SET_BY_SERVER
            ]
            return response.status, kept, data
        finally:
            connection.close()

    def _call_upstream(
        self, tracked: _Tracked, operation: str, params: dict[str, Any]
    ) -> dict[str, Any] | None:
        headers = dict(tracked.headers)
        headers["X-Amz-Target"] = TARGET_PREFIX + operation
        headers["Content-Type"] = CONTENT_TYPE
        status, _, data = self._forward("POST", "/", headers, json.dumps(params).encode())
        return json.loads(data) if status == 200 else None

    # -- the ECS operations ----------------------------------------------------------------

    def _service_payload(self, tracked: _Tracked, service: dict[str, Any]) -> None:
        """Rewrite one moto service payload in place with the recorded state."""
        self._apply_due(tracked)
        deployments = copy.deepcopy(tracked.deployments)
        primary = next((d for d in deployments if d["status"] == "PRIMARY"), None)
        service["deployments"] = deployments
        service["runningCount"] = sum(int(d["runningCount"]) for d in deployments)
        service["pendingCount"] = sum(int(d["pendingCount"]) for d in deployments)
        if primary is not None:
            service["taskDefinition"] = primary["taskDefinition"]
        service["events"] = copy.deepcopy(tracked.events) + list(service.get("events") or [])

    def _with_config(self, service: dict[str, Any]) -> None:
        key = (_name(str(service.get("clusterArn", ""))), str(service.get("serviceName", "")))
        config = self._configs.get(key)
        if config is not None:
            service["deploymentConfiguration"] = copy.deepcopy(config)

    def _describe_one(self, headers: dict[str, str], cluster: str, service: str) -> Any:
        tracked = _Tracked(cluster, service, [], headers=headers)
        response = self._call_upstream(
            tracked, "DescribeServices", {"cluster": cluster, "services": [service]}
        )
        services = (response or {}).get("services") or []
        return services[0] if services else None

    def _update_service(
        self, headers: dict[str, str], request: dict[str, Any], method: str, path: str, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        cluster = _name(str(request.get("cluster") or "default"))
        name = _name(str(request.get("service") or ""))
        key = (cluster, name)
        with self._lock:
            tracked = self._services.get(key)
            if tracked is not None:
                self._apply_due(tracked)
            before = self._describe_one(headers, cluster, name) if tracked is None else None
            status, out_headers, data = self._forward(method, path, headers, body)
            if status != 200:
                return status, out_headers, data
            response = json.loads(data)
            service = response.get("service") or {}
            if isinstance(request.get("deploymentConfiguration"), dict):
                self._configs[key] = copy.deepcopy(request["deploymentConfiguration"])
            previous_td = (
                next(
                    (d["taskDefinition"] for d in tracked.deployments if d["status"] == "PRIMARY"),
                    None,
                )
                if tracked is not None
                else (before or {}).get("taskDefinition")
            )
            new_td = service.get("taskDefinition")
            known = tracked is not None or before is not None
            if known and new_td and (new_td != previous_td or request.get("forceNewDeployment")):
                tracked = self._record_deployment(key, tracked, before, service, headers)
            if tracked is not None:
                self._service_payload(tracked, service)
            self._with_config(service)
            return status, out_headers, json.dumps(response).encode()

    def _record_deployment(
        self,
        key: tuple[str, str],
        tracked: _Tracked | None,
        before: dict[str, Any] | None,
        service: dict[str, Any],
        headers: dict[str, str],
    ) -> _Tracked:
        now = self._clock()
        desired = int(service.get("desiredCount") or 0)
        if tracked is None:
            # The service was steady before: its one deployment COMPLETED with every task up.
            old = copy.deepcopy(((before or {}).get("deployments") or [{}])[0])
            old_td = (before or {}).get("taskDefinition") or old.get("taskDefinition")
            old_id = old.get("id") or self._deployment_id()
            created = old.get("createdAt") or now
            old.update(
                id=old_id,
                status="ACTIVE",
                taskDefinition=old_td,
                desiredCount=desired,
                runningCount=desired,
                pendingCount=0,
                failedTasks=0,
                createdAt=created,
                updatedAt=created,
                rolloutState="COMPLETED",
                rolloutStateReason=f"ECS deployment {old_id} completed.",
            )
            tracked = _Tracked(key[0], key[1], [old])
            self._services[key] = tracked
        else:
            tracked.steps.clear()  # the older deployment's script ends with its replacement
            for deployment in tracked.deployments:
                deployment["status"] = "ACTIVE"
        tracked.headers = {
            k: v for k, v in headers.items() if k.lower() in ("authorization", "x-amz-date")
        }
        template = next(iter(tracked.deployments), {})
        new_id = self._deployment_id()
        new = {
            "id": new_id,
            "status": "PRIMARY",
            "taskDefinition": service["taskDefinition"],
            "desiredCount": desired,
            "pendingCount": 0,
            "runningCount": 0,
            "failedTasks": 0,
            "createdAt": round(now, 3),
            "updatedAt": round(now, 3),
            "launchType": service.get("launchType") or template.get("launchType"),
            "platformFamily": template.get("platformFamily"),
            "platformVersion": service.get("platformVersion") or template.get("platformVersion"),
            "networkConfiguration": copy.deepcopy(
                service.get("networkConfiguration") or template.get("networkConfiguration")
            ),
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment {new_id} in progress.",
        }
        tracked.deployments.insert(0, {k: v for k, v in new.items() if v is not None})
        scenario = self._scenarios.get(key, Scenario())
        self._script(tracked, scenario, new_id, now)
        return tracked

    def _describe_services(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        with self._lock:
            for tracked in self._services.values():
                self._apply_due(tracked)  # may update moto (a rollback) before it is asked
            status, out_headers, data = self._forward(method, path, headers, body)
            if status != 200:
                return status, out_headers, data
            response = json.loads(data)
            for service in response.get("services") or []:
                key = (_name(str(service.get("clusterArn", ""))), str(service.get("serviceName")))
                recorded = self._services.get(key)
                if recorded is not None:
                    self._service_payload(recorded, service)
                self._with_config(service)
            return status, out_headers, json.dumps(response).encode()

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

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """One HTTP request: forwarded to moto, ECS deployment calls rewritten."""
        target = next((v for k, v in headers.items() if k.lower() == "x-amz-target"), "")
        operation = target.removeprefix(TARGET_PREFIX) if target.startswith(TARGET_PREFIX) else ""
        if operation:
            with self._lock:
                self.requests.append(operation)
        if method == "POST" and operation in ("RunTask", "DescribeTasks", "StopTask"):
            try:
                task_request = json.loads(body or b"{}")
            except ValueError:
                task_request = None
            if isinstance(task_request, dict):
                return self._task_call(operation, task_request, path, headers, body)
        if method == "POST" and operation in ("UpdateService", "CreateService", "DescribeServices"):
            try:
                request = json.loads(body or b"{}")
            except ValueError:
                request = None
            if isinstance(request, dict):
                if operation == "UpdateService":
                    return self._update_service(headers, request, method, path, body)
                if operation == "DescribeServices":
                    return self._describe_services(method, path, headers, body)
                status, out_headers, data = self._forward(method, path, headers, body)
                config = request.get("deploymentConfiguration")
                if status == 200 and isinstance(config, dict):
                    key = (
                        _name(str(request.get("cluster") or "default")),
                        _name(str(request.get("serviceName") or "")),
                    )
                    with self._lock:
                        self._configs[key] = copy.deepcopy(config)
                    response = json.loads(data)
                    self._with_config(response.get("service") or {})
                    data = json.dumps(response).encode()
                return status, out_headers, data
        return self._forward(method, path, headers, body)

    def control(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, Any]]:
        """The control API under ``/_progressor/``."""
        command = path[len(CONTROL_PREFIX) :].strip("/")
        if method == "POST" and command == "scenario":
            try:
                spec = json.loads(body or b"{}")
                self.set_scenario(
                    str(spec["cluster"]),
                    str(spec["service"]),
                    str(spec["outcome"]),
                    after_s=float(spec.get("after_s", 5.0)),
                    drain_s=None if spec.get("drain_s") is None else float(spec["drain_s"]),
                )
            except (ValueError, KeyError, TypeError) as error:
                return 400, {"error": f"bad scenario: {error}"}
            return 200, {"ok": True}
        if method == "POST" and command == "one-off":
            try:
                spec = json.loads(body or b"{}")
                if not isinstance(spec, dict):
                    raise TypeError("expected a JSON object")
                self.set_one_off(
                    None if spec.get("cluster") is None else str(spec["cluster"]),
                    None if spec.get("family") is None else str(spec["family"]),
                    exit_code=spec.get("exit_code", 0),
                    after_s=float(spec.get("after_s", 1.0)),
                )
            except (ValueError, TypeError) as error:
                return 400, {"error": f"bad one-off: {error}"}
            return 200, {"ok": True}
        if method == "POST" and command == "reset":
            self.reset()
            return 200, {"ok": True}
        if method == "GET" and command == "state":
            return 200, self.state()
        return 404, {"error": f"unknown control request {method} {path}"}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        progressor = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = {k: v for k, v in self.headers.items()}
                out_headers: list[tuple[str, str]]
                if self.path.startswith(CONTROL_PREFIX):
                    status, payload = progressor.control(self.command, self.path, body)
                    data = json.dumps(payload).encode()
                    out_headers = [("Content-Type", "application/json")]
                else:
                    try:
                        status, out_headers, data = progressor.handle(
                            self.command, self.path, headers, body
                        )
                    except OSError as error:
                        status, data = 502, json.dumps({"message": str(error)}).encode()
                        out_headers = [("Content-Type", CONTENT_TYPE)]
                self.send_response(status)
                for key, value in out_headers:
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler


class _Rollout:
    """The steps of one recorded deployment's scenario; each gets the time it happens at."""

    def __init__(self, progressor: EcsProgressor, tracked: _Tracked, new_id: str) -> None:
        self.progressor = progressor
        self.tracked = tracked
        self.name = tracked.service
        self.new_id = new_id
        self.rollback_id = progressor._deployment_id()
        self.started: list[str] = []  # task ids of the new deployment not yet stopped

    def _find(self, dep_id: str) -> dict[str, Any] | None:
        return next((d for d in self.tracked.deployments if d["id"] == dep_id), None)

    def _event(self, when: float, message: str) -> None:
        self.progressor._event(self.tracked, when, f"(service {self.name}) {message}")

    @staticmethod
    def _touch(deployment: dict[str, Any], when: float) -> None:
        deployment["updatedAt"] = round(when, 3)

    def _start(self, when: float, n: int) -> None:
        ours = self._find(self.new_id)
        if ours is None or n <= 0:
            return
        ours["pendingCount"] = n
        self._touch(ours, when)
        ids = [self.progressor._task_id() for _ in range(n)]
        self.started += ids
        tasks = " ".join(f"(task {task_id})" for task_id in ids)
        self._event(when, f"has started {n} tasks: {tasks}.")

    def start_tasks(self, when: float) -> None:
        ours = self._find(self.new_id)
        self._start(when, int(ours["desiredCount"]) if ours else 0)

    def start_one(self, when: float) -> None:
        self._start(when, 1)

    def all_running(self, when: float) -> None:
        ours = self._find(self.new_id)
        if ours is not None:
            ours.update(runningCount=ours["desiredCount"], pendingCount=0)
            self._touch(ours, when)

    def drain_old(self, when: float) -> None:
        stopped = 0
        for deployment in self.tracked.deployments:
            if deployment["id"] != self.new_id and deployment["runningCount"]:
                stopped += int(deployment["runningCount"])
                deployment.update(runningCount=0, desiredCount=0)
                self._touch(deployment, when)
        if stopped:
            self._event(when, f"has stopped {stopped} running tasks.")

    def complete(self, when: float) -> None:
        ours = self._find(self.new_id)
        if ours is None:
            return
        self.tracked.deployments = [ours]
        ours.update(
            status="PRIMARY",
            rolloutState="COMPLETED",
            rolloutStateReason=f"ECS deployment {self.new_id} completed.",
            runningCount=ours["desiredCount"],
            pendingCount=0,
        )
        self._touch(ours, when)
        self._event(when, f"(deployment {self.new_id}) deployment completed.")
        self._event(when, "has reached a steady state.")

    def fail_one(self, when: float) -> None:
        ours = self._find(self.new_id)
        if ours is None:
            return
        ours.update(failedTasks=ours["failedTasks"] + 1, pendingCount=0, runningCount=0)
        self._touch(ours, when)
        task_id = self.started.pop(0) if self.started else self.progressor._task_id()
        self._event(when, f"has stopped 1 running tasks: (task {task_id}).")

    def circuit_breaker(self, when: float) -> None:
        ours = self._find(self.new_id)
        previous = [d for d in self.tracked.deployments if d["id"] != self.new_id]
        if ours is None or not previous:
            return
        ours.update(
            status="ACTIVE",
            rolloutState="FAILED",
            rolloutStateReason=CIRCUIT_BREAKER_REASON,
            pendingCount=0,
            runningCount=0,
        )
        self._touch(ours, when)
        rollback = copy.deepcopy(previous[0])
        rollback.update(
            id=self.rollback_id,
            status="PRIMARY",
            desiredCount=ours["desiredCount"],
            pendingCount=0,
            failedTasks=0,
            createdAt=round(when, 3),
            updatedAt=round(when, 3),
            rolloutState="IN_PROGRESS",
            rolloutStateReason=f"ECS deployment {self.rollback_id} in progress.",
        )
        self.tracked.deployments = [rollback, ours]
        self._event(when, f"(deployment {self.new_id}) deployment failed: tasks failed to start.")
        self._event(when, f"rolling back to deployment {self.rollback_id}.")
        # ECS points the service back at the previous task definition: so does moto.
        self.progressor._call_upstream(
            self.tracked,
            "UpdateService",
            {
                "cluster": self.tracked.cluster,
                "service": self.tracked.service,
                "taskDefinition": rollback["taskDefinition"],
            },
        )

    def rollback_done(self, when: float) -> None:
        rollback = self._find(self.rollback_id)
        if rollback is None:
            return
        self.tracked.deployments = [rollback]
        rollback.update(
            rolloutState="COMPLETED",
            rolloutStateReason=f"ECS deployment {self.rollback_id} completed.",
            runningCount=rollback["desiredCount"],
            pendingCount=0,
        )
        self._touch(rollback, when)
        self._event(when, "has reached a steady state.")
