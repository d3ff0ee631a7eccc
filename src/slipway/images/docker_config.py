"""A private ``DOCKER_CONFIG`` for one step: registry logins that end with the step.

``docker login`` writes the password into ``~/.docker/config.json``, where it stays after the
job (a self-hosted runner keeps an ECR token for its 12 hours of validity). Instead, each
step gets a directory of its own (mode 0700 under ``$RUNNER_TEMP``) whose ``config.json``
holds the step's logins, and which is removed when the step ends. It starts from the
caller's config: its inline logins (``auths`` entries with an ``auth`` value, such as a
``docker/login-action`` made earlier) and its ``credHelpers`` are kept, so a base image that
needed them still pulls; its ``credsStore`` is not, so no login of this step lands in a
store that outlives it. The buildx plugin (``cli-plugins``), builders (``BUILDX_CONFIG``) and
docker contexts (``contexts``, ``currentContext``) stay those of the caller's config.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


def source_config_dir(env: Mapping[str, str]) -> Path:
    """The caller's docker config directory: ``$DOCKER_CONFIG``, else ``~/.docker``."""
    configured = env.get("DOCKER_CONFIG")
    if configured:
        return Path(configured)
    return Path(env.get("HOME") or Path.home()) / ".docker"


def inherited_config(source: Mapping[str, Any]) -> dict[str, Any]:
    """What a private config keeps of the caller's: inline logins and credential helpers."""
    auths = {
        host: {"auth": entry["auth"]}
        for host, entry in (source.get("auths") or {}).items()
        if isinstance(entry, Mapping) and entry.get("auth")
    }
    config: dict[str, Any] = {"auths": auths}
    helpers = source.get("credHelpers")
    if isinstance(helpers, Mapping) and helpers:
        config["credHelpers"] = dict(helpers)
    if isinstance(source.get("currentContext"), str):
        config["currentContext"] = source["currentContext"]
    return config


def with_login(
    config: Mapping[str, Any], host: str, username: str, password: str
) -> dict[str, Any]:
    """``config`` with an inline login for ``host`` (replacing any helper for it)."""
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    updated = json.loads(json.dumps(config))
    updated.setdefault("auths", {})[host] = {"auth": token}
    helpers = updated.get("credHelpers")
    if isinstance(helpers, dict):
        helpers.pop(host, None)
    return dict(updated)


@dataclass
class PrivateDockerConfig:
    directory: Path
    config: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)  # what the docker client needs
    hosts: list[str] = field(default_factory=list)

    def login(self, host: str, username: str, password: str) -> None:
        """Add a login, written at once (the file is 0600 in a 0700 directory)."""
        self.config = with_login(self.config, host, username, password)
        self.hosts.append(host)
        path = self.directory / "config.json"
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w") as file:
            json.dump(self.config, file)


def _read_config(directory: Path) -> dict[str, Any]:
    try:
        data = json.loads((directory / "config.json").read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@contextlib.contextmanager
def private_docker_config(env: Mapping[str, str]) -> Iterator[PrivateDockerConfig]:
    """A private config directory for the ``with`` block, removed when it ends (also on an
    error or a cancelled step that raises)."""
    source = source_config_dir(env)
    root = env.get("RUNNER_TEMP") or None
    if root:
        Path(root).mkdir(parents=True, exist_ok=True)
    directory = Path(tempfile.mkdtemp(prefix="slipway-docker-", dir=root))
    try:
        private = PrivateDockerConfig(directory, inherited_config(_read_config(source)))
        (directory / "config.json").write_text(json.dumps(private.config))
        (directory / "config.json").chmod(0o600)
        for shared in ("cli-plugins", "contexts"):  # read-only for the docker client here
            if (source / shared).is_dir():
                (directory / shared).symlink_to((source / shared).resolve())
        private.env = {
            "DOCKER_CONFIG": str(directory),
            "BUILDX_CONFIG": env.get("BUILDX_CONFIG") or str(source / "buildx"),
        }
        yield private
    finally:
        shutil.rmtree(directory, ignore_errors=True)
