"""Image build figures, each beside the equivalent plain ``docker buildx build --push`` in the
same run (same builder, context, platforms and registry cache):

1. cold: an empty BuildKit cache and no registry cache (a new runner, first build);
2. rebuild with the registry cache: a new commit that changes the application's code, the
   BuildKit cache emptied (a new runner) and the registry cache of the first build;
3. the commit's image exists: the same commit again on a new runner (a re-run, or a later
   job): slipway checks the registry and builds nothing; the plain build rebuilds from the
   registry cache and pushes again.

    .venv/bin/python scripts/bench_image_build.py [--platforms linux/amd64,linux/arm64] [--runs 2]

It starts its own emulator, engine, registry, registry front and buildkitd in a temporary
state directory, and stops them at the end. Figures are wall-clock seconds (median of the
runs); slipway's include its start-up, the ECR calls and the registry checks.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import localenv  # noqa: E402
import localenv_images  # noqa: E402

# A service image with a slow dependency step (byte-compiling the standard library stands in
# for installing packages: the same work every time, cacheable) and the code copied last.
DOCKERFILE = """ARG BASE_IMAGE
FROM ${BASE_IMAGE}
RUN python3 -m compileall -q -f /usr/lib/python3.11 > /dev/null && \\
    python3 -c "import hashlib; print(hashlib.sha256(b'x' * 50_000_000).hexdigest())" > /deps
COPY app.py /srv/app.py
CMD ["python3", "/srv/app.py"]
"""


def run(argv: list[str], env: dict[str, str], cwd: Path | None = None) -> float:
    started = time.monotonic()
    done = subprocess.run(argv, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(
            f"{' '.join(argv[:4])} … failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return time.monotonic() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--platforms", default=localenv_images.native_platform())
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="bench-images-"))
    emulator = localenv.start_emulator(state)
    try:
        return bench(state, emulator.endpoint, args.platforms, args.runs)
    finally:
        localenv_images.stop_buildkit(state)
        localenv_images.stop_registry_front(state)
        localenv.stop_registry(state)
        localenv.stop_docker(state)
        localenv.stop("emulator", state)


def bench(state: Path, endpoint: str, platforms: str, runs: int) -> int:
    engine = localenv.start_docker(state)
    plain_registry = localenv.start_registry(state)
    front = localenv_images.start_registry_front(state, plain_registry.endpoint, endpoint)
    kit = localenv_images.start_buildkit(state, [front.endpoint, plain_registry.endpoint])
    base = localenv_images.push_base_image(engine.endpoint, plain_registry.endpoint, kit, state)
    registry = front.endpoint
    env = {
        **os.environ,
        **localenv.emulator_env(endpoint),
        **localenv.docker_env(engine.endpoint, registry),
        **kit.env(),
        "GITHUB_REF": "refs/heads/main",
        "RUNNER_TEMP": str(state / "runner-temp"),
    }
    env.pop("GITHUB_ACTIONS", None)
    docker = localenv.docker_cli()
    context = state / "context"
    context.mkdir()
    (context / "Dockerfile").write_text(DOCKERFILE)
    print(f"platforms {platforms}; builder {kit.builder} (BuildKit, buildx v0.38.2)")

    def prune() -> None:  # a new runner: nothing in BuildKit's own cache
        run([docker, "buildx", "prune", "--all", "--force"], env)

    def slipway(repository: str, sha: str) -> Callable[[], float]:
        cache = f"{registry}/{repository}:buildcache"
        argv = [
            str(ROOT / ".venv" / "bin" / "python"), "-m", "slipway", "ecr-build-push",
            "--repository", repository, "--registry", registry, "--context", str(context),
            "--sha", sha, "--platforms", platforms, "--build-args", f"BASE_IMAGE={base}",
            "--cache-from", f"type=registry,ref={cache}",
            "--cache-to", f"type=registry,ref={cache},mode=max",
        ]  # fmt: skip
        return lambda: run(argv, env, cwd=context)

    def plain(repository: str, sha: str) -> Callable[[], float]:
        cache = f"{registry}/{repository}:buildcache"
        argv = [
            docker, "buildx", "build", "--push", "--platform", platforms,
            "--build-arg", f"BASE_IMAGE={base}",
            "--cache-from", f"type=registry,ref={cache}",
            "--cache-to", f"type=registry,ref={cache},mode=max",
            "--tag", f"{registry}/{repository}:{sha}", "--tag", f"{registry}/{repository}:main",
            str(context),
        ]  # fmt: skip
        return lambda: run(argv, env)

    rows = []
    sides = [("slipway ecr-build-push", slipway), ("docker buildx build --push", plain)]
    for number in range(runs):
        # Each side goes first in every other run: the first build of a run also warms the
        # machine's page cache (the base image, QEMU), which the second one then enjoys.
        for label, make in sides if number % 2 == 0 else sides[::-1]:
            repository = f"bench{number}/{'slipway' if make is slipway else 'plain'}"
            if make is plain:
                create = [
                    str(ROOT / ".venv" / "bin" / "python"), "-c",
                    "import boto3, sys; boto3.client('ecr').create_repository("
                    "repositoryName=sys.argv[1], imageTagMutability='MUTABLE')", repository,
                ]  # fmt: skip
                run(create, env)
            first = hashlib.sha1(f"{repository} 1".encode()).hexdigest()
            second = hashlib.sha1(f"{repository} 2".encode()).hexdigest()
            (context / "app.py").write_text("print('one')\n")
            prune()
            cold = make(repository, first)()
            (context / "app.py").write_text("print('two')\n")
            prune()
            cached = make(repository, second)()
            prune()
            again = make(repository, second)()
            rows.append((label, cold, cached, again))
    _verify(registry, "bench0/slipway")
    print(f"\n{'':28}{'cold':>10}{'registry cache':>16}{'image exists':>14}")
    medians = {}
    for label in ("slipway ecr-build-push", "docker buildx build --push"):
        mine = [row for row in rows if row[0] == label]
        figures = [statistics.median(row[i] for row in mine) for i in (1, 2, 3)]
        medians[label] = figures
        print(
            f"{label:28}"
            + "".join(f"{v:>{w}.1f}s" for v, w in zip(figures, (9, 15, 13), strict=True))
        )
    ours, theirs = medians["slipway ecr-build-push"], medians["docker buildx build --push"]
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    print(
        f"{'ratio (slipway / plain)':28}"
        + "".join(f"{r:>{w}.2f}x" for r, w in zip(ratios, (9, 15, 13), strict=True))
    )
    return 0


def _verify(registry: str, repository: str) -> None:
    """The benchmark's pushes are real: the last commit's tag is in the registry."""
    sha = hashlib.sha1(f"{repository} 2".encode()).hexdigest()
    request = urllib.request.Request(
        f"http://{registry}/v2/{repository}/manifests/{sha}", method="HEAD",
        headers={"Accept": "application/vnd.oci.image.index.v1+json"},
    )  # fmt: skip
    urllib.request.urlopen(request, timeout=10).close()


if __name__ == "__main__":
    sys.exit(main())
