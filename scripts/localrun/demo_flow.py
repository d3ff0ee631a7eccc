"""The demo's story, run against local services: two AWS accounts on the emulator, the
infrastructure pipeline (plan on a pull request, approval, apply) for dev and prod, then the
application pipeline (test, build, push, deploy, bake) for dev, the same image promoted to
prod, and a second change whose deploy trips an alarm and is rolled back.

Everything goes through the real workflows (examples/workflows/*.yml calling
.github/workflows/*.yml) run by act. act gives every job of one run the same `vars`, so
each environment's jobs run in their own act invocation with that environment's variables,
as its GitHub environment would hold them. It also gives them one OIDC token, for the
GitHub environment the run stands for (`<env>-plan`, `<env>`, `<env>-deploy`), and the
emulator checks the roles' trust policies as STS does: where one run holds jobs of two
environments (a protected stage's plan job, in `<env>-plan` on GitHub, before its apply
job), the read-only plan role is made to trust the apply environment's token too; likewise
the image push role, which on GitHub trusts only the build job's token on a push to main
(`ref:refs/heads/main`), is made to trust dev's deploy environment, the token of the
application runs that build.

Stages that do not depend on each other run side by side, as they would for real: the two
accounts' onboarding (two teams, two accounts); the pull request's plans (parallel jobs of
one workflow on GitHub; two act runs here); prod's gated apply and the application's first
run on main (two workflows the merge starts; the application needs only dev's stack); and
the promotion of the first image to prod with the second change's run in dev (a dispatch and
a push, each in its own environment). They are reported in order once both ended.

`run_demo` is shared by `make demo` (which prints the report) and the end-to-end test
(which asserts on the outcome)."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import emulator_terraform as et

from . import act, workspace
from .engines import path_without_engines

ROOT = Path(__file__).resolve().parents[2]

ACCOUNTS = {"dev": "111111111111", "prod": "222222222222"}
REGION = "eu-west-1"
GITHUB_REPOSITORY = "acme/shop"
REVIEWER = "lead"
BAKE_TIME = "20s"
STATE_KEY = "complete.tfstate"
# cw-alarms-check logs this line when the bake starts watching.
BAKE_STARTED = "Bake: watching"
# ecs-deploy logs this line when ECS's own bake begins (BLUE_GREEN, CANARY, LINEAR).
ECS_BAKE_STARTED = " BAKE_TIME production 100%"
# The GitHub environment application deploys run in (app.yml's deploy-environment-suffix and
# account-bootstrap's deploy_environment_suffix, both by default), whose token the deploy
# role trusts.
DEPLOY_SUFFIX = "-deploy"
FIRST_DEPLOY = "Application: test, build, push, deploy dev, bake"
PROMOTE = "Application: promote the same image to prod"
ROLLBACK = "Application: second change, an alarm fires, automatic rollback"
OIDC_HOST = "token.actions.githubusercontent.com"


@dataclass
class Services:
    """Where the local stand-ins listen. `github` is the GitHub API test double and
    `progressor` the ECS deployment progressor (tests/fakes); both run in this process."""

    endpoint: str
    registry: str
    docker: Mapping[str, str]
    database_url: str
    github: Any
    progressor: Any
    tf_cli_config: str
    # How a job installs its engine: the local release site (mirror URL, its signing key)
    # and the runner's tool cache. No job finds an engine on PATH.
    engine_env: Mapping[str, str]
    # The application's base image in a registry BuildKit pulls from (empty: the engine's).
    base_image: str = ""


@dataclass
class Stage:
    title: str
    seconds: float = 0.0
    ok: bool = True
    facts: list[str] = field(default_factory=list)


@dataclass
class DemoOutcome:
    stages: list[Stage] = field(default_factory=list)
    variables: dict[str, dict[str, str]] = field(default_factory=dict)
    # Repository-level variables (the build job's): the image push role, its region.
    repository_variables: dict[str, str] = field(default_factory=dict)
    stacks: dict[str, dict[str, Any]] = field(default_factory=dict)
    first_image: str = ""
    second_image: str = ""
    task_definitions: dict[str, str] = field(default_factory=dict)
    prod_stages: list[str] = field(default_factory=list)  # the canary's stages in prod
    canary_verdict: str = ""  # why ECS rolled the second prod canary back

    @property
    def ok(self) -> bool:
        return all(stage.ok for stage in self.stages)


@contextmanager
def timed(stage: Stage) -> Iterator[None]:
    """Time ``stage`` and mark it failed if its work raises (the error goes on)."""
    started = time.monotonic()
    try:
        yield
    except Exception:
        stage.ok = False
        raise
    finally:
        stage.seconds = time.monotonic() - started


class DemoError(RuntimeError):
    """A stage did not end the way the story needs; the message says where to look."""


def account_session(endpoint: str, account: str) -> boto3.Session:
    """A session acting in `account` (moto keeps accounts apart by assumed-role keys)."""
    keys = et.assume_role(endpoint, f"arn:aws:iam::{account}:role/demo-admin", region=REGION)
    return boto3.Session(
        aws_access_key_id=keys.access_key_id,
        aws_secret_access_key=keys.secret_access_key,
        aws_session_token=keys.session_token,
        region_name=REGION,
    )


def common_prefix(names: list[str]) -> str:
    """The longest start every name shares (alarm names are not paths)."""
    if not names:
        return ""
    first, last = min(names), max(names)
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[:length]


class AlarmOnLine:
    """A run's ``on_line``: sets ``alarm`` to ALARM, with ``reason``, the first time a log
    line contains ``marker`` (a bake has begun); ``reset`` puts it back to OK."""

    def __init__(self, cloudwatch: Any, alarm: str, marker: str, reason: str) -> None:
        self.cloudwatch = cloudwatch
        self.alarm = alarm
        self.marker = marker
        self.reason = reason
        self.fired = threading.Event()

    def __call__(self, line: str) -> None:
        if self.marker in line and not self.fired.is_set():
            self.fired.set()
            self.cloudwatch.set_alarm_state(
                AlarmName=self.alarm, StateValue="ALARM", StateReason=self.reason
            )

    def reset(self) -> None:
        self.cloudwatch.set_alarm_state(
            AlarmName=self.alarm, StateValue="OK", StateReason="demo: reset"
        )


class Demo:
    def __init__(
        self,
        services: Services,
        work: Path,
        report: Callable[[Stage], None] = lambda stage: None,
        log: Callable[[str], None] = lambda line: None,
    ) -> None:
        self.services = services
        self.work = work
        self.report = report
        self.log = log
        self.outcome = DemoOutcome()
        self.repo = work / "repo"
        self.runs = 0
        self.runs_lock = threading.Lock()
        self.pull_request = 0
        self.infra_sha = ""
        self.second_sha = ""

    # -- plumbing ------------------------------------------------------------------------

    @contextmanager
    def stage(self, title: str) -> Iterator[Stage]:
        stage = Stage(title)
        try:
            with timed(stage):
                yield stage
        finally:
            self.outcome.stages.append(stage)
            self.report(stage)

    def stages_side_by_side(self, work: Sequence[tuple[str, Callable[[Stage], None]]]) -> None:
        """Run independent stages at once; report them in the given order when all ended, and
        raise the first one's error, if any, as ``stage`` does."""
        stages = [Stage(title) for title, _ in work]

        def run_one(stage: Stage, do: Callable[[Stage], None]) -> None:
            with timed(stage):
                do(stage)

        with ThreadPoolExecutor(max_workers=len(work)) as pool:
            futures = [
                pool.submit(run_one, stage, do) for stage, (_, do) in zip(stages, work, strict=True)
            ]
        for stage in stages:
            others = [other.title for other in stages if other is not stage]
            stage.facts.append(f"at the same time as: {'; '.join(others)}")
            self.outcome.stages.append(stage)
            self.report(stage)
        for future in futures:
            future.result()

    def session(self, environment: str) -> boto3.Session:
        return account_session(self.services.endpoint, ACCOUNTS[environment])

    def plan_role_trusts_the_apply_token(self, environment: str) -> str:
        """act gives the plan job of a protected stage's apply run the run's one token, the
        apply environment's: the plan role (read-only) trusts that subject too. The apply
        role still trusts its own environment only. Returns the subject added."""
        return self.role_trusts_the_run_token(
            environment,
            self.outcome.variables[environment]["TF_PLAN_ROLE_ARN"],
            f"environment:{environment}",
        )

    def push_role_trusts_the_deploy_token(self) -> str:
        """act gives an application run's build job the run's one token, dev's deploy
        environment's; on GitHub the build job's token names `ref:refs/heads/main`, the
        only subject the push role trusts. Returns the subject added."""
        return self.role_trusts_the_run_token(
            "dev",
            self.outcome.repository_variables["ECR_PUSH_ROLE_ARN"],
            f"environment:dev{DEPLOY_SUFFIX}",
        )

    def role_trusts_the_run_token(self, environment: str, role_arn: str, context: str) -> str:
        iam = self.session(environment).client("iam", endpoint_url=self.services.endpoint)
        name = role_arn.rsplit("/", 1)[1]
        document = iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"]
        policy = json.loads(document) if isinstance(document, str) else document
        subject = f"repo:{GITHUB_REPOSITORY}:{context}"
        for statement in policy["Statement"]:
            like = statement["Condition"]["StringLike"]
            trusted = like[f"{OIDC_HOST}:sub"]
            like[f"{OIDC_HOST}:sub"] = [
                *([trusted] if isinstance(trusted, str) else trusted),
                subject,
            ]
        iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(policy))
        return subject

    def run_app(
        self,
        name: str,
        environment: str,
        image: str | None = None,
        on_line: Callable[[str], None] | None = None,
    ) -> act.ActRun:
        """app.yml for ``environment``, in its deploy environment: a push to main (test,
        build, push, deploy), or given an ``image`` (even an empty one) a dispatch promoting
        that image."""
        self.expect_deployments(environment)
        push = image is None
        return self.run_workflow(
            name,
            "examples/workflows/app.yml",
            "push" if push else "workflow_dispatch",
            oidc_environment=f"{environment}{DEPLOY_SUFFIX}",
            variables=self.app_variables(environment),
            payload={"ref": "refs/heads/main"} if push else None,
            inputs=None if push else {"environments": json.dumps([environment]), "image": image},
            on_line=on_line,
        )

    def alarm_on_line(self, environment: str, alarm: str, marker: str, reason: str) -> AlarmOnLine:
        cloudwatch = self.session(environment).client(
            "cloudwatch", endpoint_url=self.services.endpoint
        )
        return AlarmOnLine(cloudwatch, alarm, marker, reason)

    def next_run_id(self) -> int:
        with self.runs_lock:  # stages side by side number their runs too
            self.runs += 1
            return 9000 + self.runs

    def act_env(self, oidc_environment: str, run_id: int) -> dict[str, str]:
        """The job environment act passes on: the emulator's endpoints, the GitHub double,
        the OIDC token endpoint, Docker and the Terraform provider mirror. No AWS keys:
        every AWS call uses the role the job assumes through OIDC."""
        return {
            "AWS_ENDPOINT_URL": self.services.endpoint,
            "AWS_ENDPOINT_URL_ECS": self.services.progressor.url,
            "AWS_S3_USE_PATH_STYLE": "true",
            **et.emulator_hostnames(self.services.endpoint),
            "GITHUB_API_URL": self.services.github.url,
            "GITHUB_REPOSITORY": GITHUB_REPOSITORY,
            "GITHUB_RUN_ID": str(run_id),
            "PATH": path_without_engines(os.environ["PATH"]),
            **self.services.engine_env,
            # Jobs share providers through the actions/cache stand-in, as a repository's do.
            "SLIPWAY_ACTIONS_CACHE_DIR": str(self.work / "actions-cache"),
            "TF_CLI_CONFIG_FILE": self.services.tf_cli_config,
            **self.services.docker,
            **self.services.github.oidc_env(oidc_environment, GITHUB_REPOSITORY),
        }

    def run_workflow(
        self,
        name: str,
        workflow: str,
        event: str,
        *,
        oidc_environment: str,
        variables: Mapping[str, str],
        payload: Mapping[str, Any] | None = None,
        inputs: Mapping[str, str] | None = None,
        on_line: Callable[[str], None] | None = None,
        run_id: int | None = None,
    ) -> act.ActRun:
        def forward(line: str) -> None:
            self.log(line)
            if on_line:
                on_line(line)

        return act.run_act(
            self.repo,
            workflow,
            self.work / "act" / name,
            event=event,
            env=self.act_env(oidc_environment, run_id or self.next_run_id()),
            variables=variables,
            secrets={"GITHUB_TOKEN": "demo-token"},
            payload=payload,
            inputs=inputs,
            on_line=forward,
        )

    # -- the story -----------------------------------------------------------------------

    def run(self) -> DemoOutcome:
        with self.stage("Repository") as stage:
            sha = workspace.export(ROOT, self.repo, "shop: infrastructure and web service")
            self.infra_sha = sha
            stage.facts.append(f"scratch clone {self.repo} at {sha[:12]}")
        self.onboard_accounts()
        self.infrastructure_pull_request()
        self.services.github.merge_pull_request(
            self.pull_request, self.infra_sha, repo=GITHUB_REPOSITORY
        )
        with self.stage(self.apply_title("dev")) as stage:
            self.infrastructure_apply("dev", stage)
        # The merge starts both pipelines: prod's apply waits for its reviewer while the
        # application, which needs only dev's stack, is tested, built and deployed to dev.
        self.stages_side_by_side(
            [
                (self.apply_title("prod"), lambda stage: self.infrastructure_apply("prod", stage)),
                (FIRST_DEPLOY, self.app_first_deploy),
            ]
        )
        # The second change lands on main before the first image is promoted: the promotion
        # is a dispatch with that image, whatever main's head is.
        self.second_sha = workspace.commit(
            self.repo, "web: second release", {"examples/app/CHANGES": "second release\n"}
        )
        self.stages_side_by_side([(PROMOTE, self.app_promote), (ROLLBACK, self.app_rollback)])
        self.app_canary_rollback()
        return self.outcome

    def onboard_accounts(self) -> None:
        onboarded: dict[str, dict[str, Any]] = {}

        def onboard(environment: str, account: str) -> Callable[[Stage], None]:
            return lambda stage: onboarded.update(
                {environment: self.onboard_account(environment, account, stage)}
            )

        self.stages_side_by_side(
            [
                (f"Onboard account {account} ({environment})", onboard(environment, account))
                for environment, account in ACCOUNTS.items()
            ]
        )
        # In the accounts' order, whichever ended first.
        for environment in ACCOUNTS:
            outputs = onboarded[environment]
            variables = outputs["github_environment_variables"][environment]
            # A null value is a variable left unset (as on GitHub).
            self.outcome.variables[environment] = {
                k: v for k, v in variables.items() if v is not None
            }
            self.outcome.repository_variables.update(outputs["github_repository_variables"])

    def onboard_account(self, environment: str, account: str, stage: Stage) -> dict[str, Any]:
        """Apply examples/account-bootstrap to ``account``; its outputs."""
        credentials = et.assume_role(
            self.services.endpoint, f"arn:aws:iam::{account}:role/onboarding"
        )
        destination = self.work / "accounts" / environment
        directory = et.copy_example("account-bootstrap", destination)
        env = et.terraform_env(
            self.services.endpoint,
            cli_config=self.services.tf_cli_config,
            credentials=credentials,
            region=REGION,
        )
        terraform = et.Workspace(directory, env)
        terraform.run("init", "-input=false")
        terraform.run(
            "apply",
            "-auto-approve",
            "-input=false",
            f"-var=region={REGION}",
            f"-var=repository={GITHUB_REPOSITORY}",
            f"-var=environments=[{json.dumps(environment)}]",
            f"-var=state_bucket_name=shop-tfstate-{account}",
            "-var=force_destroy_state=true",
            # The demo reads each stack's outputs from its state as demo-admin; the
            # bucket policy keeps everyone else but the environment's roles out.
            "-var=state_administrator_arns="
            + json.dumps([f"arn:aws:iam::{account}:role/demo-admin"]),
            # The image registry lives in dev's account: only there a push role.
            *([] if environment == "dev" else ["-var=image_push=null"]),
        )
        outputs = terraform.outputs()
        variables = outputs["github_environment_variables"][environment]
        stage.facts += [
            f"state bucket {variables['TF_STATE_BUCKET']} (versioned, S3 lock files)",
            f"OIDC roles: {variables['TF_PLAN_ROLE_ARN'].rsplit('/', 1)[1]}, "
            f"{variables['TF_APPLY_ROLE_ARN'].rsplit('/', 1)[1]}, "
            f"{variables['DEPLOY_ROLE_ARN'].rsplit('/', 1)[1]}",
        ]
        if push_role := outputs["github_repository_variables"].get("ECR_PUSH_ROLE_ARN"):
            stage.facts.append(
                f"image push role {push_role.rsplit('/', 1)[1]} (pushes to main only)"
            )
        return dict(outputs)

    def infra_variables(self, environment: str) -> dict[str, str]:
        return {
            **self.outcome.variables[environment],
            "AWS_ACCOUNT_ID": ACCOUNTS[environment],
            "INFRA_ENVIRONMENTS": json.dumps([environment]),
        }

    def infrastructure_pull_request(self) -> None:
        github = self.services.github
        self.pull_request = github.open_pull_request(
            "Shop: network, load balancer, service, database", repo=GITHUB_REPOSITORY
        )
        github.add_pull_commits(self.pull_request, [(self.infra_sha, "dev", "dev")])
        # As the onboarding asks: production's environment has required reviewers.
        github.protect_environment("prod", reviewers=(REVIEWER,), repo=GITHUB_REPOSITORY)
        payload = {
            "pull_request": {"number": self.pull_request, "head": {"ref": "shop-stack"}},
            "number": self.pull_request,
        }

        def plan(environment: str, run_id: int) -> Callable[[Stage], None]:
            def run(stage: Stage) -> None:
                done = self.run_workflow(
                    f"infra-pr-{environment}",
                    "examples/workflows/infra.yml",
                    "pull_request",
                    oidc_environment=f"{environment}-plan",
                    variables=self.infra_variables(environment),
                    payload=payload,
                    run_id=run_id,
                )
                require(done, f"the {environment} plan")
                comment = self.plan_comment(environment)
                stage.facts.append(f"sticky comment: {first_line_with(comment, 'to add')}")

            return run

        self.stages_side_by_side(
            [
                (
                    f"Infrastructure pull request #{self.pull_request}: plan {environment}",
                    plan(environment, self.next_run_id()),
                )
                for environment in ACCOUNTS
            ]
        )

    def plan_comment(self, environment: str) -> str:
        comments = self.services.github.comments(self.pull_request, GITHUB_REPOSITORY)
        for comment in comments:
            if f"`{environment}`" in comment["body"] or f" {environment}" in comment["body"]:
                return str(comment["body"])
        raise DemoError(f"no plan comment for {environment} on pull request #{self.pull_request}")

    @staticmethod
    def apply_title(environment: str) -> str:
        title = f"Infrastructure merge: apply {environment}"
        if environment == "prod":
            title += ": plan shown, then approval, then that plan applied"
        return title

    def infrastructure_apply(self, environment: str, stage: Stage) -> None:
        github = self.services.github
        shown = f"prod at {self.infra_sha[:7]}"
        run_id = self.next_run_id()
        if environment == "prod":
            added = self.plan_role_trusts_the_apply_token(environment)
            stage.facts.append(f"act gives the plan job {added}'s token: trusted")
            # The prod plan job shows its plan on the merged pull request; the reviewer
            # approves once that comment exists (on GitHub the apply job waits for it), and
            # tf-apply-gated verifies the approval.
            github.approve_when_commented(
                run_id, github.review("approved", REVIEWER, ("prod",)), shown
            )
        run = self.run_workflow(
            f"infra-apply-{environment}",
            "examples/workflows/infra.yml",
            "push",
            oidc_environment=environment,
            variables=self.infra_variables(environment),
            payload={"ref": "refs/heads/main", "repository": {"default_branch": "main"}},
            run_id=run_id,
        )
        if environment == "prod":
            note = next(
                (
                    line.strip("> ")
                    for c in github.comments(self.pull_request, GITHUB_REPOSITORY)
                    if f"· {shown}" in c["body"]
                    for line in c["body"].splitlines()
                    if "plan reviewed on" in line or "compared" in line
                ),
                "(no plan shown)",
            )
            stage.facts += [
                f"shown on pull request #{self.pull_request}: {note}",
                f"approved by @{REVIEWER} after it was shown",
            ]
        require(run, f"the {environment} apply")
        stack = self.read_stack(environment)
        self.outcome.stacks[environment] = stack
        stage.facts += [
            f"state s3://{self.outcome.variables[environment]['TF_STATE_BUCKET']}/"
            f"{environment}/{STATE_KEY}",
            f"cluster {stack['cluster_name']}, service {stack['service_name']}, "
            f"{len(stack['alarm_names'])} alarms",
        ]

    def read_stack(self, environment: str) -> dict[str, Any]:
        s3 = self.session(environment).client("s3", endpoint_url=self.services.endpoint)
        body = s3.get_object(
            Bucket=self.outcome.variables[environment]["TF_STATE_BUCKET"],
            Key=f"{environment}/{STATE_KEY}",
        )["Body"].read()
        outputs = json.loads(body)["outputs"]
        return {name: value["value"] for name, value in outputs.items()}

    def app_variables(self, environment: str) -> dict[str, str]:
        """Repository variables (the build) plus the environment's (the deploy)."""
        stack = self.outcome.stacks[environment]
        ca_bundle = os.environ.get("PIP_CERT") or "/etc/ssl/certs/ca-certificates.crt"
        return {
            "AWS_REGION": REGION,
            "IMAGE_REPOSITORY": self.outcome.stacks["dev"]["ecr_repository_url"].split("/", 1)[1],
            "IMAGE_REGISTRY": self.services.registry,
            "ECR_PUSH_ROLE_ARN": self.outcome.repository_variables["ECR_PUSH_ROLE_ARN"],
            "TEST_DATABASE_URL": self.services.database_url,
            "BUILD_NETWORK": "host",
            "BASE_IMAGE": self.services.base_image,
            "BUILD_SECRETS": f"ca-bundle={ca_bundle}" if Path(ca_bundle).is_file() else "",
            "BAKE_TIME": BAKE_TIME,
            "APP_ENVIRONMENTS": json.dumps([environment]),
            "DEPLOY_ROLE_ARN": self.outcome.variables[environment]["DEPLOY_ROLE_ARN"],
            "ECS_CLUSTER": stack["cluster_name"],
            "ECS_SERVICE": stack["service_name"],
            "ECS_CONTAINER": stack["container_name"],
            "ALARM_PREFIX": common_prefix(list(stack["alarm_names"])),
        }

    def service_task_definition(self, environment: str) -> dict[str, Any]:
        stack = self.outcome.stacks[environment]
        ecs = self.session(environment).client("ecs", endpoint_url=self.services.endpoint)
        service = ecs.describe_services(
            cluster=stack["cluster_name"], services=[stack["service_name"]]
        )["services"][0]
        definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])
        return dict(definition["taskDefinition"])

    def image_of(self, environment: str) -> tuple[str, str]:
        definition = self.service_task_definition(environment)
        container = self.outcome.stacks[environment]["container_name"]
        image = next(
            c["image"] for c in definition["containerDefinitions"] if c["name"] == container
        )
        return definition["taskDefinitionArn"], image

    def expect_deployments(self, environment: str) -> None:
        """Deployments go as their strategy goes, a configured minute (prod's canary bake
        and ECS's bake) lasting a second; prod's canary stages a second or two each, so the
        timeline shows them."""
        stack = self.outcome.stacks[environment]
        self.services.progressor.set_scenario(
            stack["cluster_name"],
            stack["service_name"],
            "completed",
            after_s=12 if stack.get("deployment_strategy") != "ROLLING" else 2,
            minute_s=1.0,
        )

    def app_first_deploy(self, stage: Stage) -> None:
        added = self.push_role_trusts_the_deploy_token()
        stage.facts.append(f"act gives the build job {added}'s token: trusted")
        run = self.run_app("app-dev", "dev")
        require(run, "the application pipeline for dev")
        arn, image = self.image_of("dev")
        self.outcome.first_image = image
        self.outcome.task_definitions["dev-first"] = arn
        stage.facts += [
            "unit and integration tests passed (PostgreSQL)",
            f"image {image}",
            f"dev runs {arn.rsplit('/', 1)[1]}; alarms quiet for {BAKE_TIME}",
        ]

    def app_promote(self, stage: Stage) -> None:
        run = self.run_app("app-prod", "prod", image=self.outcome.first_image)
        require(run, "the promotion to prod")
        arn, image = self.image_of("prod")
        if image != self.outcome.first_image:
            raise DemoError(f"prod runs {image}, not the promoted {self.outcome.first_image}")
        self.outcome.task_definitions["prod"] = arn
        self.outcome.prod_stages = stages_logged(run.log)
        stage.facts += [
            f"deployed as a {self.outcome.stacks['prod']['deployment_strategy']}: "
            + " → ".join(self.outcome.prod_stages),
            f"prod runs {arn.rsplit('/', 1)[1]} with the same digest",
        ]

    def app_rollback(self, stage: Stage) -> None:
        stage.facts.append(f"commit {self.second_sha[:12]} pushed to main")
        alarm = sorted(self.outcome.stacks["dev"]["alarm_names"])[0]
        fire_during_bake = self.alarm_on_line(
            "dev", alarm, BAKE_STARTED, "demo: 5xx responses from the new version"
        )
        run = self.run_app("app-dev-second", "dev", on_line=fire_during_bake)
        if run.succeeded or not fire_during_bake.fired.is_set():
            raise DemoError("the second deploy was expected to breach its bake and fail")
        built = [value for _, name, value in act.step_outputs(run.log) if name == "image"]
        self.outcome.second_image = built[0] if built else ""
        arn, image = self.image_of("dev")
        self.outcome.task_definitions["dev-after-rollback"] = arn
        if image != self.outcome.first_image:
            raise DemoError(f"dev runs {image} after the rollback, not {self.outcome.first_image}")
        fire_during_bake.reset()
        stage.facts += [
            f"image {self.outcome.second_image or '(see the act log)'}",
            f"{alarm} went to ALARM during the bake",
            f"rolled back: dev runs {arn.rsplit('/', 1)[1]} (the first image) again",
        ]

    def app_canary_rollback(self) -> None:
        """The second image reaches prod as a canary; a deployment alarm fires during ECS's
        bake and ECS itself rolls the canary back (no redeploy by the pipeline)."""
        with self.stage(
            "Application: the second image as a prod canary, ECS rolls it back"
        ) as stage:
            stack = self.outcome.stacks["prod"]
            alarm = sorted(stack["deployment_alarm_names"])[0]
            fire_during_ecs_bake = self.alarm_on_line(
                "prod", alarm, ECS_BAKE_STARTED, "demo: the canary's latency is up"
            )
            run = self.run_app(
                "app-prod-canary",
                "prod",
                image=self.outcome.second_image,
                on_line=fire_during_ecs_bake,
            )
            fire_during_ecs_bake.reset()
            if run.succeeded or not fire_during_ecs_bake.fired.is_set():
                raise DemoError("the prod canary was expected to be rolled back by ECS")
            verdict = first_line_with(run.log, "ECS is rolling back the deployment")
            if "during BAKE_TIME" not in verdict or alarm not in verdict:
                raise DemoError(f"ECS did not roll the canary back on {alarm}: {verdict}")
            arn, image = self.image_of("prod")
            self.outcome.task_definitions["prod-after-canary"] = arn
            self.outcome.canary_verdict = verdict[verdict.index("ECS is rolling back") :]
            if image != self.outcome.first_image:
                raise DemoError(f"prod runs {image} after ECS's rollback, not the first image")
            stage.facts += [
                "canary: " + " → ".join(stages_logged(run.log)),
                f"{alarm} went to ALARM during ECS's bake",
                self.outcome.canary_verdict,
                f"prod runs {arn.rsplit('/', 1)[1]} (the first image) again",
            ]


def stages_logged(log: str) -> list[str]:
    """The lifecycle stages ecs-deploy logged, in order, with the traffic moves."""
    seen: list[str] = []
    for line in log.splitlines():
        if "stage: +" not in line:
            continue
        words = line.split("stage: +", 1)[1].split()
        stage = words[1] if len(words) > 1 else ""
        traffic = next((words[i + 1] for i, w in enumerate(words[:-1]) if w == "production"), "")
        label = f"{stage} {traffic}".strip() if stage == "PRODUCTION_TRAFFIC_SHIFT" else stage
        if stage.isupper() and (not seen or seen[-1] != label):
            seen.append(label)
    return seen


def require(run: act.ActRun, what: str) -> None:
    if not run.succeeded:
        tail = "\n".join(run.log.splitlines()[-40:])
        raise DemoError(f"{what} failed (act exit {run.returncode}):\n{tail}")


def first_line_with(text: str, needle: str) -> str:
    for line in text.splitlines():
        if needle in line:
            return line.strip(" #*")
    return text.splitlines()[0] if text else ""
