"""Chaos trials: SIGKILL the Pulumi CLI at random (seeded) points of up, update and destroy of a 13-resource stack,
repair it the documented way and measure convergence: through the wrapper (ONE `scripts/pulumi.sh
up` or `destroy`), or with plain `pulumi` (`pulumi-serving recover && pulumi up`). An overlap
trial starts a second `up` with the lock wait while another is mid-apply: both must succeed.

The trials cycle through three phases on one stack and one server: ``up`` (empty -> A), ``update`` (A -> B:
tags, a secret value, an ACL, rate limits, permissions, one endpoint replaced by another) and ``destroy``
(B -> empty). Each run is killed after a random number of output lines (a run that ends first is not killed: it
still counts).
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .crash import recover, repair, run_and_kill, run_plain, start_plain
from .inventory import server_inventory
from .payloads import create_body, entity
from .pulumi_stack import PulumiStack
from .stack_program import declare

PHASES = ("up", "update", "destroy")
SCOPE = "chaos_keys"
SECRET_VALUES = {"A": "sk-chaos-1", "B": "sk-chaos-1b"}  # k1's value in each declaration
MAX_KILL_LINE = 40  # a run of this stack prints about 20-60 lines before it ends
LOCK_WAIT_S = 300  # overlap trials: how long the second up may wait for the first


def declarations(version: str) -> dict[str, list]:
    """A: scope + 2 secrets + 1 ACL, 5 endpoints, readiness, 2 rate limits, 1 permissions (13 resources);
    B changes each kind."""
    b = version == "B"
    served = entity(
        "main",
        "openai",
        "gpt-3.5-turbo-instruct",
        "llm/v1/completions",
        openai_api_key=f"{{{{secrets/{SCOPE}/k1}}}}",
    )
    names = ["chaos-1", "chaos-2", "chaos-3", "chaos-4", "chaos-6" if b else "chaos-5"]
    endpoints = [create_body(name, served, tags=[{"key": "team", "value": "search" if b else "ml"}]) for name in names]
    for endpoint in endpoints[:2]:
        endpoint["rate_limits"] = [{"calls": 30 if b else 20, "key": "user", "renewal_period": "minute"}]
    endpoints[2]["permissions"] = [{"group_name": "apps", "permission_level": "CAN_VIEW" if b else "CAN_QUERY"}]
    scopes = [
        {
            "scope": SCOPE,
            "secrets": [{"key": "k1", "value_from": "v1"}, {"key": "k2", "value_from": "v2"}],
            "acls": [{"principal": "users", "permission": "WRITE" if b else "READ"}],
        }
    ]
    return {"scopes": scopes, "endpoints": endpoints}


def expected_inventory(version: str | None) -> dict[str, Any]:
    if version is None:
        return {"scopes": {}, "endpoints": {}, "acls": {}, "rate_limits": {}, "permissions": {}}
    decl = declarations(version)
    endpoints = {e["name"]: e["tags"] for e in decl["endpoints"]}
    return {
        "scopes": {SCOPE: ["k1", "k2"]},
        "endpoints": endpoints,
        "acls": {SCOPE: {"users": decl["scopes"][0]["acls"][0]["permission"]}},
        "rate_limits": {e["name"]: e["rate_limits"] for e in decl["endpoints"] if "rate_limits" in e},
        "permissions": {
            e["name"]: {(p["group_name"], p["permission_level"]) for p in e["permissions"]}
            for e in decl["endpoints"]
            if "permissions" in e
        },
    }


def live_inventory(server: Any) -> dict[str, Any]:
    """Scopes with their keys, endpoints with their tags, non-admin ACLs, rate limits and group grants."""
    found: dict[str, Any] = dict(server_inventory(server))
    with server.client() as api:
        found["acls"] = {}
        for scope in found["scopes"]:
            listed = api.get("/api/2.0/secrets/acls/list", params={"scope": scope}).json().get("items", [])
            found["acls"][scope] = {a["principal"]: a["permission"] for a in listed if a["principal"] == "users"}
        found["rate_limits"], found["permissions"] = {}, {}
        for name in found["endpoints"]:
            endpoint = api.get(f"/api/2.0/serving-endpoints/{name}").json()
            if limits := (endpoint.get("ai_gateway") or {}).get("rate_limits"):
                found["rate_limits"][name] = limits
            acl = api.get(f"/api/2.0/permissions/serving-endpoints/{endpoint['id']}").json()["access_control_list"]
            if granted := {
                (e["group_name"], p["permission_level"])
                for e in acl
                if e.get("group_name")
                for p in e["all_permissions"]
                if not p.get("inherited")
            }:
                found["permissions"][name] = granted
    return found


@dataclass
class Trial:
    index: int
    phase: str
    kill_line: int
    killed: bool
    converged: bool
    orphans: int
    duplicates: int
    missing: int
    problem: str = ""


def _count(expected: dict[str, Any], live: dict[str, Any]) -> tuple[int, int]:
    """(orphans: on the server but not declared, missing: declared but not on the server)."""
    orphans = missing = 0
    for kind in ("scopes", "endpoints"):
        orphans += len(set(live[kind]) - set(expected[kind]))
        missing += len(set(expected[kind]) - set(live[kind]))
    return orphans, missing


def _duplicates(stack: PulumiStack) -> int:
    ids = Counter((r["type"], r.get("id")) for r in stack.resources() if not r.get("delete"))
    return sum(n - 1 for n in ids.values() if n > 1)


def _repair_plain(stack: PulumiStack, command: str, target: str | None) -> None:
    """`pulumi-serving recover`, then ONE plain `pulumi up` (or destroy), then preview without changes."""
    recovered = recover(stack)
    if recovered.returncode != 0:
        raise AssertionError(f"recover exited {recovered.returncode}: {recovered.stderr.strip()}")
    done = run_plain(stack, command, "--yes", "--skip-preview")
    if done.returncode != 0:
        raise AssertionError(f"plain pulumi {command} exited {done.returncode}: {done.output.strip()[-400:]}")
    if target is not None and run_plain(stack, "preview", "--expect-no-changes").returncode != 0:
        raise AssertionError("preview after the repair shows changes")


def run_trial(stack: PulumiStack, server: Any, index: int, rng: random.Random, plain: bool = False) -> Trial:
    """One killed run of phase ``PHASES[index % 3]`` and its repair (``plain``: plain `pulumi` + `recover`);
    checks convergence."""
    phase = PHASES[index % len(PHASES)]
    target = {"up": "A", "update": "B", "destroy": None}[phase]
    if target is not None:
        declare(stack, **declarations(target))
        stack.set_config_value("serving:v1", SECRET_VALUES[target], secret=True)
    command = ("destroy", "--yes", "--skip-preview") if phase == "destroy" else ("up", "--yes", "--skip-preview")
    kill_line = rng.randint(1, MAX_KILL_LINE)
    start = (lambda *args: start_plain(stack, *args)) if plain else None
    run = run_and_kill(stack, command, lambda lines: len(lines) >= kill_line, start=start)
    problem = ""
    try:
        if plain:
            _repair_plain(stack, command[0], target)
        else:
            repair(stack, "destroy" if phase == "destroy" else "up")
        if target is not None and not plain:
            stack.preview(expect_no_changes=True)
        pending = stack.export()["deployment"].get("pending_operations") or []
        if pending:
            problem = f"{len(pending)} pending operation(s) after the repair"
    except AssertionError as exc:  # a failed repair command: not converged
        problem = str(exc).splitlines()[0]
    expected, live = expected_inventory(target), live_inventory(server)
    orphans, missing = _count(expected, live)
    duplicates = _duplicates(stack)
    if target is None and stack.resources():
        problem = problem or f"{len(stack.resources())} resource(s) left in the state after destroy"
    if live != expected and not problem:
        problem = f"server differs from the declaration: {live} != {expected}"
    converged = not problem and not orphans and not duplicates and not missing
    return Trial(index, phase, kill_line, run.killed, converged, orphans, duplicates, missing, problem)


def secrets_for_chaos() -> dict[str, str]:
    return {"serving:v1": SECRET_VALUES["A"], "serving:v2": "sk-chaos-2"}


def run_overlap_trial(stack: PulumiStack, other: PulumiStack, server: Any, index: int, rng: random.Random) -> Trial:
    """An `up` (declaration A or B, alternating), and a second `up` of the same stack from ``other`` (another
    runner, same backend) started after a random number of the first's output lines, both with the lock wait:
    both must succeed and the server must hold the declaration."""
    target = "A" if index % 2 == 0 else "B"
    declare(stack, **declarations(target))
    stack.set_config_value("serving:v1", SECRET_VALUES[target], secret=True)
    declare(other, **declarations(target))
    other.set_config_value("serving:v1", SECRET_VALUES[target], secret=True)
    start_line = rng.randint(1, MAX_KILL_LINE // 2)
    for runner in (stack, other):
        runner.env["PULUMI_SERVING_LOCK_WAIT"] = str(LOCK_WAIT_S)
    try:
        return _overlap(stack, other, server, index, target, start_line)
    finally:
        for runner in (stack, other):
            runner.env.pop("PULUMI_SERVING_LOCK_WAIT")


def _overlap(stack: PulumiStack, other: PulumiStack, server: Any, index: int, target: str, start_line: int) -> Trial:
    first = stack.start("up", "--yes", "--skip-preview")
    assert first.stdout is not None
    lines: list[str] = []
    for line in first.stdout:
        lines.append(line)
        if len(lines) >= start_line:
            break
    overlapped = first.poll() is None
    drain = threading.Thread(target=lambda: lines.extend(first.stdout or ()))
    drain.start()
    second = other.up(check=False)
    first_rc = first.wait()
    drain.join()
    problem = ""
    if first_rc != 0:
        problem = f"the first up exited {first_rc}: {''.join(lines)[-400:]}"
    elif second.returncode != 0:
        problem = f"the second up exited {second.returncode}: {second.output.strip()[-400:]}"
    elif stack.preview(check=False, expect_no_changes=True).returncode != 0:
        problem = "preview after both ups shows changes"
    expected, live = expected_inventory(target), live_inventory(server)
    orphans, missing = _count(expected, live)
    duplicates = _duplicates(stack)
    if live != expected and not problem:
        problem = f"server differs from the declaration: {live} != {expected}"
    converged = not problem and not orphans and not duplicates and not missing
    return Trial(index, "overlap", start_line, overlapped, converged, orphans, duplicates, missing, problem)
