"""``pulumi-serving query ENDPOINT --prompt ...``: query a serving endpoint and print its response.

Works against the local serving API or a real Databricks workspace. Host and credentials are resolved like
the provider's: ``--host``/``--token``, else databricks-sdk's conventions (``DATABRICKS_HOST``/``DATABRICKS_TOKEN``,
``--profile`` or ``DATABRICKS_CONFIG_PROFILE`` in ``~/.databrickscfg``, ...). The request shape follows the endpoint's task: ``prompt`` for
completions, a single user message for chat, ``input`` for embeddings.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from ..client.http import tls_refusal
from ..payloads.api_paths import GET_ENDPOINT, INVOCATIONS
from ..payloads.server_behaviour import DEFAULT_TASK

if TYPE_CHECKING:
    from ..client import Credentials

TIMEOUT_S = 120.0


@dataclass
class Answer:
    """One endpoint's reply: the body (or error), served entity and latency."""

    endpoint: str
    status: int
    body: Any
    served_model: str
    latency_ms: float

    @property
    def ok(self) -> bool:
        return self.status == 200

    def texts(self) -> list[str]:
        if not self.ok:
            return [
                f"{self.body.get('error_code', 'ERROR')}: {self.body.get('message', '')}"
                if isinstance(self.body, dict)
                else str(self.body)
            ]
        if "choices" in self.body:
            return [
                c.get("text") if "text" in c else (c.get("message") or {}).get("content", "")
                for c in self.body["choices"]
            ]
        if "data" in self.body:
            return [f"embedding[{len(d.get('embedding') or [])}]" for d in self.body["data"]]
        return [json.dumps(self.body)]

    def tokens(self) -> str:
        use = self.body.get("usage") if self.ok and isinstance(self.body, dict) else None
        if not use:
            return "-"
        return f"{use.get('prompt_tokens', 0)}+{use.get('completion_tokens', 0)}={use.get('total_tokens', 0)}"


def add_connection_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prompt", required=True, help="the prompt (a single user message for chat endpoints)")
    parser.add_argument("--temperature", type=float, default=None, help="sampling temperature 0.0-2.0")
    parser.add_argument("--max-tokens", type=int, default=None, help="maximum tokens to generate")
    parser.add_argument("-n", type=int, default=None, help="number of choices (1-5)")
    parser.add_argument("--host", default=None, help="workspace URL (default $DATABRICKS_HOST or the profile's)")
    parser.add_argument("--token", default=None, help="bearer token (default $DATABRICKS_TOKEN or the profile's)")
    parser.add_argument(
        "--profile",
        default=None,
        help="~/.databrickscfg profile ($DATABRICKS_CONFIG_FILE; default $DATABRICKS_CONFIG_PROFILE)",
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("query", help="query a serving endpoint and print the response")
    parser.add_argument("endpoint", help="serving endpoint name")
    add_connection_args(parser)
    parser.add_argument("--text", action="store_true", help="print only the answer text(s), not the JSON")
    parser.set_defaults(func=run)


class _CredentialHeaders(httpx.Auth):
    """Adds the resolved credentials' headers to each request (OAuth tokens may refresh between calls)."""

    def __init__(self, credentials: Credentials):
        self._credentials = credentials

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers.update(self._credentials.headers())
        yield request


def connect(args: argparse.Namespace) -> httpx.Client:
    """An HTTP client for the workspace, its host and credentials resolved as the provider resolves them."""
    from ..client import CredentialsError, resolve_credentials
    from ..client.tls import context_for

    try:
        credentials = resolve_credentials(args.host, args.token, args.profile)
    except CredentialsError as exc:
        raise SystemExit(f"error: {exc}") from None
    return httpx.Client(
        base_url=credentials.host,
        auth=_CredentialHeaders(credentials),
        timeout=TIMEOUT_S,
        verify=context_for(credentials.host),
    )


def endpoint_task(client: httpx.Client, endpoint: str) -> str:
    """The endpoint's task (from its config); completions when it cannot be read."""
    try:
        response = client.get(GET_ENDPOINT.url(name=endpoint))
    except httpx.HTTPError:
        return DEFAULT_TASK
    if response.status_code != 200:
        return DEFAULT_TASK
    doc = response.json()
    if doc.get("task"):
        return str(doc["task"])
    for entity in (doc.get("config") or {}).get("served_entities") or []:
        task = (entity.get("external_model") or {}).get("task")
        if task:
            return str(task)
    return DEFAULT_TASK


def build_body(task: str, args: argparse.Namespace) -> dict[str, Any]:
    if task.endswith("embeddings"):
        return {"input": args.prompt}
    body: dict[str, Any] = (
        {"messages": [{"role": "user", "content": args.prompt}]} if task.endswith("chat") else {"prompt": args.prompt}
    )
    for field, value in (("temperature", args.temperature), ("max_tokens", args.max_tokens), ("n", args.n)):
        if value is not None:
            body[field] = value
    return body


def ask(client: httpx.Client, endpoint: str, args: argparse.Namespace) -> Answer:
    body = build_body(endpoint_task(client, endpoint), args)
    started = time.perf_counter()
    try:
        response = client.post(INVOCATIONS.url(name=endpoint), json=body)
    except httpx.HTTPError as err:
        refusal = tls_refusal(err, str(client.base_url).rstrip("/"))
        return Answer(
            endpoint,
            0,
            {"error_code": "UNREACHABLE", "message": refusal[1] if refusal else f"{type(err).__name__}: {err}"},
            "",
            (time.perf_counter() - started) * 1000,
        )
    latency = (time.perf_counter() - started) * 1000
    try:
        payload = response.json()
    except ValueError:
        payload = {"error_code": f"HTTP_{response.status_code}", "message": response.text[:500]}
    return Answer(endpoint, response.status_code, payload, response.headers.get("served-model-name", ""), latency)


def run(args: argparse.Namespace) -> int:
    with connect(args) as client:
        answer = ask(client, args.endpoint, args)
    if not answer.ok:
        print(answer.texts()[0], file=sys.stderr)
        return 1
    if args.text:
        for text in answer.texts():
            print(text)
    else:
        print(json.dumps(answer.body, indent=2))
    return 0
