"""Secrets payloads: scope, put (string|bytes, size limit), ACLs."""

import base64

from pulumi_serving.payloads import CreateScope, PutSecret, check, validate_put_acl
from pulumi_serving.payloads.secrets import MAX_SECRET_VALUE_BYTES


def msgs(problems):
    return [str(p) for p in problems]


def test_scope_create():
    assert check(CreateScope, {"scope": "my_openai_secret_scope"}) == []
    assert (
        "initial_manage_principal: unknown value 'admins'"
        in msgs(check(CreateScope, {"scope": "s", "initial_manage_principal": "admins"}))[0]
    )
    assert (
        "backend_azure_keyvault is required"
        in msgs(check(CreateScope, {"scope": "s", "scope_backend_type": "AZURE_KEYVAULT"}))[0]
    )
    assert msgs(check(CreateScope, {"scope": "../../etc"}))[0].startswith("scope: scope name '../../etc'")


def test_put_secret_string_or_bytes():
    assert (
        PutSecret.model_validate({"scope": "s", "key": "k", "string_value": "héllo"}).value_bytes() == "héllo".encode()
    )
    raw = bytes(range(256))
    put = PutSecret.model_validate({"scope": "s", "key": "k", "bytes_value": base64.b64encode(raw).decode()})
    assert (put.value_bytes(), put.value_kind()) == (raw, "bytes")
    assert "exactly one of string_value or bytes_value" in msgs(check(PutSecret, {"scope": "s", "key": "k"}))[0]
    assert (
        "exactly one of"
        in msgs(check(PutSecret, {"scope": "s", "key": "k", "string_value": "a", "bytes_value": "YQ=="}))[0]
    )
    assert (
        "bytes_value must be base64-encoded"
        in msgs(check(PutSecret, {"scope": "s", "key": "k", "bytes_value": "not base64!"}))[0]
    )


def test_secret_value_size_limit():
    assert check(PutSecret, {"scope": "s", "key": "k", "string_value": "x" * MAX_SECRET_VALUE_BYTES}) == []
    (msg,) = msgs(check(PutSecret, {"scope": "s", "key": "k", "string_value": "x" * (MAX_SECRET_VALUE_BYTES + 1)}))
    assert "limit is 131072 bytes" in msg


def test_acl_levels():
    assert validate_put_acl({"scope": "s", "principal": "users", "permission": "READ"}) == []
    assert (
        "permission: unknown value 'OWNER'"
        in msgs(validate_put_acl({"scope": "s", "principal": "u", "permission": "OWNER"}))[0]
    )
    # a list where a level is expected reads as JSON, not as a Python repr
    listed = msgs(validate_put_acl({"scope": "s", "principal": "u", "permission": ["READ", None]}))[0]
    assert 'permission: unknown value ["READ", null]' in listed, listed


def test_lone_surrogates_are_rejected_with_their_path():
    (problem,) = check(PutSecret, {"scope": "s", "key": "k", "string_value": "\udc00"})
    assert str(problem) == "string_value: text is not valid Unicode (lone surrogate escape)"
