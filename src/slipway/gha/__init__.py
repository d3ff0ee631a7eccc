"""The GitHub Actions runner protocol: inputs, commands, outputs, summaries, masking.

Standard library only, so every action can import it before anything else.
"""

from slipway.gha.commands import escape_data, escape_property, format_command
from slipway.gha.inputs import InputError, Inputs, env_name, format_duration, parse_duration
from slipway.gha.masking import Masker
from slipway.gha.outputs import choose_delimiter, format_output, to_output_value
from slipway.gha.runner import Runner
from slipway.gha.summary import Summary, escape_markdown_cell

__all__ = [
    "InputError",
    "Inputs",
    "Masker",
    "Runner",
    "Summary",
    "choose_delimiter",
    "env_name",
    "escape_data",
    "escape_markdown_cell",
    "escape_property",
    "format_command",
    "format_duration",
    "format_output",
    "parse_duration",
    "to_output_value",
]
