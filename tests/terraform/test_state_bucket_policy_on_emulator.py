"""The state bucket's policy at work: examples/account-bootstrap applied with the real
hashicorp/aws provider to the emulator (which evaluates bucket policies for the caller:
scripts/emulator_bucket_policy.py), then every role assumed through STS as the workflows do,
and refused or allowed as the policy says: by Terraform itself (S3 backend, S3 native
locking) and by direct S3 calls.

And the roles' OIDC trust at work (scripts/emulator_web_identity.py evaluates it as STS
does): a token with each subject GitHub issues assumes exactly the role meant for it, so a
deploy job, a pull request's plan job or a job without an environment cannot assume the
Terraform apply role."""

from __future__ import annotations

import importlib.util
import json
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from tests.conftest import localenv
from tests.unit.aws.fake_oidc import unsigned_jwt

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
ACCOUNT = "333333333333"
BUCKET = f"shop-tfstate-{ACCOUNT}"
REPOSITORY = "acme/shop"
ADMIN_ROLE = f"arn:aws:iam::{ACCOUNT}:role/state-admin"
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def _load_emulator_terraform() -> ModuleType:
    path = REPO / "scripts" / "emulator_terraform.py"
    spec = importlib.util.spec_from_file_location("emulator_terraform", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["emulator_terraform"] = module
    spec.loader.exec_module(module)
    return module


et = _load_emulator_terraform()


def plan_key(environment: str, source: str, name: str = "plan.tfplan") -> str:
    plan_id = f"{environment}-{COMMIT[:12]}-aaaaaaaaaaaa"
    return f"slipway/plans/{REPOSITORY}/{environment}/{source}/{COMMIT}/infra/{plan_id}/{name}"


@dataclass(frozen=True)
class Account:
    endpoint: str
    cli_config: str
    role_arns: dict[str, str]
    kms_key_arn: str

    def credentials(self, role_arn: str) -> Any:
        return et.assume_role(self.endpoint, role_arn, region=REGION)

    def client(self, service: str, keys: Any) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key,
            aws_session_token=keys.session_token,
        )

    def s3(self, role_arn: str) -> Any:
        return self.client("s3", self.credentials(role_arn))

    def role(self, key: str) -> Any:
        return self.s3(self.role_arns[key])


def refused(call: Callable[[], Any]) -> str:
    """The error code of a call that must fail."""
    with pytest.raises(ClientError) as error:
        call()
    return str(error.value.response["Error"]["Code"])


@pytest.fixture(scope="module")
def account(emulator: str, tmp_path_factory: pytest.TempPathFactory) -> Account:
    """A fresh emulated account onboarded with examples/account-bootstrap (dev and prod)."""
    localenv.reset_emulator(emulator)
    try:
        cli_config = et.provider_cli_config()
    except et.TerraformError as error:
        pytest.fail(f"the hashicorp/aws provider is not available: {error}")
    onboarding = et.assume_role(emulator, f"arn:aws:iam::{ACCOUNT}:role/onboarding", region=REGION)
    workdir = et.copy_example("account-bootstrap", tmp_path_factory.mktemp("bootstrap"))
    bootstrap = et.Workspace(
        workdir,
        et.terraform_env(emulator, cli_config=cli_config, credentials=onboarding, region=REGION),
    )
    bootstrap.run("init", "-input=false")
    bootstrap.run(
        "apply",
        "-auto-approve",
        "-input=false",
        f"-var=region={REGION}",
        f"-var=repository={REPOSITORY}",
        '-var=environments=["dev", "prod"]',
        f"-var=state_bucket_name={BUCKET}",
        f"-var=state_administrator_arns={json.dumps([ADMIN_ROLE])}",
        # Deploys in <env>-deploy, whatever the variable's default.
        "-var=deploy_environment_suffix=-deploy",
    )
    outputs = bootstrap.outputs()
    return Account(emulator, cli_config, outputs["role_arns"], outputs["state_kms_key_arn"])


def terraform_root(directory: Path) -> Path:
    """A root module that needs no provider: one terraform_data, state in the S3 backend."""
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "main.tf").write_text(
        textwrap.dedent(
            """
            terraform {
              backend "s3" {}
            }

            variable "revision" {
              type = number
            }

            resource "terraform_data" "this" {
              input = var.revision
            }
            """
        )
    )
    return directory


def workspace(account: Account, role_key: str, directory: Path, key: str) -> Any:
    env = et.terraform_env(
        account.endpoint,
        cli_config=account.cli_config,
        credentials=account.credentials(account.role_arns[role_key]),
        region=REGION,
    )
    work = et.Workspace(terraform_root(directory), env)
    work.init(et.StateLocation(bucket=BUCKET, key=key, region=REGION))
    return work


def state_serial(account: Account, key: str) -> int:
    body = account.role("prod-terraform-apply").get_object(Bucket=BUCKET, Key=key)["Body"].read()
    return int(json.loads(body)["serial"])


def test_the_bucket_carries_the_modules_policy_key_and_lifecycle(account: Account) -> None:
    s3 = account.s3(ADMIN_ROLE)
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    sids = {statement["Sid"] for statement in policy["Statement"]}
    assert {
        "DenyInsecureTransport",
        "DevOnlyItsRoles",
        "ProdOnlyItsRoles",
        "ProdPlanRolesWriteLocksAndPlans",
        "ProdApplyRolesWriteStateAndDefaultBranchPlans",
        "DevRolesReadOnlyIt",
        "KeepStateVersions",
        "EnvironmentRolesLeaveTheBucketAlone",
    } <= sids
    rule = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": account.kms_key_arn,
    }
    rules = s3.get_bucket_lifecycle_configuration(Bucket=BUCKET)["Rules"]
    assert {r["ID"] for r in rules} == {
        "earlier-versions",
        "plans",
        f"pull-request-plans/{REPOSITORY}/dev",
        f"pull-request-plans/{REPOSITORY}/prod",
        f"personal-environment-plans/{REPOSITORY}/dev-",
    }


def test_terraform_applies_with_the_apply_role_and_only_plans_with_the_plan_role(
    account: Account, tmp_path: Path
) -> None:
    key = "prod/tiny.tfstate"
    applier = workspace(account, "prod-terraform-apply", tmp_path / "apply", key)
    applier.run("apply", "-auto-approve", "-input=false", "-var=revision=1")
    assert state_serial(account, key) >= 1
    written = state_serial(account, key)

    planner = workspace(account, "prod-terraform-plan", tmp_path / "plan", key)
    plan = planner.run(
        "plan", "-input=false", "-lock=true", "-var=revision=2", "-detailed-exitcode", check=False
    )
    # A change to show: the lock object was written, then removed.
    assert plan.returncode == 2, plan.stdout + plan.stderr
    listing = account.role("prod-terraform-plan").list_objects_v2(Bucket=BUCKET, Prefix="prod/tiny")
    assert [o["Key"] for o in listing.get("Contents", [])] == [key], "the lock object is gone"

    attempt = planner.run("apply", "-auto-approve", "-input=false", "-var=revision=2", check=False)
    assert attempt.returncode != 0
    assert "Failed to save state" in attempt.stderr
    assert "api error AccessDenied" in " ".join(attempt.stderr.split())
    assert state_serial(account, key) == written, "the plan role changed nothing"


def test_a_plan_role_reads_another_environments_state_nowhere(
    account: Account, tmp_path: Path
) -> None:
    account.role("dev-terraform-apply").put_object(
        Bucket=BUCKET, Key="dev/tiny.tfstate", Body=b"{}"
    )
    prod_plan = account.role("prod-terraform-plan")
    assert (
        refused(lambda: prod_plan.get_object(Bucket=BUCKET, Key="dev/tiny.tfstate"))
        == "AccessDenied"
    )
    assert refused(lambda: prod_plan.head_object(Bucket=BUCKET, Key="dev/tiny.tfstate")) == "403"
    # Nor through Terraform, nor by copying it into a prefix the role may read.
    env = et.terraform_env(
        account.endpoint,
        cli_config=account.cli_config,
        credentials=account.credentials(account.role_arns["prod-terraform-plan"]),
        region=REGION,
    )
    sneak = et.Workspace(terraform_root(tmp_path / "sneak"), env)
    location = et.StateLocation(bucket=BUCKET, key="dev/tiny.tfstate", region=REGION)
    attempt = sneak.run("init", "-input=false", *et.backend_config_args(location), check=False)
    if attempt.returncode == 0:
        attempt = sneak.run("plan", "-input=false", "-var=revision=1", check=False)
    assert attempt.returncode != 0
    # The backend reads the state with HeadObject first: a 403 without a body ("Forbidden").
    assert 'Unable to access object "dev/tiny.tfstate"' in attempt.stderr
    assert "StatusCode: 403" in attempt.stderr
    copy = lambda: prod_plan.copy_object(  # noqa: E731
        Bucket=BUCKET,
        Key=plan_key("prod", "pull-requests"),
        CopySource={"Bucket": BUCKET, "Key": "dev/tiny.tfstate"},
    )
    assert refused(copy) == "AccessDenied"


def test_plan_roles_write_lock_objects_and_plans_only(account: Account) -> None:
    s3 = account.role("prod-terraform-plan")
    put = lambda key: s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")  # noqa: E731
    for allowed in (
        "prod/app.tfstate.tflock",
        "env:/blue/prod/app.tfstate.tflock",
        plan_key("prod", "pull-requests"),
        plan_key("prod", "default-branch", "metadata.json"),
    ):
        put(allowed)
        assert s3.get_object(Bucket=BUCKET, Key=allowed)["Body"].read() == b"x"
    s3.delete_object(Bucket=BUCKET, Key="prod/app.tfstate.tflock")
    for denied in (
        "prod/app.tfstate",
        "env:/blue/prod/app.tfstate",
        "dev/app.tfstate.tflock",
        plan_key("dev", "pull-requests"),
        "somewhere/else.txt",
    ):
        assert refused(lambda key=denied: put(key)) == "AccessDenied", denied


def test_apply_roles_write_state_and_default_branch_plans_only(account: Account) -> None:
    account.role("prod-terraform-plan").put_object(
        Bucket=BUCKET, Key=plan_key("prod", "pull-requests"), Body=b"x"
    )
    s3 = account.role("prod-terraform-apply")
    for allowed in (
        "prod/app.tfstate",
        "env:/blue/prod/app.tfstate",
        plan_key("prod", "default-branch"),
    ):
        s3.put_object(Bucket=BUCKET, Key=allowed, Body=b"{}")
    assert (
        s3.get_object(Bucket=BUCKET, Key=plan_key("prod", "pull-requests"))["Body"].read() == b"x"
    )
    for denied in (plan_key("prod", "pull-requests", "other.json"), "dev/app.tfstate"):
        assert (
            refused(lambda key=denied: s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}"))
            == "AccessDenied"
        )
    version = s3.head_object(Bucket=BUCKET, Key="prod/app.tfstate")["VersionId"]
    erase = lambda: s3.delete_object(Bucket=BUCKET, Key="prod/app.tfstate", VersionId=version)  # noqa: E731
    assert refused(erase) == "AccessDenied", "state versions stay for recovery"


def test_personal_environments_run_with_dev_roles(account: Account) -> None:
    dev_apply, dev_plan = account.role("dev-terraform-apply"), account.role("dev-terraform-plan")
    dev_apply.put_object(Bucket=BUCKET, Key="dev-alice/complete.tfstate", Body=b"{}")
    dev_apply.put_object(Bucket=BUCKET, Key=plan_key("dev-alice", "pull-requests"), Body=b"{}")
    dev_plan.put_object(Bucket=BUCKET, Key="dev-alice/complete.tfstate.tflock", Body=b"{}")
    assert (
        dev_plan.get_object(Bucket=BUCKET, Key="dev-alice/complete.tfstate")["Body"].read() == b"{}"
    )
    write_state = lambda: dev_plan.put_object(  # noqa: E731
        Bucket=BUCKET, Key="dev-alice/complete.tfstate", Body=b"{}"
    )
    assert refused(write_state) == "AccessDenied"
    prod_apply = account.role("prod-terraform-apply")
    read = lambda: prod_apply.get_object(Bucket=BUCKET, Key="dev-alice/complete.tfstate")  # noqa: E731
    assert refused(read) == "AccessDenied"


def test_no_other_principal_reaches_an_environment_but_the_administrators(
    account: Account,
) -> None:
    for outsider in (f"arn:aws:iam::{ACCOUNT}:role/onboarding", f"arn:aws:iam::{ACCOUNT}:role/ci"):
        s3 = account.s3(outsider)
        assert (
            refused(lambda s3=s3: s3.get_object(Bucket=BUCKET, Key="prod/app.tfstate"))
            == "AccessDenied"
        )
        put = lambda s3=s3: s3.put_object(Bucket=BUCKET, Key="prod/app.tfstate", Body=b"{}")  # noqa: E731
        assert refused(put) == "AccessDenied"
        assert "prod/app.tfstate" in [
            o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET)["Contents"]
        ]
    admin = account.s3(ADMIN_ROLE)
    admin.put_object(Bucket=BUCKET, Key="prod/app.tfstate", Body=b'{"serial": 9}')
    assert (
        admin.get_object(Bucket=BUCKET, Key="prod/app.tfstate")["Body"].read() == b'{"serial": 9}'
    )


def test_environment_roles_leave_the_bucket_alone(account: Account) -> None:
    s3 = account.role("prod-terraform-apply")
    policy = s3.get_bucket_policy(Bucket=BUCKET)["Policy"]
    assert refused(lambda: s3.put_bucket_policy(Bucket=BUCKET, Policy=policy)) == "AccessDenied"
    assert refused(lambda: s3.delete_bucket_policy(Bucket=BUCKET)) == "AccessDenied"
    rule = {"ID": "gone", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}
    lifecycle = lambda: s3.put_bucket_lifecycle_configuration(  # noqa: E731
        Bucket=BUCKET, LifecycleConfiguration={"Rules": [rule]}
    )
    assert refused(lifecycle) == "AccessDenied"
    assert refused(lambda: s3.delete_bucket_lifecycle(Bucket=BUCKET)) == "AccessDenied"


def test_delete_objects_refuses_key_by_key(account: Account) -> None:
    s3 = account.role("prod-terraform-plan")
    s3.put_object(Bucket=BUCKET, Key="prod/batch.tfstate.tflock", Body=b"x")
    answer = s3.delete_objects(
        Bucket=BUCKET,
        Delete={"Objects": [{"Key": "prod/batch.tfstate.tflock"}, {"Key": "prod/app.tfstate"}]},
    )
    assert [d["Key"] for d in answer.get("Deleted", [])] == ["prod/batch.tfstate.tflock"]
    assert [(e["Key"], e["Code"]) for e in answer.get("Errors", [])] == [
        ("prod/app.tfstate", "AccessDenied")
    ]


# --- OIDC trust: which GitHub job assumes which role ---------------------------------------

ROLES = (
    "dev-terraform-plan",
    "dev-terraform-apply",
    "dev-deploy",
    "prod-terraform-plan",
    "prod-terraform-apply",
    "prod-deploy",
    "image-push",
)
# The token subject of each kind of job (GitHub's default subject template) and the one role
# it may assume.
ROLE_OF_SUBJECT = {
    f"repo:{REPOSITORY}:environment:prod": "prod-terraform-apply",
    f"repo:{REPOSITORY}:environment:prod-plan": "prod-terraform-plan",
    f"repo:{REPOSITORY}:environment:prod-deploy": "prod-deploy",
    f"repo:{REPOSITORY}:environment:dev": "dev-terraform-apply",
    f"repo:{REPOSITORY}:environment:dev-plan": "dev-terraform-plan",
    f"repo:{REPOSITORY}:environment:dev-deploy": "dev-deploy",
    # No environment: a pull request's job, a branch's job.
    f"repo:{REPOSITORY}:pull_request": None,
    f"repo:{REPOSITORY}:ref:refs/heads/feature": None,
    # The application's build job runs in no environment: a push to main pushes the image.
    f"repo:{REPOSITORY}:ref:refs/heads/main": "image-push",
    # A personal environment runs in dev; its own name is trusted by nothing.
    f"repo:{REPOSITORY}:environment:dev-alice": None,
    # Other repositories, even with the same environment names.
    "repo:acme/other:environment:prod": None,
    "repo:acme/shop-fork:environment:prod-deploy": None,
}


def assume_with_token(account: Account, role_key: str, subject: str) -> dict[str, Any]:
    sts = boto3.client("sts", endpoint_url=account.endpoint, region_name=REGION)
    answer: dict[str, Any] = sts.assume_role_with_web_identity(
        RoleArn=account.role_arns[role_key],
        RoleSessionName="github-actions",
        WebIdentityToken=unsigned_jwt(subject=subject),
    )
    return answer


def test_the_bootstrap_creates_githubs_oidc_provider(account: Account) -> None:
    iam = account.client("iam", account.credentials(f"arn:aws:iam::{ACCOUNT}:role/onboarding"))
    arn = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
    providers = iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]
    assert [p["Arn"] for p in providers] == [arn]
    provider = iam.get_open_id_connect_provider(OpenIDConnectProviderArn=arn)
    assert provider["ClientIDList"] == ["sts.amazonaws.com"]
    assert set(account.role_arns) == set(ROLES)


@pytest.mark.parametrize("subject", list(ROLE_OF_SUBJECT))
def test_each_jobs_token_assumes_exactly_its_role(account: Account, subject: str) -> None:
    assumed: list[str] = []
    refusals: set[str] = set()
    for role in ROLES:
        try:
            answer = assume_with_token(account, role, subject)
        except ClientError as error:
            refusals.add(error.response["Error"]["Code"])
            continue
        assumed.append(role)
        assert answer["SubjectFromWebIdentityToken"] == subject
        assert answer["AssumedRoleUser"]["Arn"].startswith(
            f"arn:aws:sts::{ACCOUNT}:assumed-role/github-{role}/"
        )
    expected = ROLE_OF_SUBJECT[subject]
    assert assumed == ([expected] if expected else [])
    assert refusals == {"AccessDenied"}


def test_a_deploy_jobs_token_reaches_no_state(account: Account) -> None:
    """The deploy role, the only one a prod-deploy job assumes, writes no state; the apply
    role, which does, refuses the deploy job's token."""
    subject = f"repo:{REPOSITORY}:environment:prod-deploy"
    with pytest.raises(ClientError) as denied:
        assume_with_token(account, "prod-terraform-apply", subject)
    assert denied.value.response["Error"] == {
        "Type": "Sender",
        "Code": "AccessDenied",
        "Message": "Not authorized to perform sts:AssumeRoleWithWebIdentity",
    }
    keys = assume_with_token(account, "prod-deploy", subject)["Credentials"]
    s3 = account.client(
        "s3", et.Credentials(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])
    )
    put = lambda: s3.put_object(Bucket=BUCKET, Key="prod/app.tfstate", Body=b"{}")  # noqa: E731
    assert refused(put) == "AccessDenied"


def test_the_image_push_role_reaches_no_state(account: Account) -> None:
    """github-image-push, which a push to main assumes, writes no environment's state nor any
    plan: the bucket policy names only the environments' roles."""
    subject = f"repo:{REPOSITORY}:ref:refs/heads/main"
    keys = assume_with_token(account, "image-push", subject)["Credentials"]
    s3 = account.client(
        "s3", et.Credentials(keys["AccessKeyId"], keys["SecretAccessKey"], keys["SessionToken"])
    )
    for key in ("prod/app.tfstate", plan_key("prod", "default-branch")):
        put = lambda key=key: s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}")  # noqa: E731
        assert refused(put) == "AccessDenied", key
