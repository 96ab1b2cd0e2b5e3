"""A stack's declarations (scopes with secrets and ACLs, endpoints with rate limits): models, ``{secret: key}``
values, checks beyond the schema, the JSON Schema, and reading them from a stack file's config.
"""

from .checks import Items, parse_declarations, semantic_problems, undeclared_secret_problems
from .json_schema import SCHEMA_ID, json_schema, schema_problems
from .models import (
    DECLARATION_KEYS,
    NAMESPACE,
    PROVIDER_SETTINGS,
    AclDeclaration,
    EndpointDeclaration,
    ScopeDeclaration,
    SecretDeclaration,
    SecretValueRef,
    StackDeclarations,
)
from .secret_values import endpoint_secret_keys, resolve_secret_values
from .stack_config import from_stack_config, stack_file_path, unknown_key_problems, validate_stack_config
from .stack_file_schema import STACK_FILE_SCHEMA_ID, stack_file_schema

__all__ = [
    "DECLARATION_KEYS",
    "NAMESPACE",
    "PROVIDER_SETTINGS",
    "SCHEMA_ID",
    "STACK_FILE_SCHEMA_ID",
    "AclDeclaration",
    "EndpointDeclaration",
    "Items",
    "ScopeDeclaration",
    "SecretDeclaration",
    "SecretValueRef",
    "StackDeclarations",
    "endpoint_secret_keys",
    "from_stack_config",
    "json_schema",
    "parse_declarations",
    "resolve_secret_values",
    "schema_problems",
    "semantic_problems",
    "stack_file_path",
    "stack_file_schema",
    "undeclared_secret_problems",
    "unknown_key_problems",
    "validate_stack_config",
]
