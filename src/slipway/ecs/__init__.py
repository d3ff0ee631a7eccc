"""ECS deployments: task definition rendering and diffs, the deploy, its watcher, failure
diagnosis, rollback and one-off tasks."""

from slipway.ecs.deploy import Clock, DeployOutcome, DeployRequest, run_deploy
from slipway.ecs.deployment import DeploymentState, classify
from slipway.ecs.diagnose import Diagnosis, collect_diagnosis
from slipway.ecs.diff import Change, diff_task_definitions, render_diff_markdown
from slipway.ecs.images import parse_image_map
from slipway.ecs.one_off import OneOffResult, judge_one_off, run_one_off
from slipway.ecs.polling import PollSchedule
from slipway.ecs.taskdef import (
    ContainerChanges,
    TaskDefinitionError,
    load_task_definition_file,
    parse_container_values,
    render,
    to_register_input,
)
from slipway.ecs.watcher import WatchResult, watch_deployment

__all__ = [
    "Change",
    "Clock",
    "ContainerChanges",
    "DeployOutcome",
    "DeployRequest",
    "DeploymentState",
    "Diagnosis",
    "OneOffResult",
    "PollSchedule",
    "TaskDefinitionError",
    "WatchResult",
    "classify",
    "collect_diagnosis",
    "diff_task_definitions",
    "judge_one_off",
    "load_task_definition_file",
    "parse_container_values",
    "parse_image_map",
    "render",
    "render_diff_markdown",
    "run_deploy",
    "run_one_off",
    "to_register_input",
    "watch_deployment",
]
