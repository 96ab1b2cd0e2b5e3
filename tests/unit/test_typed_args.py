"""The top-level typed API: resources and ``...Args`` TypedDicts importable from ``pulumi_serving``, the TypedDicts
matching spec's models, checked by a real type checker, and dicts still accepted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import pulumi_serving
from pulumi_serving import generated_args as args
from tests.support.pulumi_stack import REPO_ROOT
from tests.support.repo_scripts import load_script
from tests.support.type_check import mypy


def test_generated_args_module_is_not_stale() -> None:
    assert (REPO_ROOT / "provider" / "pulumi_serving" / "generated_args.py").read_text() == load_script(
        "scripts/gen_args.py"
    ).render(), "generated_args.py is stale: run `python scripts/gen_args.py`"


def test_each_args_class_has_its_spec_models_fields_and_required_fields() -> None:
    gen = load_script("scripts/gen_args.py")
    models = gen._models(gen.ROOTS)
    assert {gen.args_name(m) for m in models} == set(args.__all__)
    for model in models:
        typed = getattr(args, gen.args_name(model))
        assert set(typed.__annotations__) == set(model.model_fields), model.__name__
        assert typed.__required_keys__ == {n for n, f in model.model_fields.items() if f.is_required()}, model
    for name in (
        "ServedEntityArgs",
        "ExternalModelArgs",
        "OpenAiConfigArgs",
        "AnthropicConfigArgs",
        "AmazonBedrockConfigArgs",
        "GoogleCloudVertexAiConfigArgs",
        "RouteArgs",
        "TrafficConfigArgs",
        "AiGatewayConfigArgs",
        "AiGatewayRateLimitArgs",
        "AccessControlArgs",
        "EndpointTagArgs",
    ):
        assert hasattr(pulumi_serving, name), name


def test_every_resource_is_importable_from_the_top_level_without_importing_pulumi_eagerly() -> None:
    code = (
        "import sys, pulumi_serving; assert 'pulumi' not in sys.modules, 'eager'; "
        "from pulumi_serving import ServingEndpoint, SecretScope, Secret, SecretAcl, RateLimits, EndpointsReady, "
        "EndpointPermissions; "
        "from pulumi_serving.resources import ServingEndpoint as S; assert ServingEndpoint is S; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr
    with pytest.raises(AttributeError, match="NoSuchThing"):
        pulumi_serving.NoSuchThing  # noqa: B018


def test_resource_signatures_name_the_args_classes() -> None:
    hints = pulumi_serving.ServingEndpoint.__init__.__annotations__
    assert "ServedEntityArgs" in hints["served_entities"] and "AiGatewayConfigArgs" in hints["ai_gateway"]
    assert "AiGatewayRateLimitArgs" in pulumi_serving.RateLimits.__init__.__annotations__["rate_limits"]


def test_a_type_checker_accepts_typed_args_and_dicts_and_names_typos(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(
        "from pulumi_serving import ServingEndpoint, ServedEntityArgs, ExternalModelArgs, OpenAiConfigArgs\n"
        "ServingEndpoint('a', endpoint_name='a', served_entities=[ServedEntityArgs(\n"
        "    name='x', external_model=ExternalModelArgs(name='g', provider='openai', task='llm/v1/chat',\n"
        "        openai_config=OpenAiConfigArgs(openai_api_key='{{secrets/s/k}}')))])\n"
        "ServingEndpoint('b', endpoint_name='b', served_entities=[{'name': 'x', 'entity_name': 'm'}])\n"
        "ServedEntityArgs(nme='x')\n"
        "ExternalModelArgs(name='g', provider='opneai', task='llm/v1/chat')\n"
    )
    done = mypy(program, cwd=tmp_path)
    errors = [line.split(": error: ")[0].rsplit(":", 1)[-1] for line in done.stdout.splitlines() if ": error: " in line]
    assert errors == ["6", "7"], done.stdout  # only the unknown key and the unknown provider
    assert 'Extra key "nme"' in done.stdout and "opneai" in done.stdout


def test_typed_args_build_the_same_config_as_dicts() -> None:
    from pulumi_serving.resources.serving_endpoint import endpoint_config

    typed = args.ServedEntityArgs(
        name="x",
        external_model=args.ExternalModelArgs(
            name="g", provider="openai", task="llm/v1/chat", openai_config=args.OpenAiConfigArgs(openai_api_key="k")
        ),
    )
    plain = {
        "name": "x",
        "external_model": {
            "name": "g",
            "provider": "openai",
            "task": "llm/v1/chat",
            "openai_config": {"openai_api_key": "k"},
        },
    }
    assert endpoint_config(served_entities=[typed]) == endpoint_config(served_entities=[plain])


def test_every_public_resource_class_is_a_top_level_name() -> None:
    from pulumi_serving import resources

    for name in resources.__all__:
        assert getattr(pulumi_serving, name) is getattr(resources, name)
    assert set(resources.__all__) <= set(dir(pulumi_serving))


def test_the_typed_surface_and_the_stack_program_are_type_clean() -> None:
    package = REPO_ROOT / "provider" / "pulumi_serving"
    targets = [
        package / "__init__.py",
        package / "generated_args.py",
        package / "stack",
        package / "cli" / "new.py",
        package / "resources" / "secret_references.py",
    ]
    done = mypy(*targets)
    assert done.returncode == 0, done.stdout
