"""Runs as GitHub's runners have them: no Terraform or OpenTofu on PATH.

ubuntu-latest (Ubuntu 24.04) ships neither engine, so the workflows and actions must install
the one they need. The act runs and the demo give their jobs a PATH from which every
directory holding a `terraform` or `tofu` executable is removed, so each run goes through
the install path (from the local release site) instead of finding the development engine."""

from __future__ import annotations

import os

ENGINE_NAMES = ("terraform", "tofu")


def holds_engine(directory: str) -> bool:
    return any(
        os.access(os.path.join(directory, name), os.X_OK)
        and not os.path.isdir(os.path.join(directory, name))
        for name in ENGINE_NAMES
    )


def path_without_engines(path: str) -> str:
    """``path`` without the directories that hold an engine."""
    kept = [entry for entry in path.split(os.pathsep) if entry and not holds_engine(entry)]
    return os.pathsep.join(kept)
