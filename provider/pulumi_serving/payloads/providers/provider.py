"""What one external-model provider module declares (:class:`ExternalProvider`), and the pure records its
target resolution returns; docs/providers.md#adding-a-provider lists the fields.

Everything here is pure: the gateway carries out a :class:`Target` (it fetches the token the target asks for,
then calls the named wire adapter), the egress rule reads the URLs, the payload models read blocks and tasks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..base import SpecModel
from ..server_behaviour import CHAT, COMPLETIONS, EMBEDDINGS

#: A config block or an operator's base URLs, as JSON (``serve --upstream`` applied).
Block = Mapping[str, Any]
Bases = Mapping[str, str]
ALL_TASKS = frozenset({COMPLETIONS, CHAT, EMBEDDINGS})


@dataclass(frozen=True)
class CredentialPair:
    """``block.field`` takes a secret reference, ``block.plaintext_field`` the raw (write-only) value."""

    block: str
    field: str
    plaintext_field: str


@dataclass(frozen=True)
class EntraToken:
    """A Microsoft Entra ID client-credentials token, from ``{base}/{tenant}/oauth2/v2.0/token``."""

    base: str
    tenant: str
    client_id: str
    secret: str = field(repr=False)


@dataclass(frozen=True)
class GoogleToken:
    """A Google OAuth access token for a service account's JSON key, from ``token_url``."""

    token_url: str
    key: str = field(repr=False)


TokenRequest = EntraToken | GoogleToken


@dataclass(frozen=True)
class Target:
    """One served entity's upstream: ``adapter`` names the gateway's wire adapter. The credential is never logged
    or rendered; when ``token`` is set the gateway obtains that access token first and it becomes the credential."""

    adapter: str
    model: str
    base_url: str
    credential: str = field(repr=False)
    options: Mapping[str, str] = field(default_factory=dict)
    token: TokenRequest | None = None


class UnsupportedAuth(ValueError):
    """A valid config the local gateway cannot call with (it answers 501 with this message)."""


def no_token_endpoints(_block: Block) -> tuple[str, ...]:
    return ()


@dataclass(frozen=True)
class ExternalProvider:
    """One provider's facts. ``target(entity, model name, block, bases)`` plans its upstream call through one of
    ``adapters`` (adapter name -> ``module:Class`` of its wire adapter in ``server/gateway/providers/``); ``token_endpoints(block)`` names the ``token_bases`` a
    block's calls also reach (for the egress rule); ``fakes`` are the ``fake_upstream`` modules standing in for it."""

    name: str
    block: str
    config: type[SpecModel]
    credentials: tuple[CredentialPair, ...]
    tasks: frozenset[str]
    target: Callable[[str, str, Block, Bases], Target]
    adapters: Mapping[str, str]
    fakes: tuple[str, ...]
    default_base: str | None = None
    region_field: str = ""
    url_fields: tuple[str, ...] = ()
    operator_base_wins: bool = False
    token_bases: Mapping[str, str] = field(default_factory=dict)
    token_endpoints: Callable[[Block], tuple[str, ...]] = no_token_endpoints


def base_for(bases: Bases, provider: str, region: str = "") -> str:
    """``provider``'s base URL with ``{region}`` filled in (empty when it has none)."""
    return bases.get(provider, "").replace("{region}", region)


def text(value: Any) -> str:
    """A config value as the string a target carries (absent: empty)."""
    return str(value or "")
