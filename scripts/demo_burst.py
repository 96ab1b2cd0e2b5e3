"""Send COUNT queries as one fresh user; exit non-zero unless exactly the last one is refused (429).

    python scripts/demo_burst.py --data-dir .demo/data ENDPOINT COUNT

Uses DATABRICKS_HOST and the admin DATABRICKS_TOKEN to grant the new user CAN_QUERY on ENDPOINT. The
server's windows are whole clock minutes, so a burst that would straddle a minute boundary waits for it.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import time
from pathlib import Path

import httpx


def mint_user_token(data_dir: Path, user: str) -> str:
    cli = Path(sys.executable).with_name("pulumi-serving")
    done = subprocess.run(
        [str(cli), "tokens", "create", "--data-dir", str(data_dir), "--user", user],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("endpoint")
    parser.add_argument("count", type=int)
    args = parser.parse_args()

    host = os.environ["DATABRICKS_HOST"]
    admin = httpx.Client(base_url=host, headers={"Authorization": f"Bearer {os.environ['DATABRICKS_TOKEN']}"})
    user = f"burst-{secrets.token_hex(3)}@example.com"
    endpoint_id = admin.get(f"/api/2.0/serving-endpoints/{args.endpoint}").raise_for_status().json()["id"]
    admin.patch(
        f"/api/2.0/permissions/serving-endpoints/{endpoint_id}",
        json={"access_control_list": [{"user_name": user, "permission_level": "CAN_QUERY"}]},
    ).raise_for_status()

    caller = httpx.Client(base_url=host, headers={"Authorization": f"Bearer {mint_user_token(args.data_dir, user)}"})
    if (left := 60 - time.time() % 60) < 5:
        print(f"waiting {left:.1f}s for a fresh rate-limit window")
        time.sleep(left + 0.2)
    refused: list[int] = []
    for call in range(1, args.count + 1):
        answer = caller.post(
            f"/serving-endpoints/{args.endpoint}/invocations", json={"prompt": f"call {call}", "max_tokens": 5}
        )
        if answer.status_code == 429:
            refused.append(call)
            body = answer.json()
            print(
                f"call {call:2d} as {user}: 429 {body.get('error_code')} "
                f"(Retry-After: {answer.headers.get('Retry-After')}s) {body.get('message')}"
            )
        else:
            answer.raise_for_status()
            print(f"call {call:2d} as {user}: {answer.status_code} ok")
    print(f"{args.count - len(refused)} calls answered, {len(refused)} refused by the rate limit")
    if refused != [args.count]:
        print(f"expected only call {args.count} to be refused", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
