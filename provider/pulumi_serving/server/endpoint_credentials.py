"""Endpoint credentials: plaintext keys sealed at rest, ``{{secrets/...}}`` references bound when a config is
set, and the gateway's lookup of an entity's credentials, authorized at every use.

Binding: the principal setting a config (its *owner*) must be able to READ every referenced secret; the
stored config records the owner and, per reference, the uid of the scope it was checked against.
Use: each lookup re-checks that the scope is still that scope (not deleted and created again under the same
name) and that the owner still holds READ on it (its groups are those of its live tokens); otherwise it is a
403 naming the endpoint and the reference, never the value. The gateway caches lookups per state version.
"""

from __future__ import annotations

import base64
import copy
import time
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidTag

from ..payloads import endpoints as spec
from ..payloads.secret_ref_syntax import format_secret_ref, parse_secret_ref
from ..payloads.secret_uses import config_secret_uses
from .crypto import SecretBox
from .endpoint_documents import Doc, credential_blocks
from .endpoint_records import load
from .errors import InvalidParameterValue, PermissionDenied, ResourceDoesNotExist
from .principals import ADMIN, Principal, principal_by_name
from .secret_store import SecretStore
from .storage import Database

_SEALED = "sealed:v1:"


def owner_record(principal: Principal) -> dict[str, Any]:
    """How a stored config names its owner (the admin token's principal is marked as such)."""
    return {"name": principal.name, "service_principal": principal.service_principal, "admin_token": principal is ADMIN}


class EndpointCredentials:
    def __init__(self, db: Database, box: SecretBox, secrets: SecretStore, clock: Callable[[], float] = time.time):
        self._db = db
        self._box = box
        self._secrets = secrets
        self._clock = clock

    # when a config is set
    def seal_entity(self, endpoint_id: str, entity: dict[str, Any]) -> None:
        """Encrypt the entity's ``*_plaintext`` credentials in place: every value, whatever it looks like (a
        key that happens to start with the at-rest prefix is sealed like any other)."""
        model = entity.get("external_model")
        if not isinstance(model, dict):
            return
        for block_path, block, _, plaintext_field in credential_blocks(model):
            value = block.get(plaintext_field)
            if isinstance(value, str):
                context = f"endpoint:{endpoint_id}:{block_path}.{plaintext_field}"
                block[plaintext_field] = _SEALED + base64.b64encode(self._box.seal(value.encode(), context)).decode()

    def bind(self, principal: Principal, config: spec.EndpointCoreConfigInput, prefix: str) -> dict[str, Any]:
        """The owner and reference bindings to store with ``config``; 400 naming each reference
        ``principal`` cannot READ."""
        uses = config_secret_uses(config, prefix)
        bound, refused = self._secrets.bind(principal, [(u.ref.scope, u.ref.key) for u in uses])
        if refused:
            raise InvalidParameterValue(
                "; ".join(
                    f"{uses[i].path}: secret {uses[i].ref} does not exist or is not readable by {principal.name}"
                    for i in refused
                )
            )
        return {"owner": owner_record(principal), "secret_bindings": bound}

    # when the gateway uses it
    def _owner(self, stored: Doc) -> Principal:
        owner = stored["owner"]
        if owner.get("admin_token"):
            return ADMIN
        with self._db.read() as conn:
            return principal_by_name(conn, owner["name"], bool(owner.get("service_principal")))

    def _authorize(self, name: str, stored: Doc, scope: str, key: str) -> None:
        reference = format_secret_ref(scope, key)
        problem: str | None
        if "owner" not in stored:
            problem = "the endpoint's config predates reference binding; update the endpoint's config"
        else:
            bound = stored.get("secret_bindings", {}).get(f"{scope}/{key}")
            problem = self._secrets.use_problem(self._owner(stored), scope, bound)
        if problem:
            raise PermissionDenied(f"Endpoint '{name}' may not use the secret {reference}: {problem}.")

    def _unseal(self, endpoint_id: str, block_path: str, field: str, value: str) -> str:
        """The value sealed by :meth:`seal_entity`. A value that does not open was stored as written by a
        server before every value was sealed (it merely started with the prefix): it is the key itself."""
        try:
            sealed = base64.b64decode(value[len(_SEALED) :], validate=True)
            return self._box.open(sealed, f"endpoint:{endpoint_id}:{block_path}.{field}").decode()
        except (ValueError, InvalidTag):  # binascii.Error and UnicodeDecodeError are ValueErrors
            return value

    def resolve_external_model(self, name: str, served_entity_name: str) -> dict[str, Any]:
        """The live served entity's ``external_model`` with credentials resolved to raw values, each secret
        reference authorized for this use (403 otherwise).

        Each credential pair collapses onto its reference field (``openai_api_key`` holds the key whether
        it was declared as a ``{{secrets/...}}`` reference or as ``*_plaintext``). Never log the result.
        """
        with self._db.read() as conn:
            doc = load(conn, name, int(self._clock() * 1000))
        config = doc.get("config")
        if not config:
            raise ResourceDoesNotExist(f"Endpoint '{name}' has no live config yet.")
        entity = next((e for e in config["served_entities"] if e["name"] == served_entity_name), None)
        if entity is None or "external_model" not in entity:
            raise ResourceDoesNotExist(f"Served entity '{served_entity_name}' is not an external model of '{name}'.")
        model = copy.deepcopy(entity["external_model"])
        for block_path, block, field, plaintext_field in credential_blocks(model):
            if block.get(plaintext_field) is not None:
                block[field] = self._unseal(doc["id"], block_path, plaintext_field, block.pop(plaintext_field))
            elif block.get(field) is not None:
                ref = parse_secret_ref(block[field])
                self._authorize(name, config, ref.scope, ref.key)
                block[field] = self._secrets.resolve_secret(ref.scope, ref.key)
        return model
