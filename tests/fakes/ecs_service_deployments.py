"""ECS's service-deployment API for the two ECS doubles: ListServiceDeployments,
DescribeServiceDeployments, StopServiceDeployment and ContinueServiceDeployment, answered
in botocore's shapes (ServiceDeployment, ServiceDeploymentBrief) from the deployments'
lifecycles (tests/fakes/ecs_lifecycle.py, which cites the AWS pages it follows).

Refusals are ECS's: an unknown ARN is ServiceDeploymentNotFoundException; stopping a
deployment that already finished, or continuing one no pause hook holds, is
ConflictException (the API reference lists both errors for these operations). ARNs look
like ECS's: ``arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>``
and ``…:service-revision/<cluster>/<service>/<19 digits>``.

Not modelled: DescribeServiceRevisions, the createdAt filter's ``before``, paging
(``nextToken``, ``maxResults``), and deployments of services created through the double
(only updates start one).
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.ecs_lifecycle import Change, Fault, Lifecycle


class ApiError(Exception):
    """An ECS error answer: its code (``__type``) and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Tracked:
    arn: str
    cluster: str
    service: str
    service_arn: str
    cluster_arn: str
    target_revision: str
    source_revision: str
    lifecycle: Lifecycle

    def payload(self, time: Callable[[float], Any], source_running: int) -> dict[str, Any]:
        return self.lifecycle.payload(
            arn=self.arn,
            service_arn=self.service_arn,
            cluster_arn=self.cluster_arn,
            target_revision=self.target_revision,
            source_revision=self.source_revision,
            time=time,
            source_running=source_running,
        )

    def brief(self, time: Callable[[float], Any]) -> dict[str, Any]:
        lifecycle = self.lifecycle
        item: dict[str, Any] = {
            "serviceDeploymentArn": self.arn,
            "serviceArn": self.service_arn,
            "clusterArn": self.cluster_arn,
            "createdAt": time(lifecycle.started),
            "startedAt": time(lifecycle.started),
            "targetServiceRevisionArn": self.target_revision,
            "status": lifecycle.status,
        }
        if lifecycle.status_reason:
            item["statusReason"] = lifecycle.status_reason
        if lifecycle.finished_at is not None:
            item["finishedAt"] = time(lifecycle.finished_at)
        return item


class ServiceDeployments:
    """The service deployments of one double, newest last."""

    def __init__(
        self, region: str, account: str, time: Callable[[float], Any], seed: int | None = None
    ) -> None:
        self.region = region
        self.account = account
        self.time = time
        self._random = random.Random(seed)
        self.tracked: list[Tracked] = []
        self._revisions: dict[tuple[str, str, str], str] = {}  # (cluster, service, td) -> ARN

    def _id(self, prefix: str = "") -> str:
        alphabet = string.ascii_letters + string.digits
        return prefix + "".join(self._random.choice(alphabet) for _ in range(21))

    def revision(self, cluster: str, service: str, task_definition: str) -> str:
        """The service revision of a task definition (one per task definition here)."""
        key = (cluster, service, task_definition)
        if key not in self._revisions:
            number = self._random.randrange(10**18, 10**19)
            self._revisions[key] = (
                f"arn:aws:ecs:{self.region}:{self.account}:service-revision/"
                f"{cluster}/{service}/{number}"
            )
        return self._revisions[key]

    def start(
        self,
        cluster: str,
        service: str,
        *,
        configuration: Mapping[str, Any],
        desired: int,
        now: float,
        source_task_definition: str,
        target_task_definition: str,
        after_s: float,
        minute_s: float = 60.0,
        fault: Fault | None = None,
    ) -> Tracked:
        cluster_arn = f"arn:aws:ecs:{self.region}:{self.account}:cluster/{cluster}"
        tracked = Tracked(
            arn=(
                f"arn:aws:ecs:{self.region}:{self.account}:service-deployment/"
                f"{cluster}/{service}/{self._id()}"
            ),
            cluster=cluster,
            service=service,
            service_arn=f"arn:aws:ecs:{self.region}:{self.account}:service/{cluster}/{service}",
            cluster_arn=cluster_arn,
            target_revision=self.revision(cluster, service, target_task_definition),
            source_revision=self.revision(cluster, service, source_task_definition),
            lifecycle=Lifecycle(
                configuration,
                desired,
                now,
                after_s=after_s,
                minute_s=minute_s,
                fault=fault,
                new_id=self._id,
            ),
        )
        self.tracked.append(tracked)
        return tracked

    def find(self, arn: str) -> Tracked:
        found = next((t for t in self.tracked if t.arn == arn), None)
        if found is None:
            raise ApiError(
                "ServiceDeploymentNotFoundException",
                f"The service deployment {arn} does not exist.",
            )
        return found

    def latest(self, cluster: str, service: str) -> Tracked | None:
        return next(
            (t for t in reversed(self.tracked) if (t.cluster, t.service) == (cluster, service)),
            None,
        )

    def advance(self, now: float) -> list[tuple[Tracked, Change]]:
        return [(t, change) for t in self.tracked for change in t.lifecycle.advance(now)]

    # -- the operations --------------------------------------------------------------------

    def describe(self, arns: list[str], source_running: Callable[[Tracked], int]) -> dict[str, Any]:
        found, failures = [], []
        for arn in arns:
            tracked = next((t for t in self.tracked if t.arn == arn), None)
            if tracked is None:
                failures.append({"arn": arn, "reason": "MISSING"})
            else:
                found.append(tracked.payload(self.time, source_running(tracked)))
        return {"serviceDeployments": found, "failures": failures}

    def list(
        self, cluster: str, service: str, *, status: list[str] | None = None, after: Any = None
    ) -> dict[str, Any]:
        """Newest first, as ECS lists them; ``after`` compares with the double's time
        values (the createdAt filter)."""
        items = [
            t.brief(self.time)
            for t in reversed(self.tracked)
            if (t.cluster, t.service) == (cluster, service)
            and (not status or t.lifecycle.status in status)
        ]
        if after is not None:
            items = [i for i in items if i["createdAt"] >= after]
        return {"serviceDeployments": items}

    def stop(self, arn: str, stop_type: str, now: float) -> list[Change]:
        tracked = self.find(arn)
        try:
            return tracked.lifecycle.stop(stop_type, now)
        except ValueError as error:
            raise ApiError("ConflictException", f"Cannot stop {arn}: {error}.") from None

    def resume(self, arn: str, hook_id: str, action: str, now: float) -> list[Change]:
        tracked = self.find(arn)
        try:
            return tracked.lifecycle.continue_hook(hook_id, action, now)
        except ValueError as error:
            raise ApiError("ConflictException", f"Cannot continue {arn}: {error}.") from None
