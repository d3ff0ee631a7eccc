"""ECS services on the local emulator keep what they were created with: moto's
CreateService drops ``deploymentConfiguration`` (the deployment strategy, bake time, canary
and linear settings, lifecycle hooks, deployment alarms and circuit breaker),
``enableECSManagedTags``, ``healthCheckGracePeriodSeconds`` and ``enableExecuteCommand``,
and its UpdateService replaces ``deploymentConfiguration`` with whatever part of it the
caller sent. A Terraform plan after an apply then wants to set them all again.

What it models, after the API reference (CreateService, UpdateService, DescribeServices:
https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html and
.../API_UpdateService.html) and botocore's ECS model:

- CreateService stores ``deploymentConfiguration`` with ECS's documented defaults for what
  was left out: ``maximumPercent`` 200, ``minimumHealthyPercent`` 100 (for a REPLICA
  service), ``deploymentCircuitBreaker`` off, ``strategy`` ROLLING;
- UpdateService changes only the members of ``deploymentConfiguration`` it is given (each
  member as a whole: a new ``alarms``, ``lifecycleHooks`` or ``canaryConfiguration``
  replaces the old one);
- ``enableECSManagedTags``, ``enableExecuteCommand`` (default false) and
  ``healthCheckGracePeriodSeconds`` are kept and reported by DescribeServices.

What it does not model: ECS's validation of a deployment configuration (a CANARY strategy
without ``canaryConfiguration``, a lifecycle hook on a stage its strategy lacks, a
blue/green service without ``advancedConfiguration`` on its load balancer are all
accepted), ``bakeTimeInMinutes``'s default for the traffic-shifting strategies (ECS
documents none: nothing is added), and deployments: they never progress on moto (the ECS
progressor in tests/fakes does that).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

DEFAULTS: Mapping[str, Any] = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
    "strategy": "ROLLING",
}


def created_configuration(sent: Mapping[str, Any] | None) -> dict[str, Any]:
    """The deploymentConfiguration a new service reports: ECS's defaults, then what was
    sent (pure)."""
    return {**copy.deepcopy(dict(DEFAULTS)), **copy.deepcopy(dict(sent or {}))}


def updated_configuration(
    current: Mapping[str, Any] | None, sent: Mapping[str, Any] | None
) -> dict[str, Any]:
    """The deploymentConfiguration after an UpdateService: the members sent replace
    theirs, the rest stay (pure)."""
    return {**copy.deepcopy(dict(current or {})), **copy.deepcopy(dict(sent or {}))}


def install() -> None:
    """Keep the deployment configuration and the service settings moto drops."""
    from moto.ecs.responses import EC2ContainerServiceResponse

    create = EC2ContainerServiceResponse.create_service
    update = EC2ContainerServiceResponse.update_service

    def service_of(response: Any, cluster: str, name: str) -> Any:
        backend = response.ecs_backend
        short = name.rsplit("/", maxsplit=1)[-1]
        return backend.services[f"{backend._get_cluster(cluster).name}:{short}"]

    def create_service(self: Any) -> Any:
        result = create(self)
        service = service_of(
            self, self._get_param("cluster", "default"), self._get_param("serviceName")
        )
        service.deployment_configuration = created_configuration(
            self._get_param("deploymentConfiguration")
        )
        service.enable_ecs_managed_tags = bool(self._get_param("enableECSManagedTags", False))
        service.enable_execute_command = bool(self._get_param("enableExecuteCommand", False))
        grace = self._get_param("healthCheckGracePeriodSeconds")
        if grace is not None:
            service.health_check_grace_period_seconds = int(grace)
        return result

    def update_service(self: Any) -> Any:
        cluster = self._get_param("cluster", "default")
        name = self._get_param("service")
        try:
            before = copy.deepcopy(
                getattr(service_of(self, cluster, name), "deployment_configuration", None)
            )
        except Exception:
            before = None  # moto answers the unknown service or cluster itself
        result = update(self)
        sent = self._get_param("deploymentConfiguration")
        if sent is not None:
            service_of(self, cluster, name).deployment_configuration = updated_configuration(
                before, sent
            )
        return result

    response_class: Any = EC2ContainerServiceResponse
    response_class.create_service = create_service
    response_class.update_service = update_service
