"""`slipway ecr-build-push`: build an image once per commit, push it to ECR, gate on the scan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from slipway.aws.config import AwsSettings
from slipway.commands.common import read_aws_settings
from slipway.commands.ecr_build_push_spec import SPEC
from slipway.gha.inputs import InputError, Inputs
from slipway.gha.runner import Runner
from slipway.images.build import (
    BuildSpec,
    docker_cli,
    docker_env,
    oci_labels,
    parse_network,
    parse_secrets,
    workspace,
)
from slipway.images.buildx import (
    BUILDERS,
    Attestations,
    Builder,
    BuildxSpec,
    cache_refs,
    check_classic,
    choose_builder,
    parse_cache,
    parse_platforms,
    parse_provenance,
)
from slipway.images.ecr import ENCRYPTION, MUTABILITY, RepositorySettings, parse_lifecycle_policy
from slipway.images.mutability import TagMutability, parse_exclusion_filters
from slipway.images.reference import (
    ACCOUNT_ID,
    ImageReferenceError,
    is_ecr_registry,
    parse_reference,
    validate_registry,
    validate_repository,
)
from slipway.images.scan import GATES
from slipway.images.tags import TagKinds, compute_tags, tag_kinds

__all__ = ["SPEC", "Request", "parse", "resolve_builder", "run"]


@dataclass(frozen=True)
class Request:
    repository: RepositorySettings
    registry: str | None  # None: the ECR registry of the account
    create_repository: bool
    build: BuildxSpec  # without tags; the registry is known only after the AWS calls
    tags: tuple[str, ...]
    kinds: TagKinds
    push_retries: int
    scan_gate: str
    scan_timeout_s: float
    cve_allowlist: tuple[str, ...]
    aws: AwsSettings | None  # None: push false and nothing to log in to, so no AWS call
    builder_input: str = "auto"
    provenance_given: bool = False
    login_registries: tuple[str, ...] = ()
    scan_platforms: tuple[str, ...] = ()
    builder: Builder | None = None  # chosen by resolve_builder, before any AWS call
    push: bool = True  # false: built as for a push, then nothing written to any registry


def _choice(inputs: Inputs, name: str, choices: tuple[str, ...], default: str) -> str:
    value = (inputs.string(name) or default).upper()
    upper = {c.upper(): c for c in choices}
    if value not in upper:
        raise InputError(name, "one of " + ", ".join(choices), inputs.string(name) or "")
    return upper[value]


def _default_filters(
    name: str, registry: str | None, kinds: TagKinds, cache_to: tuple[str, ...]
) -> tuple[str, ...]:
    """A created repository's exclusion filters when none are given: ``latest``, this build's
    moving tags, and the tags its registry caches write into the same repository (a cache is
    rewritten by every build)."""
    wanted = ["latest", *kinds.moving]
    for ref in cache_refs(cache_to):
        try:
            parsed = parse_reference(ref)
        except ImageReferenceError:
            continue
        if parsed.repository == name and parsed.tag and (registry in (None, parsed.registry)):
            wanted.append(parsed.tag)
    return tuple(dict.fromkeys(wanted))[:5]


def check_no_push(scan_gate: str, cache_to: tuple[str, ...]) -> None:
    """What ``push: false`` refuses, before anything runs: a scan gate (ECR scans only what
    is pushed) and a registry cache export (a write to the registry, by a build the
    default branch never reviewed, that later builds would read)."""
    if scan_gate != "none":
        raise InputError(
            "scan-gate", "none with push: false (ECR scans only pushed images)", scan_gate
        )
    for spec in cache_to:
        if "type=registry" in spec.split(","):
            raise InputError(
                "cache-to",
                "no registry cache export with push: false (it writes to the registry)",
                spec,
            )


def _login_registries(values: list[str]) -> tuple[str, ...]:
    for host in values:
        if not is_ecr_registry(host):
            raise InputError(
                "login-registries",
                "ECR registry hosts such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                host,
            )
    return tuple(dict.fromkeys(values))


def _repository_settings(
    inputs: Inputs,
    base: Path,
    *,
    name: str,
    account: str | None,
    kinds: TagKinds,
    registry: str | None,
    cache_to: tuple[str, ...],
) -> RepositorySettings:
    """The settings of a repository the action creates."""
    encryption = _choice(inputs, "encryption", ENCRYPTION, "AES256")
    kms_key = inputs.string("kms-key")
    if kms_key and encryption != "KMS":
        raise InputError("kms-key", "no value unless encryption is KMS", kms_key)
    mutability = _choice(inputs, "image-tag-mutability", MUTABILITY, "IMMUTABLE_WITH_EXCLUSION")
    filters = parse_exclusion_filters(
        inputs.list("image-tag-mutability-exclusion-filters"),
        "image-tag-mutability-exclusion-filters",
    )
    if filters and mutability not in ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"):
        raise InputError(
            "image-tag-mutability-exclusion-filters",
            "no filters unless image-tag-mutability is IMMUTABLE_WITH_EXCLUSION or "
            "MUTABLE_WITH_EXCLUSION",
            ", ".join(filters),
        )
    if not filters and mutability == "IMMUTABLE_WITH_EXCLUSION":
        filters = _default_filters(name, registry, kinds, cache_to)
    if not filters and mutability == "MUTABLE_WITH_EXCLUSION":
        raise InputError(
            "image-tag-mutability-exclusion-filters",
            "at least one filter with MUTABLE_WITH_EXCLUSION",
            "",
        )
    return RepositorySettings(
        name=name,
        registry_id=account,
        tag_mutability=TagMutability(mutability, filters),
        scan_on_push=inputs.boolean("scan-on-push", default=True),
        encryption=encryption,
        kms_key=kms_key,
        lifecycle_policy=parse_lifecycle_policy(inputs.string("lifecycle-policy"), base),
    )


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
    cache_from = parse_cache(inputs.list("cache-from", lines_only=True), "cache-from")
    cache_to = parse_cache(inputs.list("cache-to", lines_only=True), "cache-to")
    builder_input = inputs.string("builder", default="auto", choices=BUILDERS)
    platforms = parse_platforms(inputs.list("platforms"))
    provenance_text = inputs.string("provenance")
    attestations = Attestations(
        parse_provenance(provenance_text), inputs.boolean("sbom", default=False)
    )

    sha = inputs.string("sha") or env.get("GITHUB_SHA", "")
    ref = inputs.string("ref") or env.get("GITHUB_REF", "")
    latest = inputs.boolean("latest", default=False)
    tags = compute_tags(sha, ref, latest=latest, custom=inputs.list("tags"))
    kinds = tag_kinds(sha, ref, latest=latest)
    settings = _repository_settings(
        inputs, base, name=name, account=account, kinds=kinds, registry=registry, cache_to=cache_to
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
    push = inputs.boolean("push", default=True)
    if not push:
        check_no_push(gate, cache_to)
    login_registries = _login_registries(inputs.list("login-registries"))
    return Request(
        repository=settings,
        registry=registry,
        create_repository=inputs.boolean("create-repository", default=True),
        build=BuildxSpec(
            base=BuildSpec(
                context=context,
                dockerfile=dockerfile,
                target=inputs.string("target"),
                build_args=build_args,
                secrets=secrets,
                labels=labels,
                cache_from=cache_from,
                inline_cache="type=inline" in cache_to,
                network=parse_network(inputs.string("network") or ""),
                platform=platforms[0] if len(platforms) == 1 else None,
            ),
            platforms=platforms,
            attestations=attestations,
            cache_from=cache_from,
            cache_to=cache_to,
        ),
        tags=tuple(tags),
        kinds=kinds,
        push_retries=inputs.integer("push-retries", default=3, minimum=0, maximum=10),
        scan_gate=gate,
        scan_timeout_s=scan_timeout,
        cve_allowlist=tuple(inputs.list("cve-allowlist")),
        aws=read_aws_settings(inputs, env) if push or login_registries else None,
        builder_input=builder_input,
        provenance_given=bool(provenance_text),
        login_registries=login_registries,
        scan_platforms=parse_platforms(inputs.list("scan-platforms")),
        push=push,
    )


def buildx_version(env: Mapping[str, str]) -> str | None:
    """``docker buildx version``'s version, or None when the client has no buildx."""
    import subprocess

    try:
        done = subprocess.run(
            [docker_cli(env), "buildx", "version"],
            env=docker_env(env),
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = done.stdout.split()
    return words[1] if done.returncode == 0 and len(words) > 1 else None


def resolve_builder(runner: Runner, request: Request) -> Request:
    """The builder, chosen (and what the classic one cannot do refused) before any AWS call;
    the log names it."""
    from dataclasses import replace

    builder = choose_builder(request.builder_input, lambda: buildx_version(runner.env), runner.env)
    if not builder.is_buildx:
        spec = request.build
        check_classic(
            spec.platforms,
            spec.attestations,
            request.provenance_given,
            spec.cache_from,
            spec.cache_to,
        )
    elif request.build.base.network not in (None, "default", "host", "none"):
        raise InputError(
            "network",
            "default, host or none with buildx (BuildKit runs no step on a named network)",
            request.build.base.network or "",
        )
    runner.info(f"builder: {builder.reason}")
    return replace(request, builder=builder)


def run(runner: Runner) -> int:
    from slipway.commands.ecr_publish import PublishError, render_summary, scan_gate

    try:
        request = resolve_builder(runner, parse(runner.inputs, runner.env))
    except ValueError as error:
        return runner.fail(str(error))

    ecr = None
    try:
        if request.push:
            result, ecr = _publish(runner, request)
        else:
            from slipway.commands.ecr_build_only import build_only

            result = build_only(runner, request)
    except PublishError as error:
        return runner.fail(str(error))

    runner.set_output("registry", result.registry)
    runner.set_output("digest", result.digest)
    runner.set_output("image", result.image)
    runner.set_output("tags", list(result.tags))
    runner.set_output("built", "true" if result.built else "false")
    runner.set_output("platforms", ",".join(result.platforms))
    runner.set_output("skipped-tags", list(result.skipped_tags))
    code = scan_gate(runner, request, ecr, result) if request.scan_gate != "none" else 0
    runner.write_summary(render_summary(result))
    return code


def _publish(runner: Runner, request: Request) -> tuple[Any, Any]:
    """The image published: the result, and the ECR client the scan gate goes on with."""
    from slipway.aws.session import make_session
    from slipway.commands.ecr_publish import publish

    assert request.aws is not None  # read whenever the image is pushed
    session = make_session(request.aws, runner.env, on_secret=runner.mask)
    ecr = session.client("ecr")
    return publish(runner, request, session, ecr), ecr
