"""``pulumi-serving tokens create``: mint a bearer token for a principal of the local serving API."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .serve import DEFAULT_DATA_DIR


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tokens", help="manage bearer tokens of the local serving API")
    actions = parser.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="print a new token for a user or service principal")
    create.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="state directory of the server")
    create.add_argument("--user", required=True, help="user name (or application id with --service-principal)")
    create.add_argument("--group", action="append", default=[], help="group membership (repeatable)")
    create.add_argument("--service-principal", action="store_true", help="the principal is a service principal")
    create.set_defaults(func=run_create)


def run_create(args: argparse.Namespace) -> int:
    from ..server.principals import issue_token
    from ..server.storage import DB_FILE, Database

    data_dir = args.data_dir.resolve()
    if not (data_dir / DB_FILE).is_file():
        print(f"pulumi-serving tokens create: no pulumi-serving state in {data_dir}; "
              f"start `pulumi-serving serve --data-dir {data_dir}` first", file=sys.stderr)
        return 2
    db = Database(data_dir)
    try:
        token = issue_token(db, args.user, tuple(args.group), service_principal=args.service_principal)
    except ValueError as exc:
        raise SystemExit(f"pulumi-serving tokens create: {exc}") from None
    finally:
        db.close()
    print(token)
    return 0
