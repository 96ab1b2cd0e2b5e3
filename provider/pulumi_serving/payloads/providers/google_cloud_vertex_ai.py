"""Google Vertex AI: a service account's JSON key buys an OAuth access token (``google-oauth``) for each call."""

from __future__ import annotations

from typing import ClassVar

from .credential_block import CredentialBlock, credential_pair
from .provider import ALL_TASKS, Bases, Block, ExternalProvider, GoogleToken, Target, base_for, text

NAME = "google-cloud-vertex-ai"
BLOCK = "google_cloud_vertex_ai_config"
KEY = credential_pair(BLOCK, "private_key")


class GoogleCloudVertexAiConfig(CredentialBlock):
    _pairs: ClassVar = (KEY,)
    project_id: str
    region: str
    private_key: str | None = None
    private_key_plaintext: str | None = None


def target(entity: str, name: str, cfg: Block, bases: Bases) -> Target:
    region = text(cfg.get("region"))
    options = {"project": text(cfg.get("project_id")), "region": region}
    token = GoogleToken(bases["google-oauth"], text(cfg.get("private_key")))
    return Target(NAME, name, base_for(bases, NAME, region), "", options, token)


def token_endpoints(_cfg: Block) -> tuple[str, ...]:
    return ("google-oauth",)


PROVIDER = ExternalProvider(
    name=NAME,
    block=BLOCK,
    config=GoogleCloudVertexAiConfig,
    credentials=(KEY,),
    tasks=ALL_TASKS,
    target=target,
    adapters={NAME: "vertex:VertexAIAdapter"},
    fakes=("google_wire",),
    default_base="https://{region}-aiplatform.googleapis.com/v1",
    region_field="region",
    token_bases={"google-oauth": "https://oauth2.googleapis.com/token"},
    token_endpoints=token_endpoints,
)
