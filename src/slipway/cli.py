"""`slipway <command>`: the one entry point every action, CI system and terminal uses.

Inputs come from ``INPUT_*`` variables (how the actions pass them) or from ``--flags`` named
after the inputs; flags win.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from slipway import __version__
from slipway.commands import COMMANDS, INTERNAL_COMMANDS
from slipway.gha.inputs import env_name
from slipway.gha.runner import Runner
from slipway.gha.spec import ActionSpec, DeclaredEnv


def _command_parser(spec: ActionSpec) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"slipway {spec.command}", description=spec.description)
    for item in spec.inputs:
        default = f" (default: {item.default})" if item.default else ""
        parser.add_argument(
            f"--{item.name}",
            dest=env_name(item.name),
            metavar="VALUE",
            help=item.description + default,
        )
    return parser


def _attach_values(args: Sequence[str]) -> list[str]:
    """``--flag value`` -> ``--flag=value``, so values that start with '-' (``-5s``, a
    negative number) reach the input validation instead of confusing argparse."""
    out: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--") and "=" not in arg and arg != "--help" and i + 1 < len(args):
            out.append(f"{arg}={args[i + 1]}")
            i += 2
        else:
            out.append(arg)
            i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help"}:
        print(f"usage: slipway <command> [--input value ...]\n\ncommands: {', '.join(COMMANDS)}")
        return 0 if args else 2
    if args[0] == "--version":
        print(f"slipway {__version__}")
        return 0
    name, rest = args[0], args[1:]
    if name in INTERNAL_COMMANDS:
        internal: int = importlib.import_module(INTERNAL_COMMANDS[name]).main(rest)
        return internal
    if name not in COMMANDS:
        print(
            f"slipway: unknown command '{name}' (expected one of: {', '.join(COMMANDS)})",
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(COMMANDS[name])
    spec: ActionSpec = module.SPEC
    flags = vars(_command_parser(spec).parse_args(_attach_values(rest)))
    env = dict(os.environ)
    env.update({key: value for key, value in flags.items() if value is not None})
    runner = Runner(env=DeclaredEnv(spec, env))
    code: int = module.run(runner)
    return code
