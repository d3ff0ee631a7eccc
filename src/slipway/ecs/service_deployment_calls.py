"""The service-deployment API calls a deploy makes (I/O): find the deployment an update
started, stop it with a rollback, continue or roll back a paused one."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, Literal

from slipway.ecs.polling import error_code
from slipway.ecs.service_deployment import ServiceDeploymentView, pick_current

ContinueAction = Literal["CONTINUE", "ROLLBACK"]

# Errors that mean "this API is not available to this caller or endpoint": the deploy goes
# on with the rollout state alone instead of failing.
_UNAVAILABLE = frozenset(
    {
        "AccessDeniedException",
        "UnsupportedFeatureException",
        "UnknownOperationException",
        "InvalidAction",
    }
)


class NotPausedError(LookupError):
    """ContinueServiceDeployment was asked for a deployment no pause hook holds."""


def current_arn(
    ecs: Any,
    cluster: str,
    service: str,
    update_response: Mapping[str, Any],
    started: datetime,
) -> str | None:
    """The ARN of the service deployment an ``UpdateService`` started: the response's
    ``currentServiceDeployment``, else the newest one ``ListServiceDeployments`` lists from
    a minute before ``started`` (clocks differ). None when the API is not available."""
    arn = (update_response.get("service") or {}).get("currentServiceDeployment")
    if arn:
        return str(arn)
    try:
        listed = ecs.list_service_deployments(
            cluster=cluster,
            service=service,
            createdAt={"after": started - timedelta(minutes=1)},
        )
    except Exception as error:
        if error_code(error) in _UNAVAILABLE or isinstance(error, AttributeError):
            return None
        raise
    return pick_current(listed.get("serviceDeployments") or [])


def describe(ecs: Any, arn: str) -> ServiceDeploymentView | None:
    response = ecs.describe_service_deployments(serviceDeploymentArns=[arn])
    items = response.get("serviceDeployments") or []
    return ServiceDeploymentView.from_api(items[0]) if items else None


def stop_with_rollback(ecs: Any, arn: str) -> None:
    """StopServiceDeployment with the ROLLBACK stop type: ECS moves the deployment to
    ROLLBACK_REQUESTED and returns to the previous service revision, whatever the strategy
    and whether or not rollback was configured (AWS: stopping service deployments)."""
    ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")


def continue_paused(ecs: Any, arn: str, action: ContinueAction) -> ServiceDeploymentView:
    """ContinueServiceDeployment on the pause hook holding ``arn``; NotPausedError when
    none does (the deployment moved on, timed out, or never paused)."""
    view = describe(ecs, arn)
    if view is None:
        raise NotPausedError(f"service deployment {arn} not found")
    hook = view.awaiting
    if hook is None or view.status not in ("IN_PROGRESS", "PENDING"):
        raise NotPausedError(
            f"service deployment {view.short_id} is {view.status}"
            + (f" at {view.stage}" if view.stage else "")
            + ", not waiting at a pause hook: nothing to continue"
        )
    ecs.continue_service_deployment(serviceDeploymentArn=arn, hookId=hook.hook_id, action=action)
    return view
