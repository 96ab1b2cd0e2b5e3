"""Every secret value is sealed at rest, whatever it looks like: a ``*_plaintext`` key or a secret value that
starts with the at-rest sealing prefix is encrypted like any other, and the endpoint keeps answering with it."""

from __future__ import annotations

import json
import sqlite3

from pulumi_serving.server.endpoint_credentials import _SEALED
from tests.support.gateway import last_key_hash, query, sha
from tests.support.payloads import create_body, openai_entity

LOOKALIKE = _SEALED + "c2stbG9va3MtbGlrZS1jaXBoZXJ0ZXh0"  # base64 too: it would decode, but never open
PROMPT = {"prompt": "hello", "max_tokens": 8}


def _stored_text(data_dir) -> str:
    """Everything the database holds, as text (ciphertexts included)."""
    with sqlite3.connect(f"file:{data_dir / 'serving.sqlite3'}?mode=ro", uri=True) as conn:
        rows = [*conn.execute("SELECT doc FROM endpoints"), *conn.execute("SELECT ciphertext FROM secrets")]
    return "\n".join(str(value) for (value,) in rows)


def test_a_plaintext_key_that_looks_sealed_is_sealed_and_used(gateway, gateway_admin, fake_upstream_client):
    body = create_body("looks-sealed", openai_entity(key={"openai_api_key_plaintext": LOOKALIKE}))
    assert gateway_admin.post("/api/2.0/serving-endpoints", json=body).status_code == 200
    for _ in range(2):
        answer = query(gateway_admin, "looks-sealed", PROMPT)
        assert answer.status_code == 200, answer.text
        assert last_key_hash(fake_upstream_client, "openai") == sha(LOOKALIKE)
    assert LOOKALIKE not in _stored_text(gateway.data_dir)


def test_a_secret_value_that_looks_sealed_is_sealed_and_used(gateway, gateway_admin, fake_upstream_client):
    assert gateway_admin.post("/api/2.0/secrets/scopes/create", json={"scope": "lookalike"}).status_code == 200
    put = {"scope": "lookalike", "key": "k", "string_value": LOOKALIKE}
    assert gateway_admin.post("/api/2.0/secrets/put", json=put).status_code == 200
    body = create_body("looks-sealed-ref", openai_entity(key={"openai_api_key": "{{secrets/lookalike/k}}"}))
    assert gateway_admin.post("/api/2.0/serving-endpoints", json=body).status_code == 200
    answer = query(gateway_admin, "looks-sealed-ref", PROMPT)
    assert answer.status_code == 200, answer.text
    assert last_key_hash(fake_upstream_client, "openai") == sha(LOOKALIKE)
    assert LOOKALIKE not in _stored_text(gateway.data_dir)


def test_a_lookalike_stored_unsealed_by_an_older_server_is_still_the_key(gateway, fake_upstream_client):
    """Servers before this rule stored such a value as written: it must still be used as the key, not be a 500."""
    gateway.stop()
    with sqlite3.connect(gateway.data_dir / "serving.sqlite3") as conn:
        (raw,) = conn.execute("SELECT doc FROM endpoints WHERE name = 'looks-sealed'").fetchone()
        doc = json.loads(raw)
        config = doc.get("config") or doc["pending"]  # a config is settled in storage at the next write
        config["served_entities"][0]["external_model"]["openai_config"]["openai_api_key_plaintext"] = LOOKALIKE
        conn.execute("UPDATE endpoints SET doc = ? WHERE name = 'looks-sealed'", (json.dumps(doc),))
    gateway.restart()
    with gateway.client() as admin:
        answer = query(admin, "looks-sealed", PROMPT)
    assert answer.status_code == 200, answer.text
    assert last_key_hash(fake_upstream_client, "openai") == sha(LOOKALIKE)
