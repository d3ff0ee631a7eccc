"""The ecr-build-push action's inputs and outputs, declared once (action.yml and the README
tables are generated from them)."""

from __future__ import annotations

from slipway.commands.common import AWS_INPUTS
from slipway.gha.spec import ActionSpec, Input, Output

__all__ = ["SPEC"]

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
        Input(
            "push",
            "`false`: build the image exactly as a push would, then push nothing: no "
            "repository created, no tag written or planned, no scan gate (`scan-gate` must be "
            "`none`; a registry `cache-to` is refused). AWS is called only to log in to "
            "`login-registries`, with `role-to-assume` when given. For pull requests.",
            default="true",
        ),
        Input("create-repository", "Create the repository when it is missing.", default="true"),
        Input(
            "image-tag-mutability",
            "Tag mutability of a created repository: IMMUTABLE_WITH_EXCLUSION (tags never "
            "move, except those an exclusion filter matches), IMMUTABLE, MUTABLE or "
            "MUTABLE_WITH_EXCLUSION.",
            default="IMMUTABLE_WITH_EXCLUSION",
        ),
        Input(
            "image-tag-mutability-exclusion-filters",
            "Wildcard filters (`*`: any characters; up to 5) of the tags excepted from a created "
            "repository's mutability setting (default: `latest`, this build's moving tags and "
            "the tags of its registry caches in the repository).",
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
            "Network for the build's RUN steps: default, host or none (host where the "
            "engine's bridge has no route out); a network name only with the classic builder.",
        ),
        Input("build-args", "Build arguments, one KEY=value per line."),
        Input(
            "secrets",
            "Build secrets, one id=path per line; read in the Dockerfile with "
            "RUN --mount=type=secret,id=<id>. They never reach a layer.",
        ),
        Input("labels", "Extra image labels, one key=value per line."),
        Input(
            "builder",
            "`auto`: buildx when the docker client has it (as on GitHub's runners; "
            "BUILDX_BUILDER names the builder), else the classic `docker build`; or `buildx`, "
            "`classic`. The log names the builder used.",
            default="auto",
        ),
        Input(
            "platforms",
            "Platforms to build, e.g. linux/amd64,linux/arm64 (default: the builder's own); "
            "several make an image index.",
        ),
        Input(
            "provenance",
            "Provenance attestation: `mode=min` (buildx's default), `mode=max` or `false`.",
        ),
        Input("sbom", "Attach an SBOM attestation (buildx).", default="false"),
        Input(
            "cache-from",
            "Cache sources, one per line: an image, or a buildx cache spec such as "
            "type=registry,ref=<image>.",
        ),
        Input(
            "cache-to",
            "Cache exports, one per line: `type=inline`, or with buildx "
            "type=registry,ref=<image>,mode=max (for ECR add image-manifest=true,"
            "oci-mediatypes=true).",
        ),
        Input(
            "login-registries",
            "More ECR registries to log in to for the build (base images in other accounts or "
            "regions), one host per line.",
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
        Input(
            "scan-platforms",
            "Platforms whose images the scan gate judges (default: every platform built); "
            "an image index itself is never scanned.",
        ),
        *AWS_INPUTS,
    ),
    outputs=(
        Output(
            "image",
            "The image by digest: <registry>/<repository>@sha256:… (empty with `push: false`).",
        ),
        Output(
            "digest", "The image's digest: of its index when it has one (empty with `push: false`)."
        ),
        Output(
            "platforms",
            "Comma-separated platforms of the image, e.g. linux/amd64,linux/arm64 (with "
            "`push: false`, the platforms built).",
        ),
        Output("tags", "JSON list of the image's tags (`[]` with `push: false`)."),
        Output(
            "built",
            "`true` when built and pushed, or built and not pushed with `push: false`; `false` "
            "when the commit's image existed.",
        ),
        Output("registry", "The registry host (empty with `push: false`)."),
        Output(
            "skipped-tags",
            "JSON list of moving tags not pushed: the repository keeps them still (`[]` with "
            "`push: false`).",
        ),
    ),
)
