"""Real clients against the live local serving API: databricks-sdk 0.150.0 and MLflow's deployments client.

databricks-sdk is imported by the tests that use it: its import takes about 1.4 s of CPU, which every test worker
would pay when it collects this module."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.inprocess import start_inprocess_server
from tests.support.payloads import OPENAI_REF, openai_entity, seed_openai_secret

if TYPE_CHECKING:
    from databricks.sdk.service import serving


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    live = start_inprocess_server(tmp_path_factory.mktemp("sdk") / "data", update_delay=0.5)
    yield live
    live.stop()


@pytest.fixture(scope="module")
def w(server):
    from databricks.sdk import WorkspaceClient

    return WorkspaceClient(host=server.url, token=server.admin_token, auth_type="pat")


def _entity(name: str, model: str = "gpt-3.5-turbo-instruct") -> serving.ServedEntityInput:
    from databricks.sdk.service import serving

    return serving.ServedEntityInput(
        name=name,
        external_model=serving.ExternalModel(
            name=model,
            provider=serving.ExternalModelProvider.OPENAI,
            task="llm/v1/completions",
            openai_config=serving.OpenAiConfig(openai_api_key=OPENAI_REF),
        ),
    )


def test_secrets_scopes_and_acls(w, server):
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.errors import NotFound, PermissionDenied
    from databricks.sdk.service.workspace import AclPermission

    w.secrets.create_scope(scope="my_openai_secret_scope")
    w.secrets.put_secret(scope="my_openai_secret_scope", key="openai_api_key", string_value="sk-test-openai")
    w.secrets.put_secret(scope="my_openai_secret_scope", key="bin", bytes_value="AAEC")
    assert "my_openai_secret_scope" in [s.name for s in w.secrets.list_scopes()]
    keys = sorted(s.key for s in w.secrets.list_secrets(scope="my_openai_secret_scope"))
    assert keys == ["bin", "openai_api_key"]
    w.secrets.delete_secret(scope="my_openai_secret_scope", key="bin")
    assert [s.key for s in w.secrets.list_secrets(scope="my_openai_secret_scope")] == ["openai_api_key"]
    w.secrets.put_acl(scope="my_openai_secret_scope", principal="ml", permission=AclPermission.READ)
    acls = {a.principal: a.permission for a in w.secrets.list_acls(scope="my_openai_secret_scope")}
    assert acls == {"admin": AclPermission.MANAGE, "ml": AclPermission.READ}
    assert w.secrets.get_acl(scope="my_openai_secret_scope", principal="ml").permission == AclPermission.READ
    outsider = WorkspaceClient(host=server.url, token=server.mint_token("outsider"), auth_type="pat")
    with pytest.raises(PermissionDenied):
        list(outsider.secrets.list_secrets(scope="my_openai_secret_scope"))
    w.secrets.create_scope(scope="throwaway")
    w.secrets.delete_scope(scope="throwaway")
    with pytest.raises(NotFound):
        list(w.secrets.list_secrets(scope="throwaway"))


def test_endpoint_lifecycle_with_waiters(w):
    from databricks.sdk.errors import NotFound
    from databricks.sdk.service import serving

    created = w.serving_endpoints.create_and_wait(
        name="sdk-openai",
        config=serving.EndpointCoreConfigInput(name="sdk-openai", served_entities=[_entity("openai-completions")]),
        tags=[serving.EndpointTag(key="team", value="ml")],
    )
    assert created.state.config_update == serving.EndpointStateConfigUpdate.NOT_UPDATING
    assert created.state.ready == serving.EndpointStateReady.READY
    assert created.config.config_version == 1
    assert created.config.traffic_config.routes[0].traffic_percentage == 100

    updated = w.serving_endpoints.update_config_and_wait(
        name="sdk-openai", served_entities=[_entity("openai-instruct-v2")]
    )
    assert updated.config.config_version == 2
    assert [e.name for e in updated.config.served_entities] == ["openai-instruct-v2"]

    gateway = w.serving_endpoints.put_ai_gateway(
        name="sdk-openai",
        rate_limits=[
            serving.AiGatewayRateLimit(
                calls=20,
                key=serving.AiGatewayRateLimitKey.USER,
                renewal_period=serving.AiGatewayRateLimitRenewalPeriod.MINUTE,
            )
        ],
    )
    assert gateway.rate_limits[0].calls == 20 and gateway.rate_limits[0].key == serving.AiGatewayRateLimitKey.USER
    assert w.serving_endpoints.get("sdk-openai").ai_gateway.rate_limits[0].calls == 20

    tags = w.serving_endpoints.patch(
        name="sdk-openai", add_tags=[serving.EndpointTag(key="cost", value="42")], delete_tags=["team"]
    )
    assert [(t.key, t.value) for t in tags.tags] == [("cost", "42")]

    permissions = w.serving_endpoints.set_permissions(
        serving_endpoint_id=created.id,
        access_control_list=[
            serving.ServingEndpointAccessControlRequest(
                user_name="bob", permission_level=serving.ServingEndpointPermissionLevel.CAN_QUERY
            )
        ],
    )
    assert any(a.user_name == "bob" for a in permissions.access_control_list)
    levels = w.serving_endpoints.get_permission_levels(serving_endpoint_id=created.id).permission_levels
    assert {lvl.permission_level for lvl in levels} == set(serving.ServingEndpointPermissionLevel)

    assert "sdk-openai" in [e.name for e in w.serving_endpoints.list()]
    w.serving_endpoints.delete(name="sdk-openai")
    with pytest.raises(NotFound):
        w.serving_endpoints.get("sdk-openai")


def test_sdk_sees_databricks_errors(w):
    from databricks.sdk.errors import InvalidParameterValue, ResourceConflict
    from databricks.sdk.service import serving

    w.serving_endpoints.create(
        name="sdk-busy", config=serving.EndpointCoreConfigInput(name="sdk-busy", served_entities=[_entity("e")])
    )
    with pytest.raises(ResourceConflict):
        w.serving_endpoints.update_config(name="sdk-busy", served_entities=[_entity("e2")])
    with pytest.raises(InvalidParameterValue, match="openai_api_key"):
        w.serving_endpoints.create(
            name="sdk-bad",
            config=serving.EndpointCoreConfigInput(
                name="sdk-bad",
                served_entities=[
                    serving.ServedEntityInput(
                        name="x",
                        external_model=serving.ExternalModel(
                            name="m",
                            provider=serving.ExternalModelProvider.OPENAI,
                            task="llm/v1/chat",
                            openai_config=serving.OpenAiConfig(openai_api_key="{{secrets/nope/nope}}"),
                        ),
                    )
                ],
            ),
        )


def test_mlflow_deployments_client_control_plane(tmp_path_factory, monkeypatch):
    from mlflow.deployments import get_deploy_client

    live = start_inprocess_server(tmp_path_factory.mktemp("mlflow") / "data", update_delay=0)
    try:
        monkeypatch.setenv("DATABRICKS_HOST", live.url)
        monkeypatch.setenv("DATABRICKS_TOKEN", live.admin_token)
        with live.client() as admin:
            seed_openai_secret(admin)
        client = get_deploy_client("databricks")
        entity = openai_entity()
        created = client.create_endpoint(config={"name": "mlflow-ep", "config": {"served_entities": [entity]}})
        assert created["name"] == "mlflow-ep"
        with pytest.warns(UserWarning, match="deprecated"):
            legacy = client.create_endpoint(
                name="mlflow-legacy", config={"served_entities": [entity], "tags": [{"key": "a", "value": "b"}]}
            )
        assert legacy["tags"] == [{"key": "a", "value": "b"}]
        assert client.get_endpoint("mlflow-ep")["state"]["config_update"] == "NOT_UPDATING"
        assert {"mlflow-ep", "mlflow-legacy"} <= {e["name"] for e in client.list_endpoints()}
        updated = client.update_endpoint_config("mlflow-ep", config={"served_entities": [{**entity, "name": "v2"}]})
        assert updated["config"]["config_version"] == 2
        limits = {"rate_limits": [{"calls": 20, "key": "user", "renewal_period": "minute"}]}
        assert client.update_endpoint_rate_limits("mlflow-ep", config=limits) == limits
        with pytest.warns(Warning):
            assert client.update_endpoint("mlflow-ep", config=limits) == limits
        gateway = client.update_endpoint_ai_gateway(
            "mlflow-ep", config={**limits, "usage_tracking_config": {"enabled": True}}
        )
        assert gateway["usage_tracking_config"] == {"enabled": True}
        tags = client.update_endpoint_tags("mlflow-ep", config={"add_tags": [{"key": "team", "value": "ml"}]})
        assert tags["tags"] == [{"key": "team", "value": "ml"}]
        assert client.delete_endpoint("mlflow-ep") == {}
        assert "mlflow-ep" not in {e["name"] for e in client.list_endpoints()}
    finally:
        live.stop()
