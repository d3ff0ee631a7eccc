"""Does an image run on the task definition's CPU? A Fargate task runs on the
``runtimePlatform.cpuArchitecture`` of its task definition (``X86_64`` when none is given)
and can only start images built for it: an ARM64 task given an amd64-only image stops with
``exec format error`` (the ``runtimePlatform`` section of "Amazon ECS task definition
parameters for Fargate"). Checked before anything is registered."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from slipway.gha.inputs import InputError

ARCHITECTURES = {"X86_64": "linux/amd64", "ARM64": "linux/arm64"}


def task_platform(definition: Mapping[str, Any]) -> str:
    """The platform the task runs on: ``linux/arm64`` or ``linux/amd64`` (Fargate's default)."""
    runtime = definition.get("runtimePlatform") or {}
    architecture = str(runtime.get("cpuArchitecture") or "X86_64").upper()
    return ARCHITECTURES.get(architecture, f"linux/{architecture.lower()}")


def check_platforms(definition: Mapping[str, Any], platforms: Sequence[str]) -> None:
    """Raise an InputError naming ``platforms`` when none of the image's platforms is the
    task's; nothing to check when the image's platforms are not known."""
    if not platforms:
        return
    wanted = task_platform(definition)
    if any(platform == wanted or platform.startswith(wanted + "/") for platform in platforms):
        return
    architecture = (definition.get("runtimePlatform") or {}).get("cpuArchitecture") or "X86_64"
    raise InputError(
        "platforms",
        f"an image built for {wanted}: task definition {definition.get('family', '')} runs on "
        f"cpuArchitecture {architecture}",
        ",".join(platforms),
    )
