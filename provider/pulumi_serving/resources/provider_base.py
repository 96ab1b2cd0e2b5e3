"""Shared base of the dynamic providers: credentials from ``configure``, a lazily built client, and the
common opening of ``check`` (inputs as JSON, unknown properties) and ``diff`` (plan, progress, DiffResult).

Providers are pickled by reference (the classes live in this installed package) and carry nothing
on ``self`` until ``configure`` runs inside the provider process, so no host, token or client is ever
written to state. Methods are thread-safe: the dynamic provider host runs up to 4 calls at once.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING, Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure, CheckResult, ConfigureRequest, DiffResult, ResourceProvider
from pulumi.output import Unknown

from .. import payloads
from ..client import (
    ApiError,
    CallCounter,
    CredentialsError,
    NotFound,
    RetryPolicy,
    ServingClient,
    ServingError,
    TlsRefused,
    TransportError,
    connect,
)
from ..engine_watchdog import engine_address, start_if_provider_host
from ..expected_errors import Refused
from ..expected_errors import install as install_expected_errors
from ..payloads.ownership import OWNER_INPUT
from ..plan import Plan
from ..plan.scope_acls import Caller
from ..quiet_interrupt import install_if_program
from . import diagnostics

if TYPE_CHECKING:
    from .serving_endpoint import ServingEndpoint

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN: a value not known at preview
CONFIG_NAMESPACE = "serving"
DEFAULT_WAIT_TIMEOUT = 1200.0

Json = dict[str, Any]

start_if_provider_host()  # inside the provider process: exit when the engine is gone
if engine_address() is not None:
    install_expected_errors()  # inside the provider process: expected failures reach the engine as messages
install_if_program()  # inside the program process: an interrupt by the engine prints no traceback

_ACCESS_LOCK = threading.Lock()
_ACCESS: dict[tuple[Any, ...], Caller | Exception] = {}  # per settings: the caller, or why there is none
_IN_STATE: set[str] = set()  # URNs this process has checked with last-applied inputs (resources in the state)

__all__ = [
    "CONFIG_NAMESPACE",
    "DEFAULT_WAIT_TIMEOUT",
    "HIDDEN_INPUTS",
    "EndpointSettingProvider",
    "Json",
    "ServingProvider",
    "endpoint_inputs",
    "failures",
    "has_unknowns",
    "hidden",
    "plain",
    "shown",
]


def has_unknowns(value: Any) -> bool:
    """True when ``value`` holds a value not known at preview (an output of a resource not yet created)."""
    if isinstance(value, dict):
        return any(has_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknowns(v) for v in value)
    return isinstance(value, Unknown) or value == UNKNOWN


def shown(value: Any) -> str:
    """A value for a progress or label line: ``(known after apply)`` when it is not known yet."""
    return "(known after apply)" if has_unknowns(value) else str(value)


#: inputs that say how to apply, not what: stored under a ``__`` name, which Pulumi's display never shows (so no
#: plan lists them, docs/pulumi-engine.md#what-a-plan-shows); the providers read them under their plain names
#: (``plain`` renames, ``hidden`` names back)
HIDDEN_INPUTS = {
    "adopt": "__adopt",
    "known_secrets": "__known_secrets",
    "known_scopes": "__known_scopes",
    "known_grants": "__known_grants",
    "acls_declared": "__acls_declared",
    OWNER_INPUT: "__owner",
}
_PLAIN_NAMES = {stored: name for name, stored in HIDDEN_INPUTS.items()}


def hidden(props: Json) -> Json:
    """``props`` with the options of :data:`HIDDEN_INPUTS` under their stored (``__``) names."""
    return {HIDDEN_INPUTS.get(k, k): v for k, v in props.items()}


def plain(value: Any) -> Any:
    """Inputs as JSON: integral floats (Pulumi sends every number as a double) back to ints, None dropped, the
    engine's own ``__`` keys dropped and the hidden options under their plain names (states written before they
    were hidden hold the plain names already)."""
    if isinstance(value, dict):
        return {
            _PLAIN_NAMES.get(k, k): plain(v)
            for k, v in value.items()
            if v is not None and (not k.startswith("__") or k in _PLAIN_NAMES)
        }
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def failures(prefix: str, problems: list[Any]) -> list[CheckFailure]:
    """spec Problems -> CheckFailures on the top-level property ``prefix`` with the full field path."""
    out = []
    for problem in problems:
        path = getattr(problem, "path", "")
        full = f"{prefix}.{path}" if path and not path.startswith(prefix) else (path or prefix)
        out.append(CheckFailure(prefix, f"{full}: {getattr(problem, 'message', problem)}"))
    return out


def as_reported(problems: list[CheckFailure]) -> list[CheckFailure]:
    """Failures the engine prints as one line each, ``<type> resource '<name>' has a problem: <reason>``.

    A failure naming a property makes the engine print that property's whole value too, in Go's map syntax
    (``{map[served_entities:{[{map[...``); every reason here starts with the field's path already, so the
    property is left out and the line stays the reason alone (docs/pulumi-engine.md#errors)."""
    return [CheckFailure("", p.reason) for p in problems]


def endpoint_inputs(
    endpoint: ServingEndpoint | pulumi.Input[str],
) -> tuple[pulumi.Input[str], pulumi.Input[str] | None]:
    """The ``endpoint`` argument of a resource set on an endpoint as its ``(endpoint, endpoint_id)`` inputs: a
    ServingEndpoint gives its name and id outputs (so a recreated endpoint changes the id), a name gives no id."""
    if isinstance(endpoint, pulumi.Resource):
        return endpoint.endpoint_name, endpoint.endpoint_id
    return endpoint, None


def _host_setting(settings: dict[str, Any]) -> str:
    """The setting that named the serving API's host, for messages: the stack's ``serving:host`` or
    ``serving:profile``, else what databricks-sdk's conventions read (client/auth.py)."""
    if settings.get("host"):
        return "serving:host"
    if settings.get("profile"):
        return "serving:profile"
    return "DATABRICKS_HOST" if os.environ.get("DATABRICKS_HOST") else "the ~/.databrickscfg profile"


class ServingProvider(ResourceProvider):
    """Base provider: ``serving:host`` / ``serving:token`` / ``serving:profile`` from stack config, else
    DATABRICKS_HOST / DATABRICKS_TOKEN / ~/.databrickscfg (resolved by databricks-sdk) at first use.

    Subclasses name their resource ``kind`` and ``inputs``, and implement :meth:`check_inputs` and
    :meth:`plan`; the base turns those into Pulumi's check and diff answers.
    """

    serialize_as_secret_always = False  # pickled by reference, nothing secret inside

    kind: ClassVar[str] = ""
    inputs: ClassVar[tuple[str, ...]] = ()

    #: optional process-wide counter of API calls (benchmarks and tests set it)
    counter: CallCounter | None = None

    def configure(self, req: ConfigureRequest) -> None:
        self._settings = {key: req.config.get(f"{CONFIG_NAMESPACE}:{key}") for key in ("host", "token", "profile")}

    # check
    def check(self, olds: Json, news: Json) -> CheckResult:
        """Unknown properties, the resource's own checks, and (once per process) that the credentials work.

        Every problem is reported at once, as one line naming its field (see :func:`as_reported`); an expected
        failure (credentials, an unreachable host, an API refusal while checking) is a problem too, never an
        exception, so the engine shows it as this resource's error diagnostic instead of a traceback.
        """
        props = plain(news)
        if olds and (urn := diagnostics.current_urn()):
            _IN_STATE.add(urn)
        problems = [
            CheckFailure(k, f"{k}: unknown property of {self.kind}") for k in sorted(set(props) - set(self.inputs))
        ]
        try:
            self.caller()
            problems += self.check_inputs(plain(olds), props)
        except (CredentialsError, ServingError) as exc:
            problems.append(CheckFailure("", str(exc)))
        return CheckResult(hidden(props), as_reported(problems))

    @staticmethod
    def enters_stack(olds: Json) -> bool:
        """True when the resource being checked is new to the stack: no last-applied inputs, and not the check
        Pulumi repeats without them for a replacement (it checked the same URN with them first)."""
        return not olds and diagnostics.current_urn() not in _IN_STATE

    def caller(self) -> str:
        """The calling principal's name; the first call checks the credentials and fails naming the setting."""
        return self.principal().name

    def principal(self) -> Caller:
        """The calling principal, name and groups, asked once per process and settings (SCIM Me)."""
        settings = self.__dict__.get("_settings") or {}
        key = tuple(settings.get(k) for k in ("host", "token", "profile"))
        with _ACCESS_LOCK:
            if key not in _ACCESS:
                _ACCESS[key] = self._verify_access()
            found = _ACCESS[key]
        if isinstance(found, Exception):
            raise found
        return found

    def _verify_access(self) -> Caller | Exception:
        settings = self.__dict__.get("_settings") or {}
        try:
            client = connect(
                settings.get("host"),
                settings.get("token"),
                profile=settings.get("profile"),
                counter=self._counter(),
                retry=RetryPolicy(attempts=2, base_delay=0.2, budget=1.0),
            )
        except CredentialsError as exc:
            return CredentialsError(f"{exc} (set serving:host and the secret serving:token with `pulumi config set`)")
        setting = _host_setting(settings)
        where = f"the serving API at {client.host} ({setting})"
        try:
            me = client.current_user()
            return Caller(
                str(me.get("userName") or ""), frozenset(g.get("display", "") for g in me.get("groups") or [])
            )
        except TlsRefused as exc:
            return CredentialsError(f"cannot reach {where}: {exc.reason}")
        except TransportError:
            return CredentialsError(f"cannot reach {where}: check {setting}")
        except NotFound:
            return CredentialsError(f"{where} does not serve the Databricks REST API: check {setting}")
        except ApiError as exc:
            return CredentialsError(
                f"{where} refused the token ({exc.status} {exc.error_code}): check serving:token (or serving:profile)"
            )
        finally:
            client.close()

    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        """Problems of the declared ``props`` (may fill defaults in place); none by default."""
        return []

    # diff
    def diff(self, id_: str, olds: Json, news: Json) -> DiffResult:
        """Explicit DiffResult (never "unknown"); same-identity replacements delete first to avoid name clashes."""
        olds, props = plain(olds), plain(news)
        plan = self.plan(olds, props)
        if plan.has_changes or plan.warnings:
            for line in plan.describe():
                diagnostics.info(f"{self.label(props)}: {line}")
        if plan.rejections:
            raise Refused(f"{self.label(props)}: " + "; ".join(map(str, plan.rejections)))
        replaces = plan.replace_properties
        delete_first = bool(replaces) and self.same_identity(olds, props)
        if delete_first:
            diagnostics.warn(
                f"{self.label(props)} is replaced delete-first (its name stays the same): it is "
                "unavailable from its deletion until the replacement is created and ready, an outage for its "
                "callers"
            )
        return DiffResult(changes=plan.has_changes, replaces=replaces, delete_before_replace=delete_first)

    def plan(self, olds: Json, props: Json) -> Plan:
        """What applying ``props`` over the last-applied ``olds`` takes (pure, from ``plan/``)."""
        raise NotImplementedError

    def label(self, props: Json) -> str:
        """How progress lines name this resource."""
        return self.kind

    def same_identity(self, olds: Json, props: Json) -> bool:
        """True when a replacement would recreate an object of the same name (so it must delete first)."""
        return False

    # client
    def client(self) -> ServingClient:
        """The provider's client, built once per process on first use."""
        lock = self.__dict__.setdefault("_lock", threading.Lock())
        with lock:
            existing = self.__dict__.get("_client")
            if existing is None:
                settings = self.__dict__.get("_settings") or {}
                existing = connect(
                    settings.get("host"),
                    settings.get("token"),
                    profile=settings.get("profile"),
                    counter=self._counter(),
                    on_retry=diagnostics.info,
                )
                self._client = existing
            return existing

    def _counter(self) -> CallCounter | None:
        counter = type(self).counter or ServingProvider.counter
        if counter is None and os.environ.get("PULUMI_SERVING_CALL_LOG"):
            counter = ServingProvider.counter = CallCounter(os.environ["PULUMI_SERVING_CALL_LOG"])
        return counter

    def __getstate__(self) -> Json:
        # Only configuration-free state is ever pickled (the program side never configures).
        return {}


class EndpointSettingProvider(ServingProvider):
    """Base of the resources that set one thing on a serving endpoint (RateLimits, EndpointPermissions): inputs
    ``endpoint`` (its name), ``endpoint_id`` and the setting; progress lines name the endpoint."""

    def check_inputs(self, olds: Json, props: Json) -> list[CheckFailure]:
        """The endpoint's name once it is known, then :meth:`check_setting`."""
        problems: list[CheckFailure] = []
        endpoint = props.get("endpoint")
        if not has_unknowns(endpoint) and (reason := payloads.names.endpoint_name_problem(endpoint)):
            problems.append(CheckFailure("endpoint", f"endpoint: {reason}"))
        return problems + self.check_setting(olds, props)

    def check_setting(self, olds: Json, props: Json) -> list[CheckFailure]:
        """Problems of the declared setting (may fill defaults in place)."""
        raise NotImplementedError

    def label(self, props: Json) -> str:
        return f"{self.kind} {shown(props.get('endpoint'))}"
