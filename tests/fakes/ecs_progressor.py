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
  deployment, as ECS's does, so the caller can identify its deployment by id, and names
  its service deployment in ``currentServiceDeployment``.
* The service-deployment API (moto has none): every recorded deployment is a service
  deployment that follows the lifecycle of the service's ``deploymentConfiguration.strategy``
  (tests/fakes/ecs_lifecycle.py, which cites the AWS pages for ROLLING, BLUE_GREEN, CANARY,
  LINEAR, lifecycle hooks, pause hooks and rollbacks). ``ListServiceDeployments``,
  ``DescribeServiceDeployments``, ``StopServiceDeployment`` and
  ``ContinueServiceDeployment`` are answered by the double
  (tests/fakes/ecs_service_deployments.py), never forwarded. For BLUE_GREEN, CANARY and
  LINEAR the lifecycle also drives the rollout state (green tasks start in SCALE_UP, the
  rollout COMPLETES only with the service deployment, a rollback makes the previous
  deployment PRIMARY again and points moto's service back at its task definition).
* Deployment alarms, as ECS watches them: while a service deployment with
  ``alarms.enable`` and ``rollback`` is in progress, every ECS request (at most twice a
  second) reads those alarms from moto's CloudWatch, with the caller's credentials; one in
  ALARM rolls the deployment back (``alarms.status`` TRIGGERED, ``triggeredAlarmNames``).
  So a test or the demo that sets an alarm to ALARM during a canary's bake sees ECS roll it
  back, as it would.
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
"completed" | "circuit_breaker" | "stuck", "after_s": 5, "drain_s": 2, "minute_s": 1,
"fault": {"kind": "alarm" | "circuit_breaker" | "hook", "stage": "BAKE_TIME", "fraction":
0.5}}`` (in-process: ``EcsProgressor.set_scenario``); ``minute_s`` compresses the
configured minutes of bake times and pause hook timeouts, ``fault`` scripts a failure at a
lifecycle stage (BLUE_GREEN, CANARY, LINEAR; the circuit_breaker outcome trips the breaker
in SCALE_UP for them); ``GET /_progressor/state`` shows what is recorded and
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
scaling, ``minimumHealthyPercent``/``maximumPercent`` pacing, the load balancer's listener
rule weights (ECS changes them during a traffic shift; the double leaves them as they are),
how long ECS takes to notice an alarm (here: the next ECS request), CODE_DEPLOY and
EXTERNAL controllers, pagination, and ECS's wording of events not listed above. Other
services (EC2, IAM, …) never pass through the double.
"""

from __future__ import annotations

import copy
import http.client
import itertools
import json
import random
import threading
import time
import urllib.parse
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.fakes.ecs_lifecycle import Fault
from tests.fakes.ecs_progressor_deployments import ServiceDeploymentsMixin
from tests.fakes.ecs_progressor_rollout import (
    CIRCUIT_BREAKER_REASON,
    OUTCOMES,
    Scenario,
    _Rollout,
    _Tracked,
    script_rolling,
)
from tests.fakes.ecs_progressor_tasks import (
    CONTENT_TYPE,
    EXITED_REASON,
    EXITED_STOP_CODE,
    USER_STOP_CODE,
    USER_STOP_REASON,
    OneOff,
    TaskRecord,
    TasksMixin,
    _name,
    exiting_container,
    task_payload,
)
from tests.fakes.ecs_service_deployments import ServiceDeployments
from tests.support import serve_in_background

__all__ = [
    "CIRCUIT_BREAKER_REASON",
    "EXITED_REASON",
    "EXITED_STOP_CODE",
    "OUTCOMES",
    "USER_STOP_CODE",
    "USER_STOP_REASON",
    "EcsProgressor",
    "OneOff",
    "TaskRecord",
    "exiting_container",
    "task_payload",
]

TARGET_PREFIX = "AmazonEC2ContainerServiceV20141113."
CONTROL_PREFIX = "/_progressor/"
_HOP_BY_HOP = frozenset(
    {"connection", "content-length", "transfer-encoding", "keep-alive", "host", "expect"}
)
_SET_BY_SERVER = frozenset({"server", "date"})  # http.server writes its own
_SERVICE_DEPLOYMENT_OPERATIONS = (
    "ListServiceDeployments",
    "DescribeServiceDeployments",
    "StopServiceDeployment",
    "ContinueServiceDeployment",
)


class EcsProgressor(TasksMixin, ServiceDeploymentsMixin):
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
        self._deployments = ServiceDeployments("us-east-1", "123456789012", _seconds)
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
        self._thread = serve_in_background(self._server, name="ecs-progressor")
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
        minute_s: float = 60.0,
        fault: Fault | Mapping[str, Any] | None = None,
    ) -> None:
        """What the service's next deployments do (see the module docstring)."""
        if isinstance(fault, Mapping):
            fault = Fault(
                str(fault["kind"]),
                None if fault.get("stage") is None else str(fault["stage"]),
                float(fault.get("fraction", 0.5)),
            )
        scenario = Scenario(
            outcome,
            float(after_s),
            None if drain_s is None else float(drain_s),
            float(minute_s),
            fault,
        )
        with self._lock:
            self._scenarios[(_name(cluster), _name(service))] = scenario

    def reset(self) -> None:
        with self._lock:
            self._scenarios.clear()
            self._services.clear()
            self._configs.clear()
            self._one_offs.clear()
            self._tasks.clear()
            self._deployments.tracked.clear()
            self.requests.clear()

    def state(self) -> dict[str, Any]:
        """Recorded deployments, events and service deployments per ``cluster/service``
        (after due steps)."""
        with self._lock:
            self._advance()
            return {
                f"{c}/{s}": {
                    "deployments": copy.deepcopy(t.deployments),
                    "events": copy.deepcopy(t.events),
                    "service_deployments": [
                        d.payload(_seconds, 0)
                        for d in self._deployments.tracked
                        if (d.cluster, d.service) == (c, s)
                    ],
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
        deployments = copy.deepcopy(tracked.deployments)
        primary = next((d for d in deployments if d["status"] == "PRIMARY"), None)
        service["deployments"] = deployments
        service["runningCount"] = sum(int(d["runningCount"]) for d in deployments)
        service["pendingCount"] = sum(int(d["pendingCount"]) for d in deployments)
        if primary is not None:
            service["taskDefinition"] = primary["taskDefinition"]
        service["events"] = copy.deepcopy(tracked.events) + list(service.get("events") or [])
        latest = self._deployments.latest(tracked.cluster, tracked.service)
        if latest is not None:
            service["currentServiceDeployment"] = latest.arn

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
            self._advance()
            tracked = self._services.get(key)
            before = self._describe_one(headers, cluster, name) if tracked is None else None
            status, out_headers, data = self._forward(method, path, headers, body)
            if status != 200:
                return status, out_headers, data
            response = json.loads(data)
            service = response.get("service") or {}
            if isinstance(request.get("deploymentConfiguration"), dict):
                self._configs[key] = {
                    **self._configs.get(key, {}),
                    **copy.deepcopy(request["deploymentConfiguration"]),
                }
            self._with_config(service)
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
                self._start_service_deployment(tracked, service, str(previous_td), str(new_td))
            if tracked is not None:
                self._service_payload(tracked, service)
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
        tracked.rollout = _Rollout(self, tracked, new_id)
        scenario = self._scenarios.get(key, Scenario())
        script_rolling(self, tracked, scenario, new_id, now)
        return tracked

    def _describe_services(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        with self._lock:
            self._advance()  # may update moto (a rollback) before it is asked
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

    def handle(
        self, method: str, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        """One HTTP request: forwarded to moto, ECS deployment calls rewritten."""
        target = next((v for k, v in headers.items() if k.lower() == "x-amz-target"), "")
        operation = target.removeprefix(TARGET_PREFIX) if target.startswith(TARGET_PREFIX) else ""
        if operation:
            with self._lock:
                self.requests.append(operation)
        try:
            request = json.loads(body or b"{}") if method == "POST" and operation else None
        except ValueError:
            request = None
        if not isinstance(request, dict):
            return self._forward(method, path, headers, body)
        if operation in ("RunTask", "DescribeTasks", "StopTask"):
            return self._task_call(operation, request, path, headers, body)
        if operation in _SERVICE_DEPLOYMENT_OPERATIONS:
            return self._service_deployment_call(operation, request)
        if operation == "UpdateService":
            return self._update_service(headers, request, method, path, body)
        if operation == "DescribeServices":
            return self._describe_services(method, path, headers, body)
        if operation == "CreateService":
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
        with self._lock:
            self._advance()
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
                    minute_s=float(spec.get("minute_s", 60.0)),
                    fault=spec.get("fault"),
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


def _seconds(at: float) -> float:
    """Times in ECS's JSON protocol: epoch seconds, to the millisecond."""
    return round(at, 3)
