"""Attack benchmark: the pipelining flood against a local serving API started for it (loopback only, bounded):
connections that each pipeline thousands of requests without a token, while an authenticated client keeps
calling; prints the server's RSS at start, at its peak and once settled, and whether the client was served.

    .venv/bin/python benchmarks/attacks.py [--connections 60] [--requests 5000] [--rounds 3]

Same flood as tests/api/test_server_pipelining.py (tests/support/pipelining.py), repeated in rounds.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.pipelining import flood  # noqa: E402
from tests.support.server import start_server  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=60)
    parser.add_argument("--requests", type=int, default=5000, help="pipelined requests per connection")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="attacks-") as tmp:
        server = start_server(Path(tmp) / "data")
        try:
            assert server.pid is not None
            print("| round | sent | RSS start | RSS peak | RSS settled (after) | authenticated calls served |")
            print("|---|---|---|---|---|---|")
            for index in range(args.rounds):
                r = flood(
                    server.url, server.pid, server.admin_token, connections=args.connections, requests=args.requests
                )
                print(
                    f"| {index + 1} | {r.sent_mb:.1f} MB | {r.start_mb:.1f} MB | {r.peak_mb:.1f} MB | "
                    f"{r.settled_mb:.1f} MB ({r.settled_after_s:.1f} s) | {r.authenticated_ok}/{r.authenticated_calls} |",
                    flush=True,
                )
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
