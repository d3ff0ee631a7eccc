"""Run Terraform with the real hashicorp/aws provider against the local AWS emulator (moto).

Nothing in a configuration has to change: the provider (AWS SDK for Go v2) and Terraform's
S3 backend both honour the standard ``AWS_ENDPOINT_URL``, and moto answers the provider's
start-up calls (STS GetCallerIdentity), so no ``endpoints`` block or skip flag is needed.
The one setting without an environment variable is S3 path-style addressing (virtual-host
names such as ``bucket.127.0.0.1`` do not resolve): the backend gets ``use_path_style``
through ``-backend-config``; the provider's ``s3_use_path_style`` would need an override
file, but examples/complete creates no S3 resources through the provider.

Accounts: moto keeps accounts apart by credentials. The default ``testing`` keys act in
123456789012; :func:`assume_role` returns keys that act in another account, to give
:func:`terraform_env` (the state bucket must then be created with the same keys). A plain
moto server needs EMULATOR_SERVER_ENV in its environment; what of examples/complete an
emulator can apply is :func:`complete_coverage`.

    import emulator_terraform as et
    creds = et.assume_role(endpoint, "arn:aws:iam::222222222222:role/deploy")
    workspace = et.Workspace(
        et.copy_example("complete", tmp), et.terraform_env(endpoint, credentials=creds)
    )
    workspace.init(et.StateLocation(bucket="tfstate-222222222222", key="dev/complete.tfstate"))
    et.apply_complete_example(workspace, "env/dev.tfvars", et.complete_coverage(endpoint))
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
DEFAULT_REGION = "eu-west-1"
TERRAFORM_TIMEOUT_S = 900

# Variables that would send the provider elsewhere or to other credentials than the ones
# given here (a profile, a web identity, a per-service endpoint left over in the shell).
_FOREIGN_AWS_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONFIG_FILE",
    "AWS_SHARED_CREDENTIALS_FILE",
)
_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::[0-9]{12}:role/[\w+=,.@/-]+$")


class TerraformError(RuntimeError):
    """A terraform command exited non-zero; the message carries its output's tail."""


@dataclass(frozen=True)
class Credentials:
    """AWS keys for one emulated account (moto derives the account from the access key)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None


# moto maps these to its default account, 123456789012.
EMULATOR_CREDENTIALS = Credentials("testing", "testing")

# The moto server's own settings this needs (scripts/emulator_server.py sets them by default):
# the ECS execution role attaches the AWS-managed AmazonECSTaskExecutionRolePolicy, which moto
# only knows when it loads AWS's managed policies (about 1.5 s on an account's first IAM call).
EMULATOR_SERVER_ENV: Mapping[str, str] = {"MOTO_IAM_LOAD_MANAGED_POLICIES": "true"}


@dataclass(frozen=True)
class StateLocation:
    """Where the S3 backend keeps the state: a bucket on the emulator."""

    bucket: str
    key: str
    region: str = DEFAULT_REGION


# --- Pure: environment and arguments ------------------------------------------------------


def emulator_hostnames(endpoint: str) -> dict[str, str]:
    """Let the emulator answer for the host names AWS clients derive from its address.

    The Go SDK (the Terraform provider) puts prefixes in front of the endpoint's host for
    some APIs: `<account>.127.0.0.1` for S3 Control (bucket tags), `<bucket>.127.0.0.1` for
    virtual-hosted S3. No resolver knows those names, so the emulator doubles as the HTTP
    proxy for them (moto serves absolute-URI requests, routing by Host); requests to the
    loopback address itself still go straight there."""
    return {"HTTP_PROXY": endpoint, "NO_PROXY": "127.0.0.1,localhost"}


def terraform_env(
    endpoint: str,
    *,
    cli_config: str | None = None,
    credentials: Credentials | None = None,
    region: str = DEFAULT_REGION,
    base: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The process environment for terraform (provider and S3 backend) on the emulator.

    ``credentials`` default to the emulator's default account; pass the keys from
    :func:`assume_role` to act in another account. ``cli_config`` is the Terraform CLI config
    naming the local provider mirror (default: :func:`provider_cli_config`).
    """
    if not re.match(r"^https?://[^/\s]+$", endpoint):
        raise ValueError(f"endpoint: expected http(s)://host:port, got {endpoint!r}")
    if not _REGION.match(region):
        raise ValueError(f"region: expected an AWS region such as eu-west-1, got {region!r}")
    creds = credentials or EMULATOR_CREDENTIALS
    if not creds.access_key_id or not creds.secret_access_key:
        raise ValueError("credentials: access_key_id and secret_access_key must not be empty")
    env = {
        key: value
        for key, value in (os.environ if base is None else base).items()
        if key not in _FOREIGN_AWS_VARIABLES and not key.startswith("AWS_ENDPOINT_URL_")
    }
    env |= {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": creds.access_key_id,
        "AWS_SECRET_ACCESS_KEY": creds.secret_access_key,
        "AWS_REGION": region,
        "AWS_DEFAULT_REGION": region,
        # No EC2 instance metadata to ask for credentials here: fail fast instead of waiting.
        "AWS_EC2_METADATA_DISABLED": "true",
        "TF_CLI_CONFIG_FILE": cli_config or provider_cli_config(),
        "CHECKPOINT_DISABLE": "1",
        "TF_IN_AUTOMATION": "1",
        "TF_INPUT": "0",
        "PATH": f"{REPO / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', os.defpath)}",
        **emulator_hostnames(endpoint),
    }
    if creds.session_token:
        env["AWS_SESSION_TOKEN"] = creds.session_token
    return env


def backend_config_args(state: StateLocation) -> list[str]:
    """``terraform init`` arguments for an S3 backend on the emulator (path-style, S3 lock)."""
    if not _BUCKET.match(state.bucket):
        raise ValueError(f"bucket: expected an S3 bucket name, got {state.bucket!r}")
    if not state.key or state.key.startswith("/") or " " in state.key:
        raise ValueError(f"key: expected a relative object key without spaces, got {state.key!r}")
    if not _REGION.match(state.region):
        raise ValueError(f"region: expected an AWS region such as eu-west-1, got {state.region!r}")
    settings = {
        "bucket": state.bucket,
        "key": state.key,
        "region": state.region,
        "use_path_style": "true",
        "use_lockfile": "true",
    }
    return [f"-backend-config={name}={value}" for name, value in settings.items()]


def target_args(targets: Sequence[str]) -> list[str]:
    return [f"-target={target}" for target in targets]


# --- The complete example on the emulator -------------------------------------------------


@dataclass(frozen=True)
class Coverage:
    """What of examples/complete an emulator can create: the targets of one apply (Terraform
    adds their dependencies) and, by resource type, what stays plan-only and why."""

    name: str
    apply_targets: tuple[str, ...]
    plan_only: Mapping[str, str]


# moto's own server (5.2.5): no Smithy RPC v2 CBOR, so no CloudWatch for the provider.
MOTO_COVERAGE = Coverage(
    name="moto",
    apply_targets=(
        "module.network",
        "module.alb",
        "module.ecr",
        "module.ecs_cluster",
        "module.rds",
        "module.ecs_service.aws_cloudwatch_log_group.this",
        "module.ecs_service.aws_ecs_task_definition.this",
        "module.ecs_service.aws_iam_role_policy.execution",
        "module.ecs_service.aws_iam_role_policy_attachment.execution",
        "module.ecs_service.aws_vpc_security_group_egress_rule.this",
        "module.ecs_service.aws_vpc_security_group_ingress_rule.alb",
        "module.monitoring.aws_kms_alias.this",
        "module.monitoring.aws_sns_topic.this",
    ),
    plan_only={
        "aws_cloudwatch_metric_alarm": (
            "the provider calls CloudWatch with the Smithy RPC v2 CBOR protocol "
            "(POST /service/GraniteServiceVersion20100801/operation/PutMetricAlarm); "
            "moto serves CloudWatch only over the query and JSON protocols (HTTP 404)"
        ),
        "aws_cloudwatch_dashboard": "CloudWatch over RPC v2 CBOR (PutDashboard): as above",
        "aws_ecs_service": (
            "its deployment alarms are the monitoring module's alarm names, "
            "known only once the alarms exist"
        ),
        "aws_appautoscaling_target": "scales the ECS service, which is not created",
        "aws_appautoscaling_policy": "scales the ECS service, which is not created",
    },
)

# The project's emulator (scripts/emulator_server.py): moto plus the RPC v2 CBOR protocol and
# Application Auto Scaling tags, so everything applies.
CBOR_COVERAGE = Coverage(name="the project's emulator", apply_targets=(), plan_only={})


def speaks_rpc_v2_cbor(endpoint: str) -> bool:
    """Whether the emulator answers a CloudWatch call in the Smithy RPC v2 CBOR protocol (its
    answer says so in a header, even an error; moto alone answers 404 without it)."""
    request = urllib.request.Request(
        f"{endpoint}/service/GraniteServiceVersion20100801/operation/DescribeAlarms",
        data=b"\xa0",  # an empty CBOR map: no parameters
        method="POST",
        headers={"smithy-protocol": "rpc-v2-cbor", "Content-Type": "application/cbor"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            protocol = response.headers.get("smithy-protocol")
    except urllib.error.HTTPError as error:
        protocol = error.headers.get("smithy-protocol")
    return bool(protocol == "rpc-v2-cbor")


def complete_coverage(endpoint: str) -> Coverage:
    return CBOR_COVERAGE if speaks_rpc_v2_cbor(endpoint) else MOTO_COVERAGE


def planned_resources(plan: Mapping[str, Any]) -> dict[str, list[str]]:
    """Managed resource addresses of a ``terraform show -json`` plan, keyed by their actions
    joined with ``-`` (``create``, ``no-op``, ``delete-create``...)."""
    by_action: dict[str, list[str]] = {}
    for change in plan.get("resource_changes", []):
        if change.get("mode") != "managed":
            continue
        action = "-".join(change["change"]["actions"])
        by_action.setdefault(action, []).append(change["address"])
    return {action: sorted(addresses) for action, addresses in by_action.items()}


# --- I/O: copies, provider, terraform runs -----------------------------------------------


def provider_cli_config() -> str:
    """Path of the Terraform CLI config using the local hashicorp/aws mirror (builds the
    provider on first use; a no-op when it is cached)."""
    script = REPO / "scripts" / "build-aws-provider"
    result = subprocess.run([str(script)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise TerraformError(f"scripts/build-aws-provider failed:\n{result.stderr[-3000:]}")
    return result.stdout.strip()


def copy_example(example: str, destination: Path, repo: Path = REPO) -> Path:
    """Copy ``examples/<example>`` and ``modules/`` into ``destination`` with the
    repository's layout (the example's relative module sources resolve), leaving out local
    Terraform state; returns the example's working directory in the copy."""
    source = repo / "examples" / example
    if not (source / "versions.tf").is_file():
        raise ValueError(f"example: no Terraform configuration at {source}")
    ignore = shutil.ignore_patterns(".terraform*", "*.tfplan", "terraform.tfstate*")
    shutil.copytree(repo / "modules", destination / "modules", ignore=ignore, dirs_exist_ok=True)
    workdir = destination / "examples" / example
    shutil.copytree(source, workdir, ignore=ignore, dirs_exist_ok=True)
    return workdir


def assume_role(
    endpoint: str, role_arn: str, *, region: str = DEFAULT_REGION, session_name: str = "slipway"
) -> Credentials:
    """Keys that act in the role's account on the emulator (moto's STS needs no such role)."""
    if not _ROLE_ARN.match(role_arn):
        raise ValueError(
            f"role_arn: expected arn:aws:iam::<12 digits>:role/<name>, got {role_arn!r}"
        )
    import boto3

    # A session of its own: the default one is not safe to share between threads.
    sts = boto3.session.Session().client(
        "sts",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=EMULATOR_CREDENTIALS.access_key_id,
        aws_secret_access_key=EMULATOR_CREDENTIALS.secret_access_key,
    )
    keys = sts.assume_role(RoleArn=role_arn, RoleSessionName=session_name)["Credentials"]
    return Credentials(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])


@dataclass(frozen=True)
class Workspace:
    """A Terraform working directory and the environment that points it at the emulator."""

    workdir: Path
    env: Mapping[str, str]

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """``terraform <args>`` in the working directory; raises TerraformError on a
        non-zero exit when ``check``."""
        result = subprocess.run(
            ["terraform", *args, *(["-no-color"] if _takes_no_color(args) else [])],
            cwd=self.workdir,
            env=dict(self.env),
            capture_output=True,
            text=True,
            timeout=TERRAFORM_TIMEOUT_S,
            check=False,
        )
        if check and result.returncode != 0:
            raise TerraformError(
                f"terraform {' '.join(args)} exited {result.returncode}:\n"
                f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
            )
        return result

    def init(self, state: StateLocation) -> None:
        self.run("init", "-input=false", *backend_config_args(state))

    def plan(self, var_file: str, out: str, targets: Sequence[str] = ()) -> dict[str, Any]:
        """Plan into ``out`` and return the plan as ``terraform show -json`` gives it."""
        self.run(
            "plan", "-input=false", f"-var-file={var_file}", f"-out={out}", *target_args(targets)
        )
        return self.show_json(out)

    def apply(self, var_file: str, targets: Sequence[str] = ()) -> None:
        self.run(
            "apply", "-input=false", "-auto-approve", f"-var-file={var_file}", *target_args(targets)
        )

    def apply_saved(self, plan_file: str) -> None:
        self.run("apply", "-input=false", plan_file)

    def destroy(self, var_file: str) -> None:
        self.run("destroy", "-input=false", "-auto-approve", f"-var-file={var_file}")

    def show_json(self, plan_file: str | None = None) -> dict[str, Any]:
        shown = self.run("show", "-json", *([plan_file] if plan_file else []))
        document: dict[str, Any] = json.loads(shown.stdout)
        return document

    def outputs(self) -> dict[str, Any]:
        shown = self.run("output", "-json")
        return {name: value["value"] for name, value in json.loads(shown.stdout).items()}


def _takes_no_color(args: Sequence[str]) -> bool:
    # `show -json` and `output -json` print JSON only; the rest print coloured text.
    return bool(args) and args[0] in {"init", "plan", "apply", "destroy"}


def apply_complete_example(
    workspace: Workspace, var_file: str, coverage: Coverage, saved_plan: str | None = None
) -> None:
    """Apply the parts of examples/complete the emulator supports (``complete_coverage``).
    Where it supports all of it, a ``saved_plan`` made from ``var_file`` is applied as saved
    (what was checked is what is applied, and the engine does not plan a second time)."""
    if saved_plan and not coverage.apply_targets:
        workspace.apply_saved(saved_plan)
    else:
        workspace.apply(var_file, coverage.apply_targets)
