"""Formatting of workflow commands (``::error file=a.py::message``)."""

from __future__ import annotations

from collections.abc import Mapping


def escape_data(text: str) -> str:
    """Escape a command's message so the runner reads it back verbatim."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a property value; ``:`` and ``,`` would otherwise end it early."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_command(command: str, message: str, properties: Mapping[str, str | int | None]) -> str:
    """``::command key=value,...::message``; ``None`` properties are left out."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in properties.items()
        if value is not None
    )
    head = f"{command} {props}" if props else command
    return f"::{head}::{escape_data(message)}"
