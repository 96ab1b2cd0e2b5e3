"""Start-up cost of a Pulumi run: the program and the provider process import only what their path needs.

Every ``pulumi up/preview/refresh/destroy`` starts the program and the dynamic-provider host, and each imports the
package; the packages that re-export many modules load them on first use (``pulumi_serving/lazy_exports.py``).
"""

from __future__ import annotations

import ast
import importlib
import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

LAZY_PACKAGES = (
    "pulumi_serving.payloads",
    "pulumi_serving.plan",
    "pulumi_serving.resources",
    "pulumi_serving.recovery",
)
#: loaded later, or never, by the program and the provider: the models with the first check, the HTTP client with
#: the first call, the JSON Schema checker and the local serving API never
HEAVY = ("pydantic", "httpx", "jsonschema", "fastapi", "uvicorn", "pulumi_serving.server", "pulumi_serving.cli")


def loaded_after(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running ``code``."""
    heavy = f"m in {HEAVY!r} or m.startswith(tuple(h + '.' for h in {HEAVY!r}))"
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(m for m in sys.modules if {heavy})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    return list(json.loads(done.stdout))


@pytest.mark.parametrize(
    "code",
    [
        # the provider process unpickles each provider class by reference, importing its module
        "import pulumi_serving.resources.serving_endpoint, pulumi_serving.resources.secret, "
        "pulumi_serving.resources.secret_scope, pulumi_serving.resources.rate_limits, "
        "pulumi_serving.resources.endpoint_permissions, pulumi_serving.resources.readiness",
        # a Python program
        "from pulumi_serving import ServingEndpoint, Secret, SecretScope, RateLimits, ServedEntityArgs",
    ],
    ids=["provider", "python-program"],
)
def test_the_resources_import_no_models_client_or_server(code: str) -> None:
    assert loaded_after(code) == []


@pytest.mark.parametrize("command", ["recover", "tokens", "serve", "fake-upstream", "new"])
def test_a_cli_command_imports_none_of_the_others(command: str) -> None:
    """`pulumi-serving recover` runs before every `up` of the scaffolded workflow: it pays for no other command's
    imports (pulumi for `generate`, httpx for `query`, the models and schema checker for `validate`)."""
    run = f"from pulumi_serving.cli.main import main\ntry:\n    main([{command!r}, '--help'])\nexcept SystemExit:\n    pass"
    probe = f"{run}\nimport json, sys\nprint(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    assert set(json.loads(done.stdout.splitlines()[-1])).isdisjoint({"pulumi", "httpx", "pydantic", "jsonschema"})


def test_a_stack_file_program_imports_no_client_schema_checker_or_server() -> None:
    """It checks the declarations with the models, so it needs pydantic, and nothing else of the heavy ones."""
    loaded = loaded_after("import pulumi_serving.stack; pulumi_serving.stack.declare")
    assert "pydantic" in loaded
    assert [m for m in loaded if m.split(".")[0] != "pydantic"] == []


def _type_checking_names(package: str) -> set[str]:
    """The names a package's ``if TYPE_CHECKING:`` block imports (what type checkers see)."""
    tree = ast.parse(Path(importlib.import_module(package).__file__ or "").read_text())
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for statement in node.body:
                assert isinstance(statement, ast.ImportFrom)
                names.update(alias.asname or alias.name for alias in statement.names)
    return names


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_a_lazy_package_exports_what_type_checkers_see(package: str) -> None:
    module = importlib.import_module(package)
    assert set(module.__all__) == _type_checking_names(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        module.missing  # noqa: B018


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_no_exported_name_is_hidden_by_a_submodule_of_that_name(package: str) -> None:
    """Importing a submodule binds it as the package's attribute of its name, hiding an export of that name."""
    module = importlib.import_module(package)
    for submodule in pkgutil.iter_modules(module.__path__):
        if submodule.name in module.__all__:
            assert getattr(module, submodule.name) is importlib.import_module(f"{package}.{submodule.name}")
