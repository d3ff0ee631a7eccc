"""ecr-build-push with ``push: false`` (a pull request's build): the image built exactly as a
push would build it (the same command line, exported nowhere), and nothing written to any
registry: no repository, no tag, no scan. AWS is called only to log in to
``login-registries`` (private base images), with ``role-to-assume`` when given; without them
the step makes no AWS call at all. Raises :class:`PublishError` with one line."""

from __future__ import annotations

import time

from slipway.commands.ecr_build_push import Request
from slipway.commands.ecr_publish import PublishError, Result, registry_login, run_build
from slipway.gha.runner import Runner
from slipway.images.build import DockerError, docker_cli, docker_env, run_docker
from slipway.images.docker_config import PrivateDockerConfig, private_docker_config

__all__ = ["build_only", "built_platforms"]

# The classic builder builds for the engine's own platform when none is asked for.
_ENGINE_PLATFORM = ["version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"]


def built_platforms(
    requested: tuple[str, ...], from_metadata: tuple[str, ...], engine: str | None
) -> tuple[str, ...]:
    """What was built: the platforms asked for, else what buildx's metadata names, else the
    engine's own (the classic builder's default)."""
    return requested or from_metadata or ((engine,) if engine else ())


def build_only(runner: Runner, request: Request) -> Result:
    name = request.repository.name
    runner.info(f"push: false: {name} is built and pushed nowhere (no repository, tag or scan)")
    with private_docker_config(runner.env) as config:
        _log_in(runner, request, config)
        env = docker_env(runner.env) | config.env
        started = time.monotonic()
        try:
            metadata = run_build(runner, request, env, references=[], work=config.directory)
            engine = None
            if metadata is None and not request.build.platforms:
                output = run_docker([docker_cli(runner.env), *_ENGINE_PLATFORM], env)
                engine = output.strip() or None
        except DockerError as error:
            raise PublishError(str(error)) from error
        seconds = time.monotonic() - started
    platforms = built_platforms(
        request.build.platforms, metadata.platforms if metadata else (), engine
    )
    digest = f" {metadata.digest}" if metadata else ""
    built_for = ", ".join(platforms) or "the builder's own platform"
    runner.info(f"{name}: built{digest} for {built_for}; not pushed (push: false)")
    return Result(
        name,
        registry="",
        digest="",
        tags=(),
        built=True,
        build_seconds=seconds,
        platforms=platforms,
        builder=request.builder.reason if request.builder else "",
        pushed=False,
    )


def _log_in(runner: Runner, request: Request, config: PrivateDockerConfig) -> None:
    """Logins to ``login-registries`` only: the image goes to no registry."""
    if request.aws is None:
        runner.info("no login-registries: no AWS call (role-to-assume, if given, not assumed)")
        return
    from botocore.exceptions import ClientError

    from slipway.aws.session import make_session

    session = make_session(request.aws, runner.env, on_secret=runner.mask)
    ecr = session.client("ecr")
    try:
        for host in request.login_registries:
            registry_login(runner, session, ecr, config, host)
    except ClientError as error:
        raise PublishError(f"ECR: {error}") from error
