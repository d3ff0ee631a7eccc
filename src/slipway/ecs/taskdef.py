"""Task definitions as data: normalise, load from a file, and render a new revision.

Everything here is pure. A task definition is the ``RegisterTaskDefinition`` request as a
plain dict (boto3's camelCase keys): what :func:`to_register_input` makes of a
``DescribeTaskDefinition`` response or of a file as users keep them.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from slipway.ecs.images import ANY_CONTAINER
from slipway.gha.inputs import InputError

TASK_DEFINITION_INPUT = "task-definition"

# Fields DescribeTaskDefinition returns that RegisterTaskDefinition rejects.
READ_ONLY_FIELDS = frozenset(
    {
        "taskDefinitionArn",
        "revision",
        "status",
        "requiresAttributes",
        "compatibilities",
        "registeredAt",
        "registeredBy",
        "deregisteredAt",
    }
)
# String-to-string maps: their values are kept as given, empty strings included.
_MAPS = frozenset({"dockerLabels", "options", "driverOpts", "labels"})
# Task-level sizes are strings in the API; files often hold numbers.
_STRING_SIZES = ("cpu", "memory")

_CONTAINER_KEY = re.compile(r"[A-Za-z0-9_-]{1,255}")
_SECRET_ARN = re.compile(r"arn:aws[a-z-]*:(?:secretsmanager|ssm):[a-z0-9-]+:[0-9]{12}:\S+")
# A registered revision: its ARN, or family:revision as ECS accepts it everywhere.
_REVISION_ARN = re.compile(
    r"arn:aws[a-z-]*:ecs:[a-z0-9-]+:[0-9]{12}:task-definition/[A-Za-z0-9_-]{1,255}:[1-9][0-9]*"
)
_FAMILY_REVISION = re.compile(r"[A-Za-z0-9_-]{1,255}:[1-9][0-9]*")


class TaskDefinitionError(ValueError):
    """A task definition file that cannot be used; the message is one line."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"input '{TASK_DEFINITION_INPUT}': {problem}")


def _clean(value: Any, key: str | None = None) -> Any:
    """Copy ``value`` without ``None``, and without empty strings, lists and objects where
    they only mean "not set" (string maps and ``value`` fields keep empty strings)."""
    if isinstance(value, Mapping):
        if key in _MAPS:
            return {str(k): v for k, v in value.items() if v is not None}
        result: dict[str, Any] = {}
        for name, item in value.items():
            cleaned = _clean(item, str(name))
            if cleaned is None or (cleaned in ("", [], {}) and name != "value"):
                continue
            result[str(name)] = cleaned
        return result
    if isinstance(value, list | tuple):
        items = [_clean(item) for item in value]
        return [item for item in items if item is not None and item != {}]
    return copy.deepcopy(value)


def to_register_input(described: Mapping[str, Any]) -> dict[str, Any]:
    """The ``RegisterTaskDefinition`` parameters for a task definition.

    Accepts a ``DescribeTaskDefinition`` response (``{"taskDefinition": …, "tags": …}``) or a
    bare task definition, read-only fields and all. Tags (from the response, or a ``tags``
    key of the definition) come out under ``tags``. Never modifies its argument; applying it
    twice gives the same result.
    """
    inner = described.get("taskDefinition")
    if isinstance(inner, Mapping):
        definition: Mapping[str, Any] = inner
        tags = described.get("tags") or inner.get("tags")
    else:
        definition = described
        tags = described.get("tags")
    result: dict[str, Any] = _clean(
        {k: v for k, v in definition.items() if k not in READ_ONLY_FIELDS and k != "tags"}
    )
    for name in _STRING_SIZES:
        if isinstance(result.get(name), int) and not isinstance(result[name], bool):
            result[name] = str(result[name])
    cleaned_tags = _clean(list(tags)) if isinstance(tags, Sequence) else []
    if cleaned_tags:
        result["tags"] = cleaned_tags
    return result


def _validate(definition: Mapping[str, Any], source: str) -> None:
    family = definition.get("family")
    if not isinstance(family, str) or not family.strip():
        raise TaskDefinitionError(f'{source} has no "family" (the task definition\'s name)')
    containers = definition.get("containerDefinitions")
    if not isinstance(containers, list) or not containers:
        raise TaskDefinitionError(f'{source} has no "containerDefinitions" (a list of containers)')
    seen: set[str] = set()
    for index, container in enumerate(containers):
        if not isinstance(container, Mapping):
            raise TaskDefinitionError(f"{source}: containerDefinitions[{index}] is not an object")
        name = container.get("name")
        if not isinstance(name, str) or not _CONTAINER_KEY.fullmatch(name):
            raise TaskDefinitionError(
                f'{source}: containerDefinitions[{index}] has no valid "name" '
                "(1 to 255 letters, digits, '-' or '_')"
            )
        if name in seen:
            raise TaskDefinitionError(f"{source}: container {name!r} is defined twice")
        seen.add(name)
        if not isinstance(container.get("image"), str) or not container["image"]:
            raise TaskDefinitionError(f'{source}: container {name!r} has no "image"')


def registered_revision(text: str) -> str | None:
    """``text`` when it names a registered revision (a task definition ARN or
    ``family:revision``), else ``None``: then it is the path of a task definition file.
    A revision wins over a file of the same name (file names rarely end in ``:<digits>``)."""
    value = text.strip()
    if _REVISION_ARN.fullmatch(value) or _FAMILY_REVISION.fullmatch(value):
        return value
    return None


def load_task_definition_file(path: str | Path) -> dict[str, Any]:
    """Read a JSON task definition (bare, or a saved ``describe-task-definition`` output)
    and return it as :func:`to_register_input` does. Problems raise
    :class:`TaskDefinitionError`."""
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise TaskDefinitionError(f"{source}: no such file") from None
    except UnicodeDecodeError:
        raise TaskDefinitionError(f"{source}: not UTF-8 text") from None
    except OSError as error:
        raise TaskDefinitionError(f"{source}: cannot read it ({error.strerror})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TaskDefinitionError(
            f"{source} is not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    if not isinstance(data, dict):
        raise TaskDefinitionError(
            f"{source} must hold a JSON object (a task definition), not {_json_type(data)}"
        )
    inner = data.get("taskDefinition")
    _validate(inner if isinstance(inner, Mapping) else data, source)
    return to_register_input(data)


def _json_type(value: object) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"


@dataclass(frozen=True)
class ContainerChanges:
    """Environment variables and secrets to set in one container.

    ``secrets`` maps a variable name to the ARN it is read from (``valueFrom``). In exclusive
    mode the given set replaces the container's whole list; otherwise it is merged in.
    """

    environment: Mapping[str, str] = field(default_factory=dict)
    secrets: Mapping[str, str] = field(default_factory=dict)
    exclusive_environment: bool = False
    exclusive_secrets: bool = False


def parse_container_values(text: str, input_name: str) -> dict[str, dict[str, str]]:
    """``container.NAME=value`` lines into ``{container: {NAME: value}}``.

    One item per line (values may contain ``=`` and commas). For the ``secrets`` input the
    value must be a Secrets Manager or SSM Parameter Store ARN. Errors never show a value of
    the ``environment`` input, which may be sensitive.
    """
    is_secrets = input_name == "secrets"
    expected = (
        "container.NAME=arn:aws:secretsmanager:… or arn:aws:ssm:… lines"
        if is_secrets
        else "container.NAME=value lines"
    )
    result: dict[str, dict[str, str]] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        target, sep, value = line.partition("=")
        target = target.strip()
        value = value.strip()
        # Secrets' values are ARNs and safe to echo; anything else there may be the secret
        # itself pasted by mistake, so, like environment values, it is never shown.
        safe = is_secrets and value.startswith("arn:")
        shown = line if safe or not sep else f"{target}=…"
        container, dot, name = target.partition(".")
        if not sep or not dot or not name or any(ch.isspace() for ch in name):
            raise InputError(input_name, expected, shown)
        if not _CONTAINER_KEY.fullmatch(container):
            raise InputError(
                input_name, "a container name of letters, digits, '-' or '_' before '.'", shown
            )
        if is_secrets and not _SECRET_ARN.fullmatch(value):
            raise InputError(
                input_name,
                "an ARN of a Secrets Manager secret or SSM parameter after '='",
                shown,
            )
        values = result.setdefault(container, {})
        if name in values:
            raise InputError(input_name, "each container.NAME once", target)
        values[name] = value
    return result


def container_changes(
    environment: Mapping[str, Mapping[str, str]],
    secrets: Mapping[str, Mapping[str, str]],
    *,
    exclusive_environment: bool = False,
    exclusive_secrets: bool = False,
) -> dict[str, ContainerChanges]:
    """Combine parsed ``environment`` and ``secrets`` inputs into changes per container."""
    names = list(dict.fromkeys([*environment, *secrets]))
    return {
        name: ContainerChanges(
            environment=dict(environment.get(name, {})),
            secrets=dict(secrets.get(name, {})),
            exclusive_environment=exclusive_environment,
            exclusive_secrets=exclusive_secrets,
        )
        for name in names
    }


def _merge(
    entries: list[dict[str, Any]], values: Mapping[str, str], value_key: str, exclusive: bool
) -> list[dict[str, Any]]:
    """Set ``values`` in a list of ``{"name": …, value_key: …}``: existing names keep their
    place, new ones are appended sorted by name; exclusive mode keeps only ``values``."""
    if exclusive:
        return [{"name": name, value_key: values[name]} for name in sorted(values)]
    merged = [
        {**entry, value_key: values[entry["name"]]} if entry.get("name") in values else entry
        for entry in entries
    ]
    present = {entry.get("name") for entry in entries}
    merged.extend(
        {"name": name, value_key: values[name]} for name in sorted(values) if name not in present
    )
    return merged


def _containers_text(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


def render(
    base: Mapping[str, Any],
    images: Mapping[str, str],
    changes: Mapping[str, ContainerChanges],
) -> dict[str, Any]:
    """A new task definition from ``base`` with the given images, environment and secrets.

    ``base`` may be anything :func:`to_register_input` accepts; it is never modified.
    ``images`` maps container names (or :data:`ANY_CONTAINER`) to image references. Unknown
    containers raise :class:`InputError` naming the input they came from.
    """
    result = to_register_input(base)
    containers: list[dict[str, Any]] = result.get("containerDefinitions", [])
    by_name = {str(c.get("name")): c for c in containers}
    names = list(by_name)
    known = f"a container of the task definition ({_containers_text(names)})"

    for key, image in images.items():
        name = key
        if name == ANY_CONTAINER:
            if len(names) != 1:
                raise InputError(
                    "images",
                    f"name=image: the task definition has {len(names)} containers "
                    f"({_containers_text(names)})",
                    image,
                )
            name = names[0]
        if name not in by_name:
            raise InputError("images", known, name)
        by_name[name]["image"] = image

    for name, change in changes.items():
        if name not in by_name:
            uses_environment = bool(change.environment) or change.exclusive_environment
            raise InputError("environment" if uses_environment else "secrets", known, name)
        container = by_name[name]
        for key, values, value_key, exclusive in (
            ("environment", change.environment, "value", change.exclusive_environment),
            ("secrets", change.secrets, "valueFrom", change.exclusive_secrets),
        ):
            if not values and not exclusive:
                continue
            merged = _merge(list(container.get(key, [])), values, value_key, exclusive)
            if merged:
                container[key] = merged
            else:
                container.pop(key, None)
        _check_overlap(name, container, change)
    return result


def _check_overlap(name: str, container: Mapping[str, Any], change: ContainerChanges) -> None:
    """A variable set both in plain text and from a secret is ambiguous: refuse the change
    that introduced it (e.g. a value moved to a secret but left in the environment)."""
    plain = {e.get("name") for e in container.get("environment", [])}
    secret = {e.get("name") for e in container.get("secrets", [])}
    for variable in sorted(change.secrets):
        if variable in plain:
            raise InputError(
                "secrets",
                f"a name not also set in the environment of container {name} "
                "(remove it there, or use exclusive mode)",
                f"{name}.{variable}",
            )
    for variable in sorted(change.environment):
        if variable in secret:
            raise InputError(
                "environment",
                f"a name not also set as a secret of container {name}",
                f"{name}.{variable}",
            )


def container_names(definition: Mapping[str, Any]) -> list[str]:
    """The names of the containers of a task definition (either shape), in order."""
    return [
        str(c.get("name")) for c in to_register_input(definition).get("containerDefinitions", [])
    ]
