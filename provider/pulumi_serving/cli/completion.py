"""``pulumi-serving completion bash|zsh``: print a shell completion script for every command and option.

source <(pulumi-serving completion bash)                                  # bash, this shell
pulumi-serving completion zsh > "${fpath[1]}/_pulumi-serving"             # zsh, then restart it
"""

from __future__ import annotations

import argparse
from typing import Any

SHELLS = ("bash", "zsh")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "completion",
        help="print a shell completion script (bash, zsh)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shell", choices=SHELLS)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import shtab

    from .main import build_parser

    print(shtab.complete(build_parser(), shell=args.shell))
    return 0
