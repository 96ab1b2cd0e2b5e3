"""The gateway side by side with MLflow's AI gateway and LiteLLM's proxy, all three in front of the same canned
upstream (benchmarks/canned_upstream.py, several processes), with the same chat body (MLflow 3's gateway
cannot stream OpenAI completions: it reads their chunks as chat chunks), at concurrency
1, 16 and 64, in alternating rounds; plain calls (req/s, p50, p99) and streams (streams/s, time to first event
p50/p99), and each system's RSS and CPU per call. Our gateway is called by a workspace user (a minted token,
not the admin's) granted CAN_QUERY: on every call it authenticates the bearer token, checks CAN_QUERY, resolves a
``{{secrets/...}}`` key and enforces an endpoint rate limit; LiteLLM checks its master key,
MLflow's gateway has no authentication.

    .venv/bin/python benchmarks/gateway_vs_peers.py [--seconds 3] [--rounds 3] [--concurrency 1 16 64]
        [--peer-workers 1 2] [--upstream-workers 2] [--transports lean httpx] [--only pulumi-serving mlflow]
        [--commits ab41fae 46df44b]    # our gateway as of earlier commits too, side by side

The peers are installed by this script into a benchmark-only venv (``~/.cache/pulumi-serving/bench-venv``:
``mlflow-skinny[gateway]`` and ``litellm[proxy]``), never into the project; each is started once per
``--peer-workers`` value. Figures are medians over rounds; the summary gives ours against each peer as the ratio
of medians in the same run, and the canned upstream's own req/s (measured directly every round) over ours.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.load import Sample, System, rss_mb, run_load  # noqa: E402
from tests.support.server import free_port, start_server  # noqa: E402

BENCH_VENV = Path.home() / ".cache" / "pulumi-serving" / "bench-venv"
PEERS = ("mlflow-skinny[gateway]>=3,<4", "litellm[proxy]>=1.50,<2")
ADMIN_TOKEN = "bench-admin-token"
BENCH_USER = "bench-user@example.com"
KEY = "sk-bench"
LITELLM_KEY = "sk-bench-litellm-master"  # LiteLLM's proxy refuses to start without a master key
BODY = {"messages": [{"role": "user", "content": "What is Databricks?"}], "max_tokens": 16}


def ensure_peers() -> Path:
    python = BENCH_VENV / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_VENV)], check=True)
    done = subprocess.run([str(python), "-c", "import mlflow.gateway, litellm.proxy.proxy_server"], capture_output=True)
    if done.returncode != 0:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", *PEERS], check=True)
    return BENCH_VENV / "bin"


def _wait(url: str, path: str = "/", seconds: float = 90) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            httpx.get(url + path, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not start")


def start_mlflow(bin_dir: Path, upstream: str, tmp: Path, workers: int) -> System:
    config = tmp / f"mlflow-gateway-{workers}.yaml"
    config.write_text(
        json.dumps(
            {
                "endpoints": [
                    {
                        "name": "chat",
                        "endpoint_type": "llm/v1/chat",
                        "model": {
                            "provider": "openai",
                            "name": "gpt-bench",
                            "config": {"openai_api_key": KEY, "openai_api_base": f"{upstream}/v1"},
                        },
                    }
                ]
            }
        )
    )
    port = free_port()
    process = subprocess.Popen(
        [
            str(bin_dir / "mlflow"),
            "gateway",
            "start",
            "--config-path",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(url, "/health")
    return System(f"mlflow-{workers}w", url, "/gateway/chat/invocations", {}, BODY, process, process.pid)


def start_litellm(bin_dir: Path, upstream: str, tmp: Path, workers: int) -> System:
    config = tmp / f"litellm-{workers}.yaml"
    config.write_text(
        json.dumps(
            {
                "model_list": [
                    {
                        "model_name": "bench",
                        "litellm_params": {"model": "openai/gpt-bench", "api_key": KEY, "api_base": f"{upstream}/v1"},
                    }
                ],
                "litellm_settings": {"drop_params": True, "telemetry": False},
            }
        )
    )
    port = free_port()
    env = {**os.environ, "LITELLM_LOG": "ERROR", "LITELLM_TELEMETRY": "False", "LITELLM_MASTER_KEY": LITELLM_KEY}
    process = subprocess.Popen(
        [
            str(bin_dir / "litellm"),
            "--config",
            str(config),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--num_workers",
            str(workers),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    _wait(url, "/health/liveliness")
    return System(
        f"litellm-{workers}w",
        url,
        "/v1/chat/completions",
        {"Authorization": f"Bearer {LITELLM_KEY}"},
        {**BODY, "model": "bench"},
        process,
        process.pid,
    )


def _tree(commit: str, tmp: Path) -> Path:
    """The package as of ``commit`` (git archive), to run our gateway as it was then."""
    tree = tmp / f"tree-{commit}"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", commit, "provider"], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree / "provider"


def start_ours(upstream: str, tmp: Path, transport: str, commit: str | None = None) -> tuple[System, object]:
    source = {"cli": [sys.executable, "-m", "pulumi_serving.cli.main"]} if commit else {}
    if commit:
        source["env"] = {"PYTHONPATH": str(_tree(commit, tmp))}
    server = start_server(
        tmp / f"data-{transport}-{commit}",
        update_delay=0,
        admin_token=ADMIN_TOKEN,
        extra_args=["--upstream", f"openai={upstream}", "--upstream-transport", transport],
        **source,
    )
    with server.client() as admin:
        admin.post("/api/2.0/secrets/scopes/create", json={"scope": "bench"}).raise_for_status()
        admin.post(
            "/api/2.0/secrets/put", json={"scope": "bench", "key": "openai", "string_value": KEY}
        ).raise_for_status()
        created = admin.post(
            "/api/2.0/serving-endpoints",
            json={
                "name": "bench",
                "ai_gateway": {"rate_limits": [{"key": "endpoint", "calls": 10**9, "renewal_period": "minute"}]},
                "config": {
                    "served_entities": [
                        {
                            "name": "gpt",
                            "external_model": {
                                "name": "gpt-bench",
                                "provider": "openai",
                                "task": "llm/v1/chat",
                                "openai_config": {"openai_api_key": "{{secrets/bench/openai}}"},
                            },
                        }
                    ]
                },
            },
        )
        created.raise_for_status()
        grant = {"access_control_list": [{"user_name": BENCH_USER, "permission_level": "CAN_QUERY"}]}
        admin.patch(f"/api/2.0/permissions/serving-endpoints/{created.json()['id']}", json=grant).raise_for_status()
    token = server.mint_token(BENCH_USER)  # a workspace user holding CAN_QUERY, not an admin
    return System(
        ("pulumi-serving" if transport == "lean" else f"pulumi-serving-{transport}") + (f"@{commit}" if commit else ""),
        server.url,
        "/serving-endpoints/bench/invocations",
        {"Authorization": f"Bearer {token}"},
        BODY,
        None,
        server.pid,
    ), server


def _median(samples: list[Sample], measure: str, q: float = 0.5) -> float:
    """Median over rounds of ``rate`` (req/s), ``cpu`` (ms per call) or a percentile of a list of times."""
    if measure == "rate":
        return statistics.median(s.rate for s in samples)
    if measure == "cpu":
        return statistics.median(s.cpu_s * 1000 / max(1, len(s.latencies_ms)) for s in samples)
    return statistics.median(s.pct(getattr(s, measure), q) for s in samples)


def report(results: dict[tuple[str, bool, int], list[Sample]], ours: str) -> None:
    """Every system's medians, then ours against each peer (ratio of medians) and the upstream's req/s over ours."""
    print(
        f"{'system':>22} {'kind':>6} {'conc':>4} | {'req/s':>7} {'p50 ms':>8} {'p99 ms':>8} | {'1st ev p50':>10} {'p99':>8} | CPU ms/call | errors"
    )
    for (name, stream, conc), samples in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][2], kv[0][0])):
        failures = " ".join(sorted(set().union(*(s.failures for s in samples))))
        print(
            f"{name:>22} {'stream' if stream else 'plain':>6} {conc:>4} | {_median(samples, 'rate'):>7.0f} "
            f"{_median(samples, 'latencies_ms'):>8.2f} {_median(samples, 'latencies_ms', 0.99):>8.2f} | "
            f"{_median(samples, 'first_event_ms'):>10.2f} {_median(samples, 'first_event_ms', 0.99):>8.2f} | "
            f"{_median(samples, 'cpu'):>11.3f} | {sum(s.errors for s in samples)} {failures}"
        )
    peers = sorted({name for name, _, _ in results} - {ours, "upstream"})
    print(
        f"\nours ({ours}) against each peer: req/s ratio of medians, p99 ms ours vs theirs (plain: latency; stream: first event)"
    )
    for (name, stream, conc), samples in sorted(results.items(), key=lambda kv: (kv[0][1], kv[0][2])):
        if name != ours:
            continue
        rate, key = _median(samples, "rate"), "first_event_ms" if stream else "latencies_ms"
        cells = [f"{'stream' if stream else 'plain':>6} {conc:>3}: {rate:>6.0f}/s"]
        for peer in peers:
            theirs = results.get((peer, stream, conc))
            if theirs:
                cells.append(
                    f"{peer} {rate / _median(theirs, 'rate'):.2f}x p99 {_median(samples, key, 0.99):.1f} vs {_median(theirs, key, 0.99):.1f}"
                )
        direct = results.get(("upstream", stream, conc))
        if direct:  # its req/s over ours, and our CPU per call over its own (what it could serve if not latency-bound)
            cpu = _median(samples, "cpu") / _median(direct, "cpu")
            cells.append(f"upstream/ours {_median(direct, 'rate') / rate:.1f}x (CPU per call {cpu:.0f}x less)")
        print(" | ".join(cells))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 16, 64])
    parser.add_argument("--peer-workers", type=int, nargs="+", default=[1], help="each peer once per worker count")
    parser.add_argument("--upstream-workers", type=int, default=2)
    parser.add_argument(
        "--transports",
        nargs="+",
        default=["lean"],
        choices=("lean", "httpx"),
        help="our gateway once per upstream transport (lean: its own pool; httpx: httpx's)",
    )
    parser.add_argument("--only", nargs="+", default=["pulumi-serving", "mlflow", "litellm"])
    parser.add_argument("--commits", nargs="+", default=[], help="also our gateway as of these commits (git archive)")
    args = parser.parse_args()
    bin_dir = ensure_peers() if {"mlflow", "litellm"} & set(args.only) else BENCH_VENV / "bin"
    command = [sys.executable, str(ROOT / "benchmarks" / "canned_upstream.py"), "--port", "0"]
    upstream_proc = subprocess.Popen(
        [*command, "--workers", str(args.upstream_workers)], stdout=subprocess.PIPE, text=True, start_new_session=True
    )
    assert upstream_proc.stdout is not None
    upstream = upstream_proc.stdout.readline().split("listening on ", 1)[1].strip()
    results: dict[tuple[str, bool, int], list[Sample]] = {}
    systems: list[System] = []
    ours_servers: list = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        try:
            direct = System(
                "upstream", upstream, "/v1/chat/completions", {}, {**BODY, "model": "x"}, None, upstream_proc.pid
            )
            if "pulumi-serving" in args.only:
                for transport, commit in [(t, None) for t in args.transports] + [("lean", c) for c in args.commits]:
                    ours, server = start_ours(upstream, tmp, transport, commit)
                    systems.append(ours)
                    ours_servers.append(server)
            for workers in args.peer_workers:
                if "mlflow" in args.only:
                    systems.append(start_mlflow(bin_dir, upstream, tmp, workers))
                if "litellm" in args.only:
                    systems.append(start_litellm(bin_dir, upstream, tmp, workers))
            load_before = os.getloadavg()
            for round_no in range(args.rounds):
                order = systems if round_no % 2 == 0 else list(reversed(systems))
                for concurrency in args.concurrency:
                    for stream in (False, True):
                        for system in [direct, *order]:
                            sample = run_load(system, stream, concurrency, args.seconds)
                            results.setdefault((system.name, stream, concurrency), []).append(sample)
            load_after = os.getloadavg()
            print(
                f"load average (1 min) before {load_before[0]:.2f}, after {load_after[0]:.2f} on {os.cpu_count()} CPUs; "
                f"{args.rounds} rounds x {args.seconds:.0f} s; peers with {args.peer_workers} worker(s); "
                f"canned upstream with {args.upstream_workers} processes"
            )
            report(results, "pulumi-serving")
            for system in systems:
                if system.pid:
                    print(f"RSS {system.name}: {rss_mb(system.pid):.0f} MB")
        finally:
            for system in systems:
                if system.process is not None:
                    os.killpg(system.process.pid, 15)
                    system.process.wait(20)
            for server in ours_servers:
                server.stop()
            os.killpg(upstream_proc.pid, 15)
            upstream_proc.wait(10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
