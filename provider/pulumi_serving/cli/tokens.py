"""``pulumi-serving tokens create | list | revoke``: bearer tokens of the local serving API's principals.

Tokens are stored hashed; ``list`` shows each token's id (a prefix of its hash), never the token.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from .serve import DEFAULT_DATA_DIR


def _duration(value: str) -> float:
    """``90``, ``90s``, ``15m``, ``12h`` or ``30d`` as seconds (> 0)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    number, unit = (value[:-1], value[-1]) if value and value[-1] in units else (value, "s")
    try:
        seconds = float(number) * units[unit]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a duration such as 3600, 15m, 12h or 30d") from None
    if not seconds > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return seconds


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("tokens", help="manage bearer tokens of the local serving API")
    actions = parser.add_subparsers(dest="tokens_command", metavar="ACTION", required=True)
    create = actions.add_parser("create", help="print a new token for a user or service principal")
    create.add_argument("--user", required=True, help="user name (or application id with --service-principal)")
    create.add_argument("--group", action="append", default=[], help="group membership (repeatable)")
    create.add_argument("--service-principal", action="store_true", help="the principal is a service principal")
    create.add_argument(
        "--expires-in",
        type=_duration,
        default=None,
        metavar="DURATION",
        help="the token stops working after DURATION (3600, 15m, 12h, 30d; default: never)",
    )
    create.set_defaults(func=run_create)
    listing = actions.add_parser("list", help="list tokens: id, principal, groups, expiry (never the token)")
    listing.set_defaults(func=run_list)
    revoke = actions.add_parser("revoke", help="revoke one token (by id, see `tokens list`) or all of a user's")
    which = revoke.add_mutually_exclusive_group(required=True)
    which.add_argument("--id", dest="token_id", help="the token's id from `tokens list`")
    which.add_argument("--user", help="revoke every token of this user or service principal")
    revoke.set_defaults(func=run_revoke)
    for action in (create, listing, revoke):
        action.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR, help="state directory of the server")


def _open(args: argparse.Namespace):
    from ..server.storage import DB_FILE, Database

    data_dir = args.data_dir.resolve()
    if not (data_dir / DB_FILE).is_file():
        print(
            f"pulumi-serving tokens {args.tokens_command}: no pulumi-serving state in {data_dir}; "
            f"start `pulumi-serving serve --data-dir {data_dir}` first",
            file=sys.stderr,
        )
        raise SystemExit(2)
    return Database(data_dir)


def run_create(args: argparse.Namespace) -> int:
    from ..server.principals import issue_token

    db = _open(args)
    try:
        token = issue_token(
            db, args.user, tuple(args.group), service_principal=args.service_principal, expires_in_s=args.expires_in
        )
    except ValueError as exc:
        raise SystemExit(f"pulumi-serving tokens create: {exc}") from None
    finally:
        db.close()
    print(token)
    return 0


def _when(ms: int | None) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ms / 1000)) if ms else "never"


def run_list(args: argparse.Namespace) -> int:
    from ..server.principals import list_tokens

    db = _open(args)
    try:
        rows = list_tokens(db)
    finally:
        db.close()
    for row in rows:
        kind = "service principal" if row.service_principal else "user"
        print(f"{row.id}  {kind} {row.user}  groups {','.join(row.groups) or '-'}  expires {_when(row.expires_ms)}")
    return 0


def run_revoke(args: argparse.Namespace) -> int:
    from ..server.principals import revoke_tokens

    db = _open(args)
    try:
        count = revoke_tokens(db, token_id_prefix=args.token_id, user=args.user)
    except ValueError as exc:
        raise SystemExit(f"pulumi-serving tokens revoke: {exc}") from None
    finally:
        db.close()
    if not count:
        print("pulumi-serving tokens revoke: no token matched", file=sys.stderr)
        return 1
    print(f"revoked {count} token(s)")
    return 0
