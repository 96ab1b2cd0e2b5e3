"""Helpers shared by the provider's e2e tests: the repo's stack program against a live local server."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx

from pulumi_serving.spec.ownership import is_marker_secret, is_marker_tag
from tests.e2e.harness import REPO_ROOT, PulumiStack

PROGRAM_FILES = ["Pulumi.yaml", "stacks"]  # no schemas/: the stack program uses the bundled schema
DEV_PASSPHRASE = "pulumi-serving-local"  # encrypts the secure values checked into stacks/Pulumi.dev.yaml


def declare(
    stack: PulumiStack, *, scopes: list | None = None, endpoints: list | None = None, wait_timeout: float | None = None
) -> None:
    """Set the stack's declarations (Pulumi's get_object decodes the JSON strings)."""
    values: dict[str, str] = {}
    if scopes is not None:
        values["serving:scopes"] = json.dumps(scopes)
    if endpoints is not None:
        values["serving:endpoints"] = json.dumps(endpoints)
    if wait_timeout is not None:
        values["serving:wait_timeout"] = json.dumps(wait_timeout)
    stack.set_config(values)


def api(server: Any) -> httpx.Client:
    return server.client()


def endpoints_on(server: Any) -> dict[str, dict]:
    """Every endpoint's body, its tags without the provider's ownership marker."""
    with api(server) as client:
        names = [e["name"] for e in client.get("/api/2.0/serving-endpoints").json().get("endpoints", [])]
        bodies = {n: client.get(f"/api/2.0/serving-endpoints/{n}").json() for n in names}
    for body in bodies.values():
        if "tags" in body:
            body["tags"] = [t for t in body["tags"] if not is_marker_tag(t.get("key"))]
    return bodies


def secret_keys_on(server: Any, scope: str) -> list[str]:
    """The keys of a scope's secrets, without the provider's ownership marker."""
    with api(server) as client:
        listed = client.get("/api/2.0/secrets/list", params={"scope": scope}).json().get("secrets", [])
    return sorted(k["key"] for k in listed if not is_marker_secret(k["key"]))


def scopes_on(server: Any) -> list[str]:
    with api(server) as client:
        return sorted(s["name"] for s in client.get("/api/2.0/secrets/scopes/list").json().get("scopes", []))


def external(name: str, provider: str, task: str, block: str, settings: dict, entity: str | None = None) -> dict:
    model = {"name": name, "provider": provider, "task": task, block: settings}
    return {"name": entity or name.replace(".", "-").replace(":", "-"), "external_model": model}


def one_entity_endpoint(name: str, entity: dict, **extra: Any) -> dict:
    return {"name": name, "config": {"served_entities": [entity]}, **extra}


def step_line(output: str, kind: str) -> list[str]:
    """Resource lines of ``pulumi preview/up`` output mentioning the type ``kind`` with a change marker."""
    pattern = re.compile(rf"dynamic/serving:{kind}\b")
    return [
        line
        for line in output.splitlines()
        if pattern.search(line) and line.lstrip()[:2] in ("~ ", "+ ", "- ", "+-", "-+", "++", "--")
    ]


__all__ = [
    "DEV_PASSPHRASE",
    "PROGRAM_FILES",
    "REPO_ROOT",
    "api",
    "declare",
    "endpoints_on",
    "external",
    "one_entity_endpoint",
    "scopes_on",
    "secret_keys_on",
    "step_line",
]
