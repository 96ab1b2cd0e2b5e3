"""Send a burst of queries as one fresh user and show where the endpoint's rate limit refuses them.

    python scripts/demo_burst.py --data-dir .demo/data ENDPOINT COUNT

Uses DATABRICKS_HOST and the admin DATABRICKS_TOKEN to grant the new user CAN_QUERY on ENDPOINT.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx


def mint_user_token(data_dir: Path, user: str) -> str:
    cli = Path(sys.executable).with_name("pulumi-serving")
    done = subprocess.run([str(cli), "tokens", "create", "--data-dir", str(data_dir), "--user", user],
                          capture_output=True, text=True, check=True)
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
    admin.patch(f"/api/2.0/permissions/serving-endpoints/{endpoint_id}", json={
        "access_control_list": [{"user_name": user, "permission_level": "CAN_QUERY"}]}).raise_for_status()

    caller = httpx.Client(base_url=host, headers={"Authorization": f"Bearer {mint_user_token(args.data_dir, user)}"})
    refused = 0
    for call in range(1, args.count + 1):
        answer = caller.post(f"/serving-endpoints/{args.endpoint}/invocations",
                             json={"prompt": f"call {call}", "max_tokens": 5})
        if answer.status_code == 429:
            refused += 1
            body = answer.json()
            print(f"call {call:2d} as {user}: 429 {body.get('error_code')} "
                  f"(Retry-After: {answer.headers.get('Retry-After')}s) {body.get('message')}")
        else:
            answer.raise_for_status()
            print(f"call {call:2d} as {user}: {answer.status_code} ok")
    print(f"{args.count - refused} calls answered, {refused} refused by the rate limit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
