"""Terraform and OpenTofu: the engine runner, the plan model read from ``show -json``, its
markdown rendering, the destroy guard and the S3 plan store."""

from slipway.terraform.attributes import SENSITIVE, UNKNOWN, AttributeChange
from slipway.terraform.diagnostics import Diagnostic, LockInfo
from slipway.terraform.engine import (
    Engine,
    EngineError,
    EngineInputError,
    EngineVersion,
    PlanRunResult,
    RunResult,
    engine_version,
    resolve_binary,
)
from slipway.terraform.guard import GuardVerdict, check_destroy
from slipway.terraform.plan import (
    Counts,
    OutputChange,
    Plan,
    PlanFormatError,
    ResourceChange,
    load_plan,
    parse_plan,
)
from slipway.terraform.plan_integrity import (
    PlanAppliedError,
    PlanMetadata,
    PlanMismatchError,
    PlanMissingError,
    PlanStoreError,
    RunBinding,
)
from slipway.terraform.plan_keys import (
    PlanInputError,
    PlanRef,
    backend_fingerprint,
    file_sha256,
)
from slipway.terraform.plan_store import PlanStore, SavedPlan, StoredPlan
from slipway.terraform.render import one_line_counts, render_comment, render_summary
from slipway.terraform.versions import check_engine_version, required_versions

__all__ = [
    "SENSITIVE",
    "UNKNOWN",
    "AttributeChange",
    "Counts",
    "Diagnostic",
    "Engine",
    "EngineError",
    "EngineInputError",
    "EngineVersion",
    "GuardVerdict",
    "LockInfo",
    "OutputChange",
    "Plan",
    "PlanAppliedError",
    "PlanFormatError",
    "PlanInputError",
    "PlanMetadata",
    "PlanMismatchError",
    "PlanMissingError",
    "PlanRef",
    "PlanRunResult",
    "PlanStore",
    "PlanStoreError",
    "ResourceChange",
    "RunBinding",
    "RunResult",
    "SavedPlan",
    "StoredPlan",
    "backend_fingerprint",
    "check_destroy",
    "check_engine_version",
    "engine_version",
    "file_sha256",
    "load_plan",
    "one_line_counts",
    "parse_plan",
    "render_comment",
    "render_summary",
    "required_versions",
    "resolve_binary",
]
