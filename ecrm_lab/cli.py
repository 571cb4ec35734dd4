"""The ``ecrm-lab`` command line: a thin layer over the package.

Each area of the package contributes its subcommands through a ``register(subparsers)``
function in its own ``cli`` module, listed in :data:`COMMAND_MODULES`. Bad input exits with
code 2 and one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from .exceptions import EcrmLabError, LessonFailed

__all__ = ["main", "build_parser", "COMMAND_MODULES"]

#: modules whose ``register(subparsers)`` adds subcommands, in the order of ``--help``
COMMAND_MODULES = (
    "ecrm_lab.lessons.cli",
    "ecrm_lab.world.cli",
    "ecrm_lab.warehouse.cli",
    "ecrm_lab.lifecycle.cli",
    "ecrm_lab.mining.cli",
    "ecrm_lab.grading.cli",
    "ecrm_lab.engines.cli",
    "ecrm_lab.operational.cli",
)


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose usage errors are one line and exit code 2."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="ecrm-lab",
        description="A workbench for learning, teaching and prototyping eCRM.",
    )
    from . import __version__

    parser.add_argument("--version", action="version", version=f"ecrm-lab {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for mod in COMMAND_MODULES:
        importlib.import_module(mod).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except LessonFailed as exc:  # the lesson ran and failed: not a usage error
        print(f"ecrm-lab: error: {exc}", file=sys.stderr)
        return 1
    except EcrmLabError as exc:
        print(f"ecrm-lab: error: {exc}", file=sys.stderr)
        return 2
    except FileExistsError as exc:
        print(f"ecrm-lab: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("ecrm-lab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
