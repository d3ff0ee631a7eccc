"""Publishing an image for ecr-build-push and ship: the repository made sure of, a private
docker config with the registry logins, the tags planned against the repository's mutability,
the build and push (buildx or the classic builder), and the scan gate over the platform
images. Raises :class:`PublishError` with one line for the step's error. The build itself
(:func:`run_build`) and the logins (:func:`registry_login`) serve ``push: false`` too
(:mod:`slipway.commands.ecr_build_only`)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from slipway.commands.ecr_build_push import Request
from slipway.gha.inputs import format_duration
from slipway.gha.runner import Runner
from slipway.gha.summary import Summary
from slipway.images.build import DockerError, docker_cli, docker_env
from slipway.images.buildx import BuildMetadata
from slipway.images.docker_config import PrivateDockerConfig, private_docker_config
from slipway.images.mutability import (
    TagCollision,
    TagMutability,
    collision_message,
    plan_tags,
    refused_tag,
    skipped_notice,
)
from slipway.images.reference import format_reference
from slipway.images.registry import PlatformImage, RegistryClient

__all__ = [
    "PublishError",
    "Result",
    "publish",
    "registry_login",
    "render_summary",
    "run_build",
    "scan_gate",
]


class PublishError(RuntimeError):
    """The image could not be published; the message is one line for the step's error."""


@dataclass
class Result:
    repository_name: str
    registry: str
    digest: str
    tags: tuple[str, ...]
    built: bool
    build_seconds: float = 0.0
    added_tags: tuple[str, ...] = ()
    skipped_tags: tuple[str, ...] = ()
    platforms: tuple[str, ...] = ()
    platform_images: tuple[PlatformImage, ...] = ()
    builder: str = ""
    mutability: str = ""
    scan: str = "not requested"
    pushed: bool = True  # false: built with push: false, in no registry

    @property
    def image(self) -> str:
        if not self.pushed:
            return ""
        return format_reference(self.repository_name, self.registry, digest=self.digest)


def render_summary(result: Result) -> Summary:
    if not result.pushed:
        took = format_duration(round(result.build_seconds))
        return (
            Summary()
            .heading(f"📦 {result.repository_name}: built in {took}, not pushed (push: false)")
            .table(
                ["", ""],
                [
                    ["platforms", ", ".join(result.platforms) or "the builder's own"],
                    ["pushed", "nothing: no repository, tag or scan"],
                    ["builder", result.builder],
                ],
            )
        )
    verdict = (
        f"built and pushed in {format_duration(round(result.build_seconds))}"
        if result.built
        else "skipped: the commit's image already exists"
    )
    summary = Summary().heading(f"📦 {result.repository_name}: {verdict}")
    rows = [
        ["image", f"`{result.image}`"],
        ["digest", f"`{result.digest}`"],
        ["platforms", ", ".join(result.platforms) or "unknown"],
        ["tags", ", ".join(f"`{t}`" for t in result.tags)],
        ["scan", result.scan],
    ]
    if result.added_tags:
        rows.append(["tags added", ", ".join(f"`{t}`" for t in result.added_tags)])
    if result.skipped_tags:
        rows.append(
            [
                "tags not moved",
                ", ".join(f"`{t}`" for t in result.skipped_tags) + f" ({result.mutability})",
            ]
        )
    if result.builder:
        rows.append(["builder", result.builder])
    return summary.table(["", ""], rows)


def registry_login(
    runner: Runner, session: Any, ecr: Any, config: PrivateDockerConfig, host: str
) -> tuple[str, str]:
    """An ECR login for ``host`` (any account or region) into the private config."""
    from slipway.images.ecr import authorization
    from slipway.images.reference import parse_ecr_registry

    parsed = parse_ecr_registry(host)
    client = ecr
    if parsed is not None and parsed.region != session.region:
        client = session.client("ecr", region_name=parsed.region)
    login = authorization(client, parsed.account_id if parsed else None)
    runner.mask(login.password)
    config.login(host, login.username, login.password)
    runner.info(f"logged in to {host} (private docker config, removed after the step)")
    return login.username, login.password


def publish(runner: Runner, request: Request, session: Any, ecr: Any) -> Result:
    """Make sure the repository exists, then build and push the image under the tags the
    repository lets it have, or only add the missing tags when the commit's image is already
    there. Raises PublishError. Shared by ecr-build-push and ship."""
    from botocore.exceptions import ClientError

    from slipway.images.ecr import ensure_repository
    from slipway.images.registry import RegistryError

    settings = request.repository
    try:
        with runner.group(f"ECR repository {settings.name}"):
            repository = ensure_repository(
                ecr, settings, create=request.create_repository, log=runner.info
            )
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
        with private_docker_config(runner.env) as config:
            return _publish(
                runner,
                request,
                session,
                ecr,
                registry=registry,
                mutability=repository.mutability,
                config=config,
            )
    except RegistryError as error:
        raise PublishError(str(error)) from error
    except ClientError as error:  # ECR refused the login (permissions, registry id)
        raise PublishError(f"ECR: {error}") from error


def _publish(
    runner: Runner,
    request: Request,
    session: Any,
    ecr: Any,
    *,
    registry: str,
    mutability: TagMutability,
    config: PrivateDockerConfig,
) -> Result:
    from slipway.images.reference import is_ecr_registry
    from slipway.images.registry import image_platforms

    name = request.repository.name
    client = RegistryClient(registry)
    if is_ecr_registry(registry):
        username, password = registry_login(runner, session, ecr, config, registry)
        client = RegistryClient(registry, username, password)
    else:
        runner.info(f"registry {registry}: no ECR login")
    for host in request.login_registries:
        if host != registry:
            registry_login(runner, session, ecr, config, host)

    existing = {tag: client.head_manifest(name, tag) for tag in request.tags}
    commit_digest = existing[request.tags[0]]
    kinds = request.kinds
    plan = plan_tags(
        request.tags,
        moving=kinds.moving,
        fixed=kinds.fixed,
        mutability=mutability,
        existing=existing,
        digest=commit_digest,
    )
    result = Result(
        name,
        registry,
        commit_digest or "",
        request.tags,
        built=False,
        skipped_tags=tuple(plan.skipped),
        mutability=mutability.describe(),
        builder=request.builder.reason if request.builder else "",
    )
    if plan.collisions:
        raise PublishError(collision_message(name, plan.collisions[0], mutability))
    if plan.skipped:
        runner.notice(skipped_notice(name, plan.skipped, mutability))

    if commit_digest is not None:
        runner.info(f"{name}:{request.tags[0]} exists ({commit_digest}): not building")
        result.added_tags = tuple(
            _add_tags(
                runner,
                request,
                ecr,
                client=client,
                registry=registry,
                digest=commit_digest,
                tags=plan.write,
                mutability=mutability,
            )
        )
    else:
        env = docker_env(runner.env) | config.env
        result.digest = _build_and_push(
            runner,
            request,
            env,
            registry=registry,
            tags=plan.write,
            config=config,
            result=result,
            mutability=mutability,
        )
        result.built = True
        registry_digest = client.head_manifest(name, request.tags[0])
        if registry_digest is None:
            raise PublishError(f"{name}:{request.tags[0]} is not in {registry} after the push")
        if registry_digest != result.digest:
            raise PublishError(
                f"{name}:{request.tags[0]} names {registry_digest} after the push, not the "
                f"{result.digest} just built (another run pushed the same commit)"
            )
    platforms = image_platforms(client, name, result.digest)
    result.platform_images = tuple(platforms)
    result.platforms = tuple(p.platform for p in platforms)
    runner.info(f"{name}@{result.digest}: {', '.join(result.platforms)}")
    return result


def _add_tags(
    runner: Runner,
    request: Request,
    ecr: Any,
    *,
    client: RegistryClient,
    registry: str,
    digest: str,
    tags: list[str],
    mutability: TagMutability,
) -> list[str]:
    """The missing tags added to an image already pushed: with ECR's API on ECR (its
    documented retagging), through the registry elsewhere."""
    from slipway.images.ecr import TagCollisionError, put_tags
    from slipway.images.reference import parse_ecr_registry
    from slipway.images.registry import TagRefusedError

    name = request.repository.name
    parsed = parse_ecr_registry(registry)
    try:
        if parsed is not None:
            added = put_tags(ecr, name, parsed.account_id, digest, tags)
        else:
            added = client.add_tags(name, digest, tags)
    except (TagCollisionError, TagRefusedError) as error:
        existing = getattr(error, "existing", "") or "another image"
        collision = TagCollision(error.tag, existing, "the registry refused it")
        raise PublishError(collision_message(name, collision, mutability)) from error
    for tag in added:
        runner.info(f"tagged {digest} as {tag}")
    return added


def run_build(
    runner: Runner, request: Request, env: dict[str, str], *, references: list[str], work: Path
) -> BuildMetadata | None:
    """The build, as the builder runs it: buildx pushing every reference at once (none: the
    image made all the same, exported nowhere), then what it wrote to its metadata file
    under ``work``; the classic builder tagging the references in the engine (None)."""
    from dataclasses import replace

    from slipway.images.build import build_argv, run_docker
    from slipway.images.buildx import buildx_argv, read_metadata

    docker = docker_cli(runner.env)
    name = request.repository.name
    what = f"{len(references)} tags" if references else "not pushed"
    if request.builder is not None and request.builder.is_buildx:
        metadata = work / "metadata.json"
        argv = buildx_argv(docker, request.build, references, str(metadata))
        with runner.group(f"docker buildx build {name} ({what})"):
            run_docker(argv, env, echo=runner.info)
        try:
            return read_metadata(metadata.read_text())
        except (OSError, ValueError) as error:
            raise PublishError(f"buildx build {name}: {error}") from error
    base = replace(request.build.base, tags=tuple(references))
    with runner.group(f"docker build {name} ({what})"):
        run_docker(build_argv(docker, base), env, echo=runner.info)
    return None


def _build_and_push(
    runner: Runner,
    request: Request,
    env: dict[str, str],
    *,
    registry: str,
    tags: list[str],
    config: PrivateDockerConfig,
    result: Result,
    mutability: TagMutability,
) -> str:
    """Build and push under ``tags``; the digest pushed (the index's, with buildx)."""
    from slipway.images.build import push_with_retries

    docker = docker_cli(runner.env)
    name = request.repository.name
    references = [format_reference(name, registry, tag) for tag in tags]
    started = time.monotonic()
    try:
        metadata = run_build(runner, request, env, references=references, work=config.directory)
        result.build_seconds = time.monotonic() - started
        if metadata is not None:
            return metadata.digest
        digest = None
        with runner.group(f"docker push {name} ({len(references)} tags)"):
            for reference, tag in zip(references, tags, strict=True):
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
        refused = refused_tag(error.output or str(error))
        if refused is not None:
            collision = TagCollision(refused, "another image", "the registry refused it")
            raise PublishError(collision_message(name, collision, mutability)) from error
        raise PublishError(str(error)) from error
    if digest is None:
        raise PublishError(f"docker push {name} reported no digest")
    return digest


def scan_gate(runner: Runner, request: Request, ecr: Any, result: Result) -> int:
    """Wait for ECR's scan of each platform image to judge (an index is not scanned: its
    images are) and fail on findings at or above the gate."""
    from botocore.exceptions import ClientError

    from slipway.images.scan import ScanError, judge_findings, severity_counts, wait_for_scan

    settings = request.repository
    wanted = request.scan_platforms
    targets = [p for p in result.platform_images if not wanted or p.platform in wanted]
    if not targets:
        listed = ", ".join(result.platforms) or "none"
        result.scan = f"❌ no image of {', '.join(wanted)} (the image has {listed})"
        return runner.fail(f"input 'scan-platforms': the image has no {', '.join(wanted)} image")
    try:
        findings = []
        with runner.group(f"Scan gate ({request.scan_gate})"):
            for target in targets:
                found = wait_for_scan(
                    ecr,
                    settings.name,
                    target.digest,
                    registry_id=settings.registry_id,
                    timeout_s=request.scan_timeout_s,
                )
                runner.info(f"{target.platform} ({target.digest}): {len(found)} finding(s)")
                findings += [(target.platform, finding) for finding in found]
    except (ScanError, ClientError) as error:
        result.scan = f"❌ {error}"
        return runner.fail(f"scan gate: {error}")
    ok, blocking = judge_findings(
        [finding for _, finding in findings], request.scan_gate, request.cve_allowlist
    )
    counts = ", ".join(f"{k} {v}" for k, v in severity_counts([f for _, f in findings]).items())
    scanned = ", ".join(target.platform for target in targets)
    result.scan = (
        f"{'✅ passed' if ok else '❌ blocked'} at {request.scan_gate} "
        f"({counts or 'no findings'}; {scanned})"
    )
    if ok:
        return 0
    where = {id(finding): platform for platform, finding in findings}
    ids = ", ".join(f"{f.id} ({f.severity}, {where.get(id(f), '?')})" for f in blocking[:10])
    return runner.fail(
        f"scan gate: {len(blocking)} finding(s) at or above {request.scan_gate}: {ids}"
    )
