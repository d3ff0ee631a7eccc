"""`slipway ecr-build-push`: build an image once per commit, push it to ECR, gate on the scan."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from slipway.aws.config import AwsSettings
from slipway.commands.common import AWS_INPUTS, read_aws_settings
from slipway.gha.inputs import InputError, Inputs, format_duration
from slipway.gha.runner import Runner
from slipway.gha.spec import ActionSpec, Input, Output
from slipway.gha.summary import Summary
from slipway.images.build import (
    BuildSpec,
    docker_cli,
    oci_labels,
    parse_cache_to,
    parse_network,
    parse_secrets,
    workspace,
)
from slipway.images.ecr import ENCRYPTION, MUTABILITY, RepositorySettings, parse_lifecycle_policy
from slipway.images.reference import (
    ACCOUNT_ID,
    ImageReferenceError,
    format_reference,
    validate_registry,
    validate_repository,
)
from slipway.images.scan import GATES
from slipway.images.tags import compute_tags

__all__ = ["SPEC", "PublishError", "Request", "Result", "parse", "publish", "run"]

SPEC = ActionSpec(
    command="ecr-build-push",
    title="slipway ecr-build-push",
    description=(
        "Build a Docker image once per commit with BuildKit, push it to ECR under computed "
        "tags, skip the build when the commit's image already exists, and gate on the scan."
    ),
    icon="package",
    inputs=(
        Input("repository", "ECR repository name, e.g. team/web.", required=True),
        Input(
            "registry",
            "Registry host to push to (default: the ECR registry of the account and region, or "
            "of registry-account-id). A loopback host such as 127.0.0.1:5000 is reached over "
            "plain HTTP without login.",
        ),
        Input("registry-account-id", "Account id of the ECR registry, for cross-account pushes."),
        Input("create-repository", "Create the repository when it is missing.", default="true"),
        Input(
            "image-tag-mutability",
            "Tag mutability of a created repository: IMMUTABLE or MUTABLE.",
            default="IMMUTABLE",
        ),
        Input("scan-on-push", "Scan on push, for a created repository.", default="true"),
        Input("encryption", "Encryption of a created repository: AES256 or KMS.", default="AES256"),
        Input("kms-key", "KMS key ARN or alias when encryption is KMS."),
        Input(
            "lifecycle-policy",
            "ECR lifecycle policy: JSON text, or the path of a JSON file in the workspace.",
        ),
        Input("context", "Build context directory.", default="."),
        Input("dockerfile", "Dockerfile path (default: <context>/Dockerfile)."),
        Input("target", "Build stage to build."),
        Input(
            "network",
            "Network for the build's RUN steps: default, host, none or a network name "
            "(host where the engine's bridge has no route out).",
        ),
        Input("build-args", "Build arguments, one KEY=value per line."),
        Input(
            "secrets",
            "Build secrets, one id=path per line; read in the Dockerfile with "
            "RUN --mount=type=secret,id=<id>. They never reach a layer.",
        ),
        Input("labels", "Extra image labels, one key=value per line."),
        Input("cache-from", "Images to use as cache sources, one per line."),
        Input(
            "cache-to",
            "`type=inline` to embed the build cache in the image (BUILDKIT_INLINE_CACHE=1).",
        ),
        Input("tags", "Extra tags, separated by commas or newlines."),
        Input("latest", "Also tag the image `latest`.", default="false"),
        Input("sha", "Commit SHA the image is built from (default: GITHUB_SHA)."),
        Input("ref", "Git ref the image is built from (default: GITHUB_REF)."),
        Input("push-retries", "Retries of a failed push, with exponential backoff.", default="3"),
        Input(
            "scan-gate",
            "`none`, or fail when the ECR scan finds vulnerabilities at or above CRITICAL, "
            "HIGH, MEDIUM or LOW.",
            default="none",
        ),
        Input("scan-timeout", "How long to wait for the scan to complete.", default="10m"),
        Input("cve-allowlist", "Vulnerability ids the scan gate ignores (CVE-2023-1234, …)."),
        *AWS_INPUTS,
    ),
    outputs=(
        Output("image", "The image by digest: <registry>/<repository>@sha256:…"),
        Output("digest", "The image manifest digest."),
        Output("tags", "JSON list of the image's tags."),
        Output("built", "`true` when built and pushed, `false` when the commit's image existed."),
        Output("registry", "The registry host."),
    ),
)


@dataclass(frozen=True)
class Request:
    repository: RepositorySettings
    registry: str | None  # None: the ECR registry of the account
    create_repository: bool
    build: BuildSpec  # without tags; the registry is known only after the AWS calls
    tags: tuple[str, ...]
    push_retries: int
    scan_gate: str
    scan_timeout_s: float
    cve_allowlist: tuple[str, ...]
    aws: AwsSettings


def _choice(inputs: Inputs, name: str, choices: tuple[str, ...], default: str) -> str:
    value = (inputs.string(name) or default).upper()
    upper = {c.upper(): c for c in choices}
    if value not in upper:
        raise InputError(name, "one of " + ", ".join(choices), inputs.string(name) or "")
    return upper[value]


def parse(inputs: Inputs, env: Mapping[str, str]) -> Request:
    """Every input validated, before any AWS call or docker command."""
    base = workspace(env)
    name = inputs.string("repository", required=True)
    try:
        validate_repository(name)
    except ImageReferenceError:
        raise InputError(
            "repository", "a lowercase repository name such as team/web", name
        ) from None
    registry = inputs.string("registry")
    if registry is not None:
        try:
            validate_registry(registry)
        except ImageReferenceError:
            raise InputError("registry", "a registry host[:port]", registry) from None
    account = inputs.string("registry-account-id")
    if account is not None and not ACCOUNT_ID.fullmatch(account):
        raise InputError("registry-account-id", "a 12-digit AWS account id", account)
    encryption = _choice(inputs, "encryption", ENCRYPTION, "AES256")
    kms_key = inputs.string("kms-key")
    if kms_key and encryption != "KMS":
        raise InputError("kms-key", "no value unless encryption is KMS", kms_key)
    settings = RepositorySettings(
        name=name,
        registry_id=account,
        tag_mutability=_choice(inputs, "image-tag-mutability", MUTABILITY, "IMMUTABLE"),
        scan_on_push=inputs.boolean("scan-on-push", default=True),
        encryption=encryption,
        kms_key=kms_key,
        lifecycle_policy=parse_lifecycle_policy(inputs.string("lifecycle-policy"), base),
    )

    context = (base / inputs.string("context", default=".")).resolve()
    if not context.is_dir():
        raise InputError("context", "an existing directory", inputs.string("context") or ".")
    dockerfile_input = inputs.string("dockerfile")
    dockerfile = (base / dockerfile_input).resolve() if dockerfile_input else None
    if not (dockerfile or context / "Dockerfile").is_file():
        raise InputError(
            "dockerfile", "an existing Dockerfile", dockerfile_input or str(context / "Dockerfile")
        )
    build_args = inputs.mapping("build-args", lines_only=True)
    secrets = parse_secrets(inputs.list("secrets", lines_only=True), base)
    extra_labels = inputs.mapping("labels", lines_only=True)
    cache_from = tuple(inputs.list("cache-from", lines_only=True))
    inline_cache = parse_cache_to(inputs.list("cache-to", lines_only=True))

    sha = inputs.string("sha") or env.get("GITHUB_SHA", "")
    ref = inputs.string("ref") or env.get("GITHUB_REF", "")
    tags = compute_tags(
        sha, ref, latest=inputs.boolean("latest", default=False), custom=inputs.list("tags")
    )
    labels = (
        oci_labels(
            server_url=env.get("GITHUB_SERVER_URL", "https://github.com"),
            repository=env.get("GITHUB_REPOSITORY", ""),
            sha=tags[0],
            created=datetime.now(UTC),
        )
        | extra_labels
    )
    gate = _choice(inputs, "scan-gate", GATES, "none")
    scan_timeout = inputs.duration("scan-timeout", default=600.0, minimum=1)
    return Request(
        repository=settings,
        registry=registry,
        create_repository=inputs.boolean("create-repository", default=True),
        build=BuildSpec(
            context=context,
            dockerfile=dockerfile,
            target=inputs.string("target"),
            build_args=build_args,
            secrets=secrets,
            labels=labels,
            cache_from=cache_from,
            inline_cache=inline_cache,
            network=parse_network(inputs.string("network") or ""),
        ),
        tags=tuple(tags),
        push_retries=inputs.integer("push-retries", default=3, minimum=0, maximum=10),
        scan_gate=gate,
        scan_timeout_s=scan_timeout,
        cve_allowlist=tuple(inputs.list("cve-allowlist")),
        aws=read_aws_settings(inputs, env),
    )


@dataclass
class Result:
    repository_name: str
    registry: str
    digest: str
    tags: tuple[str, ...]
    built: bool
    build_seconds: float = 0.0
    added_tags: tuple[str, ...] = ()
    scan: str = "not requested"

    @property
    def image(self) -> str:
        return format_reference(self.repository_name, self.registry, digest=self.digest)


def render_summary(result: Result) -> Summary:
    verdict = (
        f"built and pushed in {format_duration(round(result.build_seconds))}"
        if result.built
        else "skipped: the commit's image already exists"
    )
    summary = Summary().heading(f"📦 {result.repository_name}: {verdict}")
    rows = [
        ["image", f"`{result.image}`"],
        ["digest", f"`{result.digest}`"],
        ["tags", ", ".join(f"`{t}`" for t in result.tags)],
        ["scan", result.scan],
    ]
    if result.added_tags:
        rows.append(["tags added", ", ".join(f"`{t}`" for t in result.added_tags)])
    return summary.table(["", ""], rows)


def _login(runner: Runner, ecr: Any, registry: str, registry_id: str | None) -> Any:
    from slipway.images.build import docker_env, run_docker
    from slipway.images.ecr import authorization
    from slipway.images.registry import RegistryClient

    login = authorization(ecr, registry_id)
    runner.mask(login.password)
    run_docker(
        [
            docker_cli(runner.env),
            "login",
            "--username",
            login.username,
            "--password-stdin",
            registry,
        ],
        docker_env(runner.env),
        stdin=login.password,
    )
    return RegistryClient(registry, login.username, login.password)


class PublishError(RuntimeError):
    """The image could not be published; the message is one line for the step's error."""


def publish(runner: Runner, request: Request, session: Any, ecr: Any) -> Result:
    """Make sure the repository exists, then build and push the image under its tags, or
    only add the missing tags when the commit's image is already there. Raises
    PublishError. Shared by ecr-build-push and ship."""
    from botocore.exceptions import ClientError

    from slipway.images.ecr import ensure_repository
    from slipway.images.registry import RegistryError

    settings = request.repository
    try:
        with runner.group(f"ECR repository {settings.name}"):
            ensure_repository(ecr, settings, create=request.create_repository, log=runner.info)
    except LookupError as error:
        raise PublishError(str(error)) from error
    except ClientError as error:  # no permission, a KMS key that does not exist, …
        raise PublishError(f"ECR repository {settings.name}: {error}") from error

    if request.registry is None:
        from slipway.images.reference import ecr_registry_host

        account = settings.registry_id or session.account_id()
        registry = ecr_registry_host(account, session.region)
    else:
        registry = request.registry
    try:
        return _build_and_push(runner, request, ecr, registry)
    except RegistryError as error:
        raise PublishError(str(error)) from error
    except ClientError as error:  # ECR refused the login (permissions, registry id)
        raise PublishError(f"ECR: {error}") from error


def _build_and_push(runner: Runner, request: Request, ecr: Any, registry: str) -> Result:
    from slipway.images.build import (
        DockerError,
        build_argv,
        docker_env,
        push_with_retries,
        run_docker,
    )
    from slipway.images.reference import is_ecr_registry, parse_ecr_registry
    from slipway.images.registry import RegistryClient

    docker = docker_cli(runner.env)
    env = docker_env(runner.env)
    name = request.repository.name
    try:
        if is_ecr_registry(registry):
            parsed = parse_ecr_registry(registry)
            client = _login(runner, ecr, registry, parsed.account_id if parsed else None)
        else:
            runner.info(f"registry {registry}: no ECR login")
            client = RegistryClient(registry)

        existing = client.head_manifest(name, request.tags[0])
        result = Result(name, registry, "", request.tags, built=existing is not None)
        if existing is not None:
            runner.info(f"{name}:{request.tags[0]} exists ({existing}): not building")
            result.built = False
            result.digest = existing
            result.added_tags = tuple(client.add_tags(name, existing, list(request.tags[1:])))
            for tag in result.added_tags:
                runner.info(f"tagged {existing} as {tag}")
            return result
        references = [format_reference(name, registry, tag) for tag in request.tags]
        argv = build_argv(docker, _with_tags(request.build, references))
        started = time.monotonic()
        with runner.group(f"docker build {name}"):
            run_docker(argv, env, echo=runner.info)
        result.build_seconds = time.monotonic() - started
        result.built = True
        digest = None
        with runner.group(f"docker push {name} ({len(references)} tags)"):
            for reference, tag in zip(references, request.tags, strict=True):
                pushed = push_with_retries(
                    docker,
                    reference,
                    tag,
                    env,
                    retries=request.push_retries,
                    on_retry=lambda n, why: runner.warning(f"push retry {n}: {why}"),
                )
                digest = digest or pushed
    except DockerError as error:
        raise PublishError(str(error)) from error
    registry_digest = client.head_manifest(name, request.tags[0])
    if registry_digest is None:
        raise PublishError(f"{name}:{request.tags[0]} is not in {registry} after the push")
    if digest and digest != registry_digest:
        runner.warning(f"push reported {digest}, the registry has {registry_digest}")
    result.digest = registry_digest
    return result


def run(runner: Runner) -> int:
    from botocore.exceptions import ClientError

    from slipway.aws.session import make_session
    from slipway.images.scan import ScanError, judge_findings, severity_counts, wait_for_scan

    try:
        request = parse(runner.inputs, runner.env)
    except ValueError as error:
        return runner.fail(str(error))

    session = make_session(request.aws, runner.env, on_secret=runner.mask)
    ecr = session.client("ecr")
    try:
        result = publish(runner, request, session, ecr)
    except PublishError as error:
        return runner.fail(str(error))

    runner.set_output("registry", result.registry)
    runner.set_output("digest", result.digest)
    runner.set_output("image", result.image)
    runner.set_output("tags", list(result.tags))
    runner.set_output("built", "true" if result.built else "false")

    code = 0
    settings = request.repository
    if request.scan_gate != "none":
        try:
            with runner.group(f"Scan gate ({request.scan_gate})"):
                findings = wait_for_scan(
                    ecr,
                    settings.name,
                    result.digest,
                    registry_id=settings.registry_id,
                    timeout_s=request.scan_timeout_s,
                )
            ok, blocking = judge_findings(findings, request.scan_gate, request.cve_allowlist)
            counts = ", ".join(f"{k} {v}" for k, v in severity_counts(findings).items())
            result.scan = (
                f"{'✅ passed' if ok else '❌ blocked'} at {request.scan_gate} "
                f"({counts or 'no findings'})"
            )
            if not ok:
                ids = ", ".join(f"{f.id} ({f.severity})" for f in blocking[:10])
                code = runner.fail(
                    f"scan gate: {len(blocking)} finding(s) at or above {request.scan_gate}: {ids}"
                )
        except (ScanError, ClientError) as error:
            result.scan = f"❌ {error}"
            code = runner.fail(f"scan gate: {error}")
    runner.write_summary(render_summary(result))
    return code


def _with_tags(spec: BuildSpec, references: list[str]) -> BuildSpec:
    from dataclasses import replace

    return replace(spec, tags=tuple(references))
