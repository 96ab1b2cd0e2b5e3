"""What a live local server holds, read over its API, with the provider's ownership markers left out."""

from __future__ import annotations

from typing import Any

from pulumi_serving.payloads.ownership import is_marker_secret, is_marker_tag

from .inprocess import InProcessServer
from .server import LiveServer


def scopes_on(server: LiveServer | InProcessServer) -> list[str]:
    with server.client() as client:
        return sorted(s["name"] for s in client.get("/api/2.0/secrets/scopes/list").json().get("scopes", []))


def secret_keys_on(server: LiveServer | InProcessServer, scope: str) -> list[str]:
    """The keys of a scope's secrets, without the provider's ownership marker."""
    with server.client() as client:
        listed = client.get("/api/2.0/secrets/list", params={"scope": scope}).json().get("secrets", [])
    return sorted(k["key"] for k in listed if not is_marker_secret(k["key"]))


def endpoints_on(server: LiveServer | InProcessServer) -> dict[str, dict[str, Any]]:
    """Every endpoint's body, its tags without the provider's ownership marker."""
    with server.client() as client:
        names = [e["name"] for e in client.get("/api/2.0/serving-endpoints").json().get("endpoints", [])]
        bodies = {n: client.get(f"/api/2.0/serving-endpoints/{n}").json() for n in names}
    for body in bodies.values():
        if "tags" in body:
            body["tags"] = [t for t in body["tags"] if not is_marker_tag(t.get("key"))]
    return bodies


def server_inventory(server: LiveServer | InProcessServer) -> dict[str, dict[str, list]]:
    """``{"scopes": {scope: [secret keys]}, "endpoints": {name: [tags]}}``, as one comparable value."""
    return {
        "scopes": {scope: secret_keys_on(server, scope) for scope in scopes_on(server)},
        "endpoints": {
            name: sorted(body.get("tags", []), key=lambda t: t["key"]) for name, body in endpoints_on(server).items()
        },
    }
