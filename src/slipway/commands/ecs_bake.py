"""When ECS has already baked a deployment, the alarm bake does not bake the same alarms a
second time.

A BLUE_GREEN, CANARY or LINEAR deployment with deployment alarms that roll back and a bake
time ends SUCCESSFUL only after ECS watched those alarms from the first new task to the end
of its own bake, rolling back on any of them. Baking them again afterwards repeats that
watch with a rollback that comes later and is ours (a redeploy of the previous task
definition instead of ECS's instant return to the blue revision). So cw-alarms-check
(given the service), ship and app-deploy.yml leave those alarms out, bake the others, and
skip the bake when none is left; ``repeat-ecs-bake`` bakes them anyway.

``covered`` is pure; ``latest_bake`` reads the service's newest service deployment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from slipway.ecs.service_deployment import ServiceDeploymentView, pick_current
from slipway.gha.spec import Input

REPEAT_INPUT = Input(
    "repeat-ecs-bake",
    "Bake alarms ECS already baked: when the deployment was BLUE_GREEN, CANARY or LINEAR with "
    "a bake time and deployment alarms that roll back, and ended SUCCESSFUL, ECS has watched "
    "those alarms through its own bake, so they are left out of this bake (which is skipped "
    "when no other alarm is selected) unless this is true.",
    default="false",
)
RESULT = "ecs-baked"


@dataclass(frozen=True)
class EcsBake:
    """ECS's own bake of one successful service deployment."""

    deployment: str  # the service deployment's short id
    strategy: str
    minutes: int
    alarms: tuple[str, ...]

    def describe(self) -> str:
        return (
            f"ECS baked {self.strategy} deployment {self.deployment} for {self.minutes}m "
            f"under {len(self.alarms)} deployment alarm(s) with rollback"
        )


def from_view(view: ServiceDeploymentView | None) -> EcsBake | None:
    """ECS's bake of a finished deployment, when it had one."""
    if view is None or view.status != "SUCCESSFUL" or not view.settings.ecs_bakes:
        return None
    settings = view.settings
    return EcsBake(
        view.short_id, settings.strategy, settings.bake_minutes or 0, settings.alarm_names
    )


def covered(bake: EcsBake | None, names: Sequence[str]) -> tuple[list[str], list[str]]:
    """(alarms ECS baked, alarms still to bake) of ``names``, in their order."""
    if bake is None:
        return [], list(names)
    done = [n for n in names if n in bake.alarms]
    return done, [n for n in names if n not in bake.alarms]


def latest_bake(ecs: Any, cluster: str, service: str) -> EcsBake | None:
    """ECS's bake of the service's newest service deployment, if it finished SUCCESSFUL
    with one; None also where the service-deployment API cannot be read (the bake then
    watches every alarm, as before)."""
    from slipway.ecs.polling import error_code
    from slipway.ecs.service_deployment_calls import describe

    try:
        listed = ecs.list_service_deployments(cluster=cluster, service=service)
        newest = pick_current(listed.get("serviceDeployments") or [])
        return from_view(describe(ecs, newest)) if newest else None
    except Exception as error:
        if error_code(error) in _UNAVAILABLE or isinstance(error, AttributeError):
            return None
        raise


_UNAVAILABLE = frozenset(
    {"AccessDeniedException", "UnsupportedFeatureException", "UnknownOperationException"}
)
