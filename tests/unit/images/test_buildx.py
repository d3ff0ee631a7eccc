"""The buildx command line, its metadata, the builder choice and what the classic builder
refuses; the platform images of an index; the private docker config."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest

from slipway.gha.inputs import InputError
from slipway.images.build import BuildSecret, BuildSpec
from slipway.images.buildx import (
    Attestations,
    BuildxSpec,
    buildx_argv,
    cache_refs,
    check_classic,
    choose_builder,
    metadata_platforms,
    parse_cache,
    parse_platforms,
    parse_provenance,
    read_metadata,
)
from slipway.images.docker_config import inherited_config, private_docker_config, with_login
from slipway.images.registry import index_images

DIGEST = "sha256:" + "1" * 64
AMD = "sha256:" + "2" * 64
ARM = "sha256:" + "3" * 64


def test_buildx_argv_pushes_every_tag_with_platforms_attestations_and_cache() -> None:
    spec = BuildxSpec(
        base=BuildSpec(
            context=Path("/ws/app"), dockerfile=Path("/ws/app/Dockerfile.prod"), target="run",
            build_args={"A": "1"}, secrets=(BuildSecret("pip", Path("/ws/token")),),
            labels={"team": "web"}, network="host",
        ),
        platforms=("linux/amd64", "linux/arm64"),
        attestations=Attestations("mode=max", sbom=True),
        cache_from=("type=registry,ref=r/web:cache",),
        cache_to=("type=registry,ref=r/web:cache,mode=max",),
    )  # fmt: skip
    argv = buildx_argv("docker", spec, ["r/web:abc", "r/web:main"], "/tmp/meta.json")
    assert argv == [
        "docker", "buildx", "build", "--progress", "plain", "--metadata-file", "/tmp/meta.json",
        "--file", "/ws/app/Dockerfile.prod", "--target", "run", "--network", "host",
        "--platform", "linux/amd64,linux/arm64", "--build-arg", "A=1",
        "--secret", "id=pip,src=/ws/token", "--label", "team=web",
        "--provenance", "mode=max", "--sbom", "true",
        "--cache-from", "type=registry,ref=r/web:cache",
        "--cache-to", "type=registry,ref=r/web:cache,mode=max",
        "--output", 'type=image,"name=r/web:abc,r/web:main",push=true', "/ws/app",
    ]  # fmt: skip
    plain = buildx_argv("docker", BuildxSpec(BuildSpec(context=Path("/c"))), [], "/m")
    assert "--platform" not in plain
    assert plain[plain.index("--provenance") + 1] == "mode=min"  # buildx's own default
    # No tag (push: false): the same image, attestations and all, unnamed and pushed nowhere.
    assert plain[-3:] == ["--output", "type=image,push=false", "/c"]
    unpushed = buildx_argv("docker", spec, [], "/tmp/meta.json")
    assert unpushed[: unpushed.index("--output")] == argv[: argv.index("--output")]


def test_inputs() -> None:
    assert parse_platforms(["linux/amd64", " linux/arm64 ", "linux/amd64", "linux/arm/v7"]) == (
        "linux/amd64",
        "linux/arm64",
        "linux/arm/v7",
    )
    assert parse_provenance(None) == "mode=min"
    assert parse_provenance("true") == "mode=min"
    assert parse_provenance("FALSE") == "false"
    assert parse_provenance("mode=max") == "mode=max"
    assert parse_cache(["r/web:cache", "type=gha,scope=web"], "cache-from") == (
        "r/web:cache",
        "type=gha,scope=web",
    )
    with pytest.raises(InputError, match="input 'cache-to'"):
        parse_cache(["r/web:cache"], "cache-to")  # no shorthand for an export
    assert cache_refs(["type=registry,ref=r/web:cache,mode=max", "type=inline"]) == ["r/web:cache"]


def test_metadata() -> None:
    text = json.dumps(
        {
            "containerimage.digest": DIGEST,
            "containerimage.descriptor": {"mediaType": "application/vnd.oci.image.index.v1+json"},
            "buildx.build.ref": "b/b/x",
        }
    )
    metadata = read_metadata(text)
    assert metadata.digest == DIGEST
    assert metadata.media_type.endswith("index.v1+json")
    assert metadata.platforms == ()  # no provenance in the metadata: not known from it
    with pytest.raises(ValueError, match="no image digest"):
        read_metadata("{}")


def test_the_platforms_built_are_read_from_the_metadatas_provenance() -> None:
    """As buildx v0.38 writes it: a key per platform for several (their build environment is
    the builder's, not the target's), one key for one platform, the builder's own."""
    native = {"invocation": {"environment": {"platform": "linux/amd64"}}}
    several = {
        "containerimage.digest": DIGEST,
        "buildx.build.provenance/linux/amd64": native,
        "buildx.build.provenance/linux/arm64": native,
    }
    assert metadata_platforms(several) == ("linux/amd64", "linux/arm64")
    one = {"containerimage.digest": DIGEST, "buildx.build.provenance": native}
    assert metadata_platforms(one) == ("linux/amd64",)
    assert read_metadata(json.dumps(one)).platforms == ("linux/amd64",)
    assert metadata_platforms({"buildx.build.provenance": {"invocation": {}}}) == ()
    assert metadata_platforms({"buildx.build.provenance": "min"}) == ()


def test_builder_choice() -> None:
    def fail() -> str | None:
        raise AssertionError("classic never probes")

    assert choose_builder("classic", fail, {}).kind == "classic"
    found = choose_builder("auto", lambda: "v0.38.2", {"BUILDX_BUILDER": "ci"})
    assert (found.kind, found.reason) == ("buildx", "buildx v0.38.2 (builder ci)")
    fallback = choose_builder("auto", lambda: None, {})
    assert fallback.kind == "classic"
    assert "the docker client has no buildx plugin" in fallback.reason
    with pytest.raises(InputError, match="input 'builder'"):
        choose_builder("buildx", lambda: None, {})


def test_what_the_classic_builder_refuses() -> None:
    default = Attestations("mode=min", sbom=False)
    check_classic(["linux/arm64"], default, False, ["r/web:cache"], ["type=inline"])
    with pytest.raises(InputError, match="input 'platforms'"):
        check_classic(["linux/amd64", "linux/arm64"], default, False, [], [])
    with pytest.raises(InputError, match="input 'provenance'"):
        check_classic([], default, True, [], [])
    check_classic([], Attestations("false", sbom=False), True, [], [])
    with pytest.raises(InputError, match="input 'cache-from'"):
        check_classic([], default, False, ["type=gha"], [])


def test_index_images_leave_out_attestations() -> None:
    index = {
        "manifests": [
            {"digest": AMD, "platform": {"os": "linux", "architecture": "amd64"}},
            {"digest": ARM, "platform": {"os": "linux", "architecture": "arm64", "variant": "v8"}},
            {
                "digest": DIGEST,
                "platform": {"os": "unknown", "architecture": "unknown"},
                "annotations": {
                    "vnd.docker.reference.type": "attestation-manifest",
                    "vnd.docker.reference.digest": AMD,
                },
            },
        ]
    }
    images = index_images(index)
    assert [(i.platform, i.digest) for i in images] == [
        ("linux/amd64", AMD),
        ("linux/arm64/v8", ARM),
    ]


def _auth(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def test_private_docker_config_keeps_inline_logins_and_is_removed(tmp_path: Path) -> None:
    source = tmp_path / "home-docker"
    (source / "cli-plugins").mkdir(parents=True)
    original = {
        "auths": {"docker.io": {"auth": _auth("me", "pw")}, "store.example": {}},
        "credsStore": "desktop",
        "credHelpers": {"123456789012.dkr.ecr.eu-west-1.amazonaws.com": "ecr-login"},
    }
    (source / "config.json").write_text(json.dumps(original))
    runner_temp = tmp_path / "runner-temp"
    env = {"DOCKER_CONFIG": str(source), "RUNNER_TEMP": str(runner_temp)}
    ecr = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    with private_docker_config(env) as config:
        directory = config.directory
        assert directory.parent == runner_temp
        assert stat.S_IMODE(directory.stat().st_mode) == 0o700
        assert config.env == {
            "DOCKER_CONFIG": str(directory),
            "BUILDX_CONFIG": str(source / "buildx"),
        }
        assert (directory / "cli-plugins").resolve() == (source / "cli-plugins").resolve()
        config.login(ecr, "AWS", "token-1")
        config.login("222222222222.dkr.ecr.us-east-1.amazonaws.com", "AWS", "token-2")
        written = json.loads((directory / "config.json").read_text())
        assert stat.S_IMODE((directory / "config.json").stat().st_mode) == 0o600
        assert written == {
            "auths": {
                "docker.io": {"auth": _auth("me", "pw")},
                ecr: {"auth": _auth("AWS", "token-1")},
                "222222222222.dkr.ecr.us-east-1.amazonaws.com": {"auth": _auth("AWS", "token-2")},
            },
            "credHelpers": {},  # the helper gave way to the step's own login
        }
    assert not directory.exists()
    assert os.listdir(runner_temp) == []
    assert json.loads((source / "config.json").read_text()) == original  # untouched


def test_private_docker_config_is_removed_on_error(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), private_docker_config({"HOME": str(tmp_path)}) as config:
        config.login("r.example", "u", "p")
        raise RuntimeError("build failed")
    assert not config.directory.exists()


def test_inherited_config_and_login_are_pure() -> None:
    assert inherited_config({"credsStore": "pass"}) == {"auths": {}}
    assert inherited_config({"currentContext": "remote"}) == {
        "auths": {},
        "currentContext": "remote",
    }
    updated = with_login({"auths": {}}, "h", "u", "p")
    assert updated == {"auths": {"h": {"auth": _auth("u", "p")}}}


def test_logins_to_several_ecr_registries_land_in_the_private_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The push registry and a base image registry in another account and region: each
    token from its own region's ECR, masked, written to the step's config only."""
    import io

    import boto3
    from moto import mock_aws

    from slipway.commands.ecr_publish import registry_login
    from slipway.gha.runner import Runner

    for key in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")

    class Session:
        region = "eu-west-1"

        def client(self, name: str, region_name: str | None = None) -> object:
            return boto3.client(name, region_name=region_name or self.region)

    out = io.StringIO()
    runner = Runner(env={"GITHUB_ACTIONS": "true"}, stdout=out)
    home = tmp_path / "home"
    push = "123456789012.dkr.ecr.eu-west-1.amazonaws.com"
    base = "222222222222.dkr.ecr.us-east-1.amazonaws.com"
    with mock_aws(), private_docker_config({"HOME": str(home)}) as config:
        session = Session()
        ecr = session.client("ecr")
        user, password = registry_login(runner, session, ecr, config, push)
        registry_login(runner, session, ecr, config, base)
        written = json.loads((config.directory / "config.json").read_text())
        assert set(written["auths"]) == {push, base}
        assert written["auths"][push] == {"auth": _auth(user, password)}
        assert config.hosts == [push, base]
    assert f"::add-mask::{password}" in out.getvalue()
    assert not (home / ".docker").exists()  # nothing written to the runner's own config
    assert not config.directory.exists()


def test_buildx_refuses_a_named_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io

    from slipway.commands import ecr_build_push
    from slipway.gha.inputs import Inputs
    from slipway.gha.runner import Runner

    (tmp_path / "Dockerfile").write_text("FROM scratch\n")
    env = {
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_SHA": "0" * 40,
        "INPUT_REPOSITORY": "shop/web",
        "INPUT_AWS_REGION": "us-east-1",
        "INPUT_NETWORK": "build-net",
    }
    request = ecr_build_push.parse(Inputs(env), env)
    monkeypatch.setattr(ecr_build_push, "buildx_version", lambda env: "v0.38.2")
    with pytest.raises(InputError) as error:
        ecr_build_push.resolve_builder(Runner(env=env, stdout=io.StringIO()), request)
    assert str(error.value) == (
        "input 'network': expected default, host or none with buildx (BuildKit runs no step "
        "on a named network), got 'build-net'"
    )
