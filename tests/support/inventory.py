"""What a live local server holds, as one comparable value (ownership markers left out)."""

from __future__ import annotations

from typing import Any

from pulumi_serving.spec.ownership import is_marker_secret, is_marker_tag


def server_inventory(server: Any) -> dict[str, dict[str, list]]:
    """``{"scopes": {scope: [secret keys]}, "endpoints": {name: [tags]}}`` without the provider's markers."""
    with server.client() as api:
        scopes = [s["name"] for s in api.get("/api/2.0/secrets/scopes/list").json().get("scopes", [])]
        keys = {
            s: sorted(
                k["key"]
                for k in api.get("/api/2.0/secrets/list", params={"scope": s}).json().get("secrets", [])
                if not is_marker_secret(k["key"])
            )
            for s in scopes
        }
        names = [e["name"] for e in api.get("/api/2.0/serving-endpoints").json().get("endpoints", [])]
        tags = {
            n: sorted(
                (
                    t
                    for t in api.get(f"/api/2.0/serving-endpoints/{n}").json().get("tags", [])
                    if not is_marker_tag(t["key"])
                ),
                key=lambda t: t["key"],
            )
            for n in names
        }
    return {"scopes": keys, "endpoints": tags}
