"""The local serving API: a Databricks-compatible control plane (serving endpoints, secrets) on FastAPI.

Layout (moto-style: state backend apart from HTTP):
- ``backend.open_backend(settings) -> Backend``: state with no HTTP. ``Backend`` holds
  ``db`` (``storage.Database``, SQLite WAL), ``tokens`` (``principals.TokenStore``), ``secrets``
  (``secret_store.SecretStore``), ``endpoints`` (``endpoint_store.EndpointStore``, CRUD), ``endpoint_acls``
  (``endpoint_acls.EndpointAcls``, permissions) and ``credentials`` (``endpoint_credentials.EndpointCredentials``).
- ``routes/*``: thin FastAPI routers; ``app.create_app(settings) -> FastAPI`` assembles them with the
  Databricks error handlers and the ``guard.Guard`` middleware (token checked before
  any body is read, body cap and read timeout, 500 safety net).
- ``runner.serve(settings)``: one uvicorn process, one worker (state machine, rate limits and the SQLite
  connection are process-global).

Seam for the invocations gateway (``server/gateway/``: built by ``create_app`` with ``gateway.install(app,
usage_store)`` and its ``APIRouter`` added there; ``app.front_door(app)``, the served ASGI callable, answers the
data plane ahead of the app's layers; the control plane imports nothing
of it, and an endpoint's usage rows go with the endpoint in the database). From a route, ``request.app.state.backend`` is the :class:`Backend`; or use the
dependencies in ``deps``:
- ``deps.PrincipalDep`` / ``deps.current_principal(request) -> principals.Principal``: authenticate the
  bearer token (raises ``errors.Unauthenticated`` -> 401). ``Principal`` has ``name``, ``groups``,
  ``service_principal``, ``is_admin``.
- ``deps.BackendDep`` / ``deps.get_backend(request) -> Backend``.
- ``backend.endpoint_acls.require_permission(principal, name, "CAN_QUERY") -> dict``: the settled endpoint
  record (404 ``RESOURCE_DOES_NOT_EXIST`` / 403 ``PERMISSION_DENIED`` otherwise). The record has
  ``config`` (live: ``served_entities``, ``traffic_config``), ``pending``, ``ai_gateway`` (``rate_limits``,
  ``guardrails``, ``fallback_config``, ...), ``legacy_rate_limits``, ``task``, ``name``, ``id``.
- ``backend.endpoint_acls.permission_level(principal, name) -> str | None``.
- ``backend.credentials.resolve_external_model(name, served_entity_name) -> dict``: the live entity's
  ``external_model`` with credentials as raw values (plaintext or ``{{secrets/...}}`` resolved, collapsed
  onto the reference field, e.g. ``openai_config.openai_api_key``), each reference authorized for this use
  (403 when the endpoint's owner lost READ or the scope was recreated). Never log it.
- Errors: raise ``errors.ApiError`` subclasses (``RequestLimitExceeded(message, retry_after=s)`` gives 429
  with ``Retry-After``); the app renders ``{"error_code", "message"}`` with the right status.

Fault injection, for tests of client retries (admin token only; others get 403): ``POST /api/2.0/_faults``
with ``{"status": 409|429|500|502|503, "count": N, "retry_after": S, "method": "PUT",
"path_prefix": "/api/2.0/serving-endpoints"}`` makes the next N matching requests (method optional,
prefix default ``/api/2.0/``) answer a Databricks error instead: 409 ``RESOURCE_CONFLICT`` "Endpoint <name>
is currently updating", 429 ``REQUEST_LIMIT_EXCEEDED`` / 503 ``TEMPORARILY_UNAVAILABLE`` with ``Retry-After``
(default 1 s), 500 ``INTERNAL_ERROR``, 502 ``BAD_GATEWAY``. ``GET`` lists armed faults with their
``remaining`` count (a fault disappears once used up), ``DELETE`` clears them. State: ``faults.FaultPlan``
(in memory, ``app.state.faults``); HTTP: ``routes/faults.py`` and the ``fault_gate.FaultGate`` middleware.
"""
