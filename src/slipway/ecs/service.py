"""ECS service operations the deploy needs (I/O), and the pure choices behind them."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from slipway.ecs.service_deployment import Settings

_REVISION = re.compile(r":(\d+)$")


class ServiceNotFoundError(LookupError):
    """The service does not exist or is not ACTIVE."""


@dataclass(frozen=True)
class ServiceSnapshot:
    cluster: str
    name: str
    arn: str
    task_definition: str
    desired_count: int
    network_configuration: Mapping[str, Any]
    launch_type: str | None
    capacity_provider_strategy: tuple[Mapping[str, Any], ...]
    circuit_breaker: bool
    # CloudWatch alarms ECS watches during this service's deployments (when enabled).
    deployment_alarms: tuple[str, ...] = ()
    # Strategy, bake times and alarm rollback of its deployments.
    settings: Settings = field(default_factory=Settings)
    # Lifecycle stages with a pause hook (ContinueServiceDeployment resumes them).
    pause_stages: tuple[str, ...] = ()

    @classmethod
    def from_api(cls, cluster: str, item: Mapping[str, Any]) -> ServiceSnapshot:
        configuration = item.get("deploymentConfiguration", {})
        breaker = configuration.get("deploymentCircuitBreaker", {})
        alarms = configuration.get("alarms", {})
        return cls(
            cluster=cluster,
            name=str(item["serviceName"]),
            arn=str(item["serviceArn"]),
            task_definition=str(item["taskDefinition"]),
            desired_count=int(item.get("desiredCount", 0)),
            network_configuration=item.get("networkConfiguration", {}),
            launch_type=item.get("launchType"),
            capacity_provider_strategy=tuple(item.get("capacityProviderStrategy", [])),
            circuit_breaker=bool(breaker.get("enable") and breaker.get("rollback")),
            deployment_alarms=tuple(alarms.get("alarmNames", [])) if alarms.get("enable") else (),
            settings=Settings.from_api(configuration),
            pause_stages=tuple(
                stage
                for hook in configuration.get("lifecycleHooks") or []
                if hook.get("targetType") == "PAUSE"
                for stage in hook.get("lifecycleStages") or []
            ),
        )


def describe_service(ecs: Any, cluster: str, service: str) -> ServiceSnapshot:
    response = ecs.describe_services(cluster=cluster, services=[service])
    for item in response.get("services", []):
        if item.get("status") == "ACTIVE":
            return ServiceSnapshot.from_api(cluster, item)
    reasons = "; ".join(f"{f.get('arn')}: {f.get('reason')}" for f in response.get("failures", []))
    raise ServiceNotFoundError(
        f"service '{service}' is not active in cluster '{cluster}'"
        + (f" ({reasons})" if reasons else "")
    )


def describe_task_definition(ecs: Any, arn: str) -> dict[str, Any]:
    """The describe_task_definition response, tags included."""
    return dict(ecs.describe_task_definition(taskDefinition=arn, include=["TAGS"]))


def register_task_definition(
    ecs: Any, definition: Mapping[str, Any], tags: Sequence[Mapping[str, str]] = ()
) -> str:
    params = dict(definition)
    if tags:
        params["tags"] = list(tags)
    return str(ecs.register_task_definition(**params)["taskDefinition"]["taskDefinitionArn"])


def our_deployment_id(service: Mapping[str, Any], task_definition: str) -> str | None:
    """The id of the deployment running ``task_definition``: the PRIMARY one that
    update_service started. None when the response does not list it yet."""
    for deployment in service.get("deployments", []):
        if (
            deployment.get("taskDefinition") == task_definition
            and deployment.get("status") == "PRIMARY"
        ):
            return str(deployment["id"])
    return None


def update_service(
    ecs: Any, snapshot: ServiceSnapshot, task_definition: str, *, force: bool
) -> str | None:
    """Point the service at ``task_definition``; returns the new deployment's id."""
    response = ecs.update_service(
        cluster=snapshot.cluster,
        service=snapshot.name,
        taskDefinition=task_definition,
        forceNewDeployment=force,
    )
    return our_deployment_id(response["service"], task_definition)


def revision_of(arn: str) -> int:
    found = _REVISION.search(arn)
    if not found:
        raise ValueError(f"not a task definition revision ARN: {arn}")
    return int(found.group(1))


def revisions_to_deregister(arns: Iterable[str], keep: int, protect: Iterable[str]) -> list[str]:
    """Older revisions beyond the newest ``keep``, never one in ``protect`` (the revision now
    deployed and the previous one, which a rollback needs)."""
    if keep <= 0:
        return []
    ordered = sorted(set(arns), key=revision_of, reverse=True)
    protected = set(protect)
    return [arn for arn in ordered[keep:] if arn not in protected]


def deregister_old_revisions(ecs: Any, family: str, keep: int, protect: Iterable[str]) -> list[str]:
    arns: list[str] = []
    paginator = ecs.get_paginator("list_task_definitions")
    for page in paginator.paginate(familyPrefix=family, status="ACTIVE"):
        arns.extend(
            a
            for a in page.get("taskDefinitionArns", [])
            if a.split("/")[-1].startswith(f"{family}:")
        )
    doomed = revisions_to_deregister(arns, keep, protect)
    for arn in doomed:
        ecs.deregister_task_definition(taskDefinition=arn)
    return doomed
