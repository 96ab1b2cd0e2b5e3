"""Provider benchmark (issue 4, Performance): API calls per operation and wall times through the real Pulumi CLI.

    .venv/bin/python benchmarks/provider_ops.py [--endpoints 40] [--resources 200] [--update-delay 5]

1. calls: refresh of an unchanged stack (expect 1 read per resource) and preview (expect 0 writes),
   counted from the provider process via PULUMI_SERVING_CALL_LOG;
2. `pulumi up` of N endpoints vs 1 endpoint with the server's --update-delay (the ratio), for the stack-file
   program and for a plain Python program whose endpoints keep the default ``wait=True``;
3. unchanged-stack `pulumi preview` of R pulumi-serving resources vs R trivial dynamic resources.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.payloads import create_body, openai_entity  # noqa: E402
from tests.support.pulumi_stack import PulumiStack, ensure_pulumi_bin, python_program  # noqa: E402
from tests.support.server import start_server  # noqa: E402

PROGRAM = ["Pulumi.yaml", "stacks", "schemas"]
TRIVIAL = """
import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider

class Trivial(ResourceProvider):
    serialize_as_secret_always = False
    def create(self, props): return CreateResult(props["n"], props)
    def diff(self, id_, olds, news): return DiffResult(changes=olds.get("n") != news.get("n"))

class Thing(Resource, module="bench", name="Thing"):
    def __init__(self, name, n): super().__init__(Trivial(), name, {"n": n})

for i in range(int(pulumi.Config().require("count"))):
    Thing(f"thing-{i}", str(i))
"""


PYTHON_PROGRAM = """
import pulumi
from pulumi_serving import Secret, SecretScope, ServingEndpoint

config = pulumi.Config()
scope = SecretScope("scope", scope=config.require("label"))
key = Secret("key", scope=scope.scope, key="key", string_value=config.require_secret("key"))
for i in range(int(config.require("count"))):
    ServingEndpoint(f"ep-{i}", endpoint_name=f"{config.require('label')}-{i}", served_entities=[{
        "name": "main", "external_model": {
            "name": "gpt-3.5-turbo-instruct", "provider": "openai", "task": "llm/v1/completions",
            "openai_config": {"openai_api_key": key.config_reference}}}])  # the default wait=True
"""


def python_up(tmp: Path, server, bin_dir: Path, label: str, count: int) -> float:
    """Seconds of `pulumi up` of a plain Python program declaring ``count`` endpoints with ``wait=True``."""
    source = python_program(tmp / f"{label}-src", label, PYTHON_PROGRAM)
    stack = PulumiStack(tmp / label, source, "bench", bin_dir)
    stack.set_config(
        {"serving:host": server.url, f"{label}:label": label, f"{label}:count": str(count)},
        {"serving:token": server.admin_token, f"{label}:key": "sk-bench"},
    )
    took = timed(stack.up)
    stack.destroy()
    return took


def endpoint(label: str, i: int) -> dict:
    return create_body(f"{label}-{i}", openai_entity("main", {"openai_api_key": "{{secrets/" + label + "/key}}"}))


def stack_for(tmp: Path, server, label: str, bin_dir: Path, call_log: Path) -> PulumiStack:
    stack = PulumiStack(
        tmp / label, ROOT, "bench", bin_dir, include=PROGRAM, extra_env={"PULUMI_SERVING_CALL_LOG": str(call_log)}
    )
    stack.set_config({"serving:host": server.url}, {"serving:token": server.admin_token, "serving:key": "sk-bench"})
    return stack


def declare(stack: PulumiStack, label: str, endpoints: int, extra_scopes: int = 0) -> None:
    scopes = [{"scope": label, "secrets": [{"key": "key", "value_from": "key"}]}]
    scopes += [{"scope": f"{label}-{i}", "secrets": [{"key": "key", "value_from": "key"}]} for i in range(extra_scopes)]
    stack.set_config(
        {
            "serving:scopes": json.dumps(scopes),
            "serving:endpoints": json.dumps([endpoint(label, i) for i in range(endpoints)]),
        }
    )


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def calls(log: Path) -> Counter:
    counts: Counter = Counter(line.split()[0] for line in log.read_text().splitlines()) if log.exists() else Counter()
    log.unlink(missing_ok=True)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--endpoints", type=int, default=40)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--update-delay", type=float, default=5.0)
    parser.add_argument("--up-only", action="store_true", help="only the up ratios (both program styles)")
    args = parser.parse_args()
    bin_dir = ensure_pulumi_bin()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        log = tmp / "calls.log"
        server = start_server(tmp / "data", update_delay=args.update_delay)
        try:
            one = stack_for(tmp, server, "one", bin_dir, log)
            declare(one, "one", 1)
            t_one = timed(one.up)
            calls(log)
            many = stack_for(tmp, server, "many", bin_dir, log)
            declare(many, "many", args.endpoints)
            t_many = timed(many.up)
            calls(log)
            print(
                f"up (stack file): 1 endpoint {t_one:.1f}s, {args.endpoints} endpoints {t_many:.1f}s, "
                f"ratio {t_many / t_one:.2f} (update delay {args.update_delay:g}s)"
            )
            p_one = python_up(tmp, server, bin_dir, "pyone", 1)
            p_many = python_up(tmp, server, bin_dir, "pymany", args.endpoints)
            print(
                f"up (Python program, wait=True): 1 endpoint {p_one:.1f}s, {args.endpoints} endpoints "
                f"{p_many:.1f}s, ratio {p_many / p_one:.2f} (update delay {args.update_delay:g}s)"
            )
            if args.up_only:
                return 0
            resources_in_many = len(many.resources())
            many.preview(expect_no_changes=True)
            preview_calls = calls(log)
            many.refresh(expect_no_changes=True)
            refresh_calls = calls(log)
            writes = sum(n for m, n in preview_calls.items() if m != "GET")
            print(
                f"preview (unchanged, {resources_in_many} resources): {sum(preview_calls.values())} calls, "
                f"{writes} writes"
            )
            print(
                f"refresh (unchanged, {resources_in_many} resources): {dict(refresh_calls)} "
                f"= {refresh_calls['GET'] / resources_in_many:.2f} reads per resource"
            )
            for stack in (one, many):
                stack.destroy()

            big = stack_for(tmp, server, "big", bin_dir, log)
            scopes = args.resources // 2 - 1
            declare(big, "big", 0, extra_scopes=scopes)
            big.up()
            count = len(big.resources())
            t_ours = timed(lambda: big.preview(expect_no_changes=True))
            big.destroy()
            trivial_dir = tmp / "trivial-src"
            trivial_dir.mkdir()
            (trivial_dir / "Pulumi.yaml").write_text("name: trivial\nruntime: python\n")
            (trivial_dir / "__main__.py").write_text(TRIVIAL)
            trivial = PulumiStack(tmp / "trivial", trivial_dir, "bench", bin_dir)
            trivial.set_config({"trivial:count": str(count)})
            trivial.up()
            t_trivial = timed(lambda: trivial.preview(expect_no_changes=True))
            trivial.destroy()
            print(
                f"preview (unchanged): {count} pulumi-serving resources {t_ours:.1f}s, {count} trivial dynamic "
                f"resources {t_trivial:.1f}s, ratio {t_ours / t_trivial:.2f}"
            )
        finally:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
