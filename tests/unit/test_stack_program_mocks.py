"""The stack program and Secret.config_reference under Pulumi's mocks (no engine): the inputs each resource gets."""

from __future__ import annotations

import pulumi

from tests.support.pulumi_mocks import Recorder


class SecretConfig:
    def require_secret(self, key: str) -> pulumi.Output[str]:
        return pulumi.Output.secret(f"value-of-{key}")


def test_declared_secrets_get_string_or_bytes_values_and_a_config_reference(pulumi_mocks: Recorder) -> None:
    from pulumi_serving.payloads.declarations import StackDeclarations
    from pulumi_serving.stack import declare_scopes

    @pulumi.runtime.test
    def run():
        decl = StackDeclarations.model_validate(
            {
                "scopes": [
                    {
                        "scope": "keys",
                        "secrets": [
                            {"key": "blob", "value_from": "blob_value", "encoding": "base64"},
                            {"key": "text", "value_from": "text_value"},
                        ],
                    }
                ]
            }
        )
        secrets = declare_scopes(decl, SecretConfig())
        return pulumi.Output.all(*[s.config_reference for s in secrets.values()]).apply(check)

    def check(references: list[str]) -> None:
        assert references == ["{{secrets/keys/blob}}", "{{secrets/keys/text}}"]
        blob, text = pulumi_mocks.inputs["keys/blob"], pulumi_mocks.inputs["keys/text"]
        # Values reach the resource as Pulumi secrets (the mocks show the secret wrapper).
        assert blob["bytes_value"]["value"] == "value-of-blob_value" and blob.get("string_value") is None
        assert text["string_value"]["value"] == "value-of-text_value" and text.get("bytes_value") is None

    run()


def test_an_endpoint_given_a_config_reference_knows_the_secret(pulumi_mocks: Recorder) -> None:
    from pulumi_serving import ExternalModelArgs, OpenAiConfigArgs, Secret, ServedEntityArgs, ServingEndpoint

    @pulumi.runtime.test
    def run():
        key = Secret("key", scope="keys", key="openai", string_value="sk-x")
        endpoint = ServingEndpoint(
            "ep",
            endpoint_name="ep",
            wait=False,
            known_secrets=["other/declared"],
            served_entities=[
                ServedEntityArgs(
                    name="m",
                    external_model=ExternalModelArgs(
                        name="gpt",
                        provider="openai",
                        task="llm/v1/chat",
                        openai_config=OpenAiConfigArgs(openai_api_key=key.config_reference),
                    ),
                )
            ],
        )
        return endpoint.endpoint_name.apply(lambda _: check())

    def check() -> None:
        inputs = pulumi_mocks.inputs["ep"]
        assert inputs["__known_secrets"] == ["keys/openai", "other/declared"]  # hidden from plans
        entity = inputs["config"]["served_entities"][0]
        assert entity["external_model"]["openai_config"]["openai_api_key"] == "{{secrets/keys/openai}}"

    run()
