"""Another workspace's model serving: ``databricks_workspace_url`` with its token; an operator's
``--upstream databricks-model-serving=URL`` replaces every entity's workspace URL."""

from __future__ import annotations

from typing import ClassVar

from .credential_block import CredentialBlock, credential_pair
from .provider import ALL_TASKS, Bases, Block, ExternalProvider, Target, text

NAME = "databricks-model-serving"
BLOCK = "databricks_model_serving_config"
TOKEN = credential_pair(BLOCK, "databricks_api_token")


class DatabricksModelServingConfig(CredentialBlock):
    _pairs: ClassVar = (TOKEN,)
    databricks_workspace_url: str
    databricks_api_token: str | None = None
    databricks_api_token_plaintext: str | None = None


def target(entity: str, name: str, cfg: Block, bases: Bases) -> Target:
    base = bases.get(NAME) or text(cfg.get("databricks_workspace_url"))
    return Target(NAME, name, base, text(cfg.get("databricks_api_token")))


PROVIDER = ExternalProvider(
    name=NAME,
    block=BLOCK,
    config=DatabricksModelServingConfig,
    credentials=(TOKEN,),
    tasks=ALL_TASKS,
    target=target,
    adapters={NAME: "databricks:DatabricksModelServingAdapter"},
    fakes=("databricks_serving_wire",),
    default_base="",
    url_fields=("databricks_workspace_url",),
    operator_base_wins=True,
)
