"""Pytest fixtures over the live-server launcher and the fake upstream, registered for the whole suite by
``tests/conftest.py``.

- ``live_server``: one server per test module, ``--update-delay 0``; ``inprocess_live_server``: the same served by
  a thread of the test process (``tests/support/inprocess.py``), for modules that only talk HTTP to it.
- ``server_factory``: ``server_factory(update_delay=1, admin_token=...)`` starts servers that are stopped
  when the test ends (each with its own data dir).
- ``inprocess_server_factory``: the same, served by a thread of the test process (``tests/support/inprocess.py``):
  for tests that only talk HTTP to the server.
- ``fake_upstream``/``fake_upstream_client``: one fake upstream subprocess per test module, and a client of it.
- ``gateway``/``gateway_admin``: one server per test module in front of ``fake_upstream``
  (``tests/support/gateway.py``), and its admin client. At teardown its log must hold no key and no prompt.
  ``inprocess_gateway``/``inprocess_gateway_admin``: the same, in process.
- ``no_faults_left``: clears the fault rules injected into ``live_server`` when the test ends
  (``no_inprocess_faults_left``: into ``inprocess_live_server``).
- ``postgres_server``: a real PostgreSQL server for the whole session (state backends).
- ``pulumi_bin``: the pinned Pulumi CLI; ``pulumi_stack_factory(program_dir, config=..., secrets=...)`` makes
  stacks of a program copied to a temp dir, destroyed (best effort) when the test ends holding resources on a server still running.
  A new stack's secrets are kept by ``fake_kms`` (one per test process, ``tests/support/fake_kms.py``); a stack
  file the program already holds keeps its own provider (the checked-in ``dev`` stack: the passphrase).
- ``program_stack(server, {secret config}, env=..., ...)``: such a stack of the repo's stack program
  (``stacks/``) whose ``serving:host`` and ``serving:token`` name ``server`` and its admin.
- ``pulumi_mocks``: Pulumi's mocks (``tests/support/pulumi_mocks.py``) for a test that runs resource constructors
  without an engine; ``.inputs`` holds each resource's inputs by name.

A missing PostgreSQL or Pulumi CLI is an error, never a skip.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from pulumi_serving.fake_upstream.process import FakeUpstream, running_fake_upstream
from pulumi_serving.server.faults import FAULTS_PATH

from .fake_kms import FakeKms
from .gateway import PROMPT, SECRETS, start_gateway
from .inprocess import InProcessServer, start_inprocess_server
from .postgres import PostgresServer, start_postgres
from .pulumi_mocks import Recorder, recording_mocks
from .pulumi_stack import REPO_ROOT, PulumiStack, ensure_pulumi_bin
from .server import LiveServer, start_server
from .stack_program import PROGRAM_FILES

StackFactory = Callable[..., PulumiStack]


Started = TypeVar("Started", LiveServer, InProcessServer)


def _one_server(tmp_path_factory: pytest.TempPathFactory, start: Callable[..., Started]) -> Iterator[Started]:
    """A server on a data dir of its own, without update delay, stopped at the end."""
    server = start(tmp_path_factory.mktemp("serving") / "data", update_delay=0)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from _one_server(tmp_path_factory, start_server)


@pytest.fixture(scope="module")
def inprocess_live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InProcessServer]:
    yield from _one_server(tmp_path_factory, start_inprocess_server)


def _servers(
    tmp_path_factory: pytest.TempPathFactory, start: Callable[..., Started]
) -> Iterator[Callable[..., Started]]:
    """A factory starting servers, each on a data dir of its own, all stopped at the end."""
    started: list[Started] = []

    def make(**options: object) -> Started:
        server = start(tmp_path_factory.mktemp("serving") / "data", **options)
        started.append(server)
        return server

    try:
        yield make
    finally:
        for server in started:
            server.stop()


@pytest.fixture
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    yield from _servers(tmp_path_factory, start_server)


@pytest.fixture
def inprocess_server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., InProcessServer]]:
    yield from _servers(tmp_path_factory, start_inprocess_server)


@pytest.fixture(scope="module")
def fake_upstream() -> Iterator[FakeUpstream]:
    with running_fake_upstream() as upstream:
        yield upstream


@pytest.fixture(scope="module")
def fake_upstream_client(fake_upstream: FakeUpstream) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake_upstream.url, timeout=10) as client:
        yield client


def _gateway(upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory, inprocess: bool) -> Iterator[Any]:
    """One gateway for the module; at teardown its log must hold no provider key and no prompt."""
    server = start_gateway(tmp_path_factory.mktemp("gateway") / "data", upstream.url, inprocess=inprocess)
    try:
        yield server
    finally:
        server.stop()
    log = server.output()
    assert not [secret for secret in SECRETS if secret in log], "a provider key reached the server log"
    assert PROMPT.split()[0] not in log, "a prompt reached the server log"


@pytest.fixture(scope="module")
def gateway(fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    yield from _gateway(fake_upstream, tmp_path_factory, inprocess=False)


@pytest.fixture(scope="module")
def inprocess_gateway(
    fake_upstream: FakeUpstream, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[InProcessServer]:
    yield from _gateway(fake_upstream, tmp_path_factory, inprocess=True)


@pytest.fixture(scope="module")
def gateway_admin(gateway: LiveServer) -> Iterator[httpx.Client]:
    with gateway.client() as client:
        yield client


@pytest.fixture(scope="module")
def inprocess_gateway_admin(inprocess_gateway: InProcessServer) -> Iterator[httpx.Client]:
    with inprocess_gateway.client() as client:
        yield client


def _clear_faults(server: LiveServer | InProcessServer) -> None:
    with server.client() as admin:
        admin.delete(FAULTS_PATH).raise_for_status()


@pytest.fixture
def no_faults_left(live_server: LiveServer) -> Iterator[None]:
    yield
    _clear_faults(live_server)


@pytest.fixture
def no_inprocess_faults_left(inprocess_live_server: InProcessServer) -> Iterator[None]:
    yield
    _clear_faults(inprocess_live_server)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    return ensure_pulumi_bin()


@pytest.fixture(scope="session")
def fake_kms() -> Iterator[FakeKms]:
    kms = FakeKms().start()
    try:
        yield kms
    finally:
        kms.stop()


@pytest.fixture
def pulumi_stack_factory(tmp_path: Path, pulumi_bin: Path, fake_kms: FakeKms) -> Iterator[StackFactory]:
    made: list[PulumiStack] = []

    def make(
        program_dir: Path,
        *,
        stack: str = "test",
        include: Sequence[str] | None = None,
        config: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        env: Mapping[str, str] | None = None,
        backend_url: str | None = None,
    ) -> PulumiStack:
        root = tmp_path / f"pulumi-{len(made)}"
        created = PulumiStack(
            root,
            program_dir,
            stack,
            pulumi_bin,
            include=include,
            extra_env=env,
            backend_url=backend_url,
            secrets_provider=fake_kms.secrets_provider,
        )
        made.append(created)
        created.set_config(config, secrets)
        return created

    yield make
    for created in made:
        # nothing to clean up after a test that destroyed its stack, or whose server is already stopped
        if created.holds_resources() and created.server_reachable():
            created.destroy(check=False)


@pytest.fixture
def program_stack(pulumi_stack_factory: StackFactory) -> Callable[..., PulumiStack]:
    def make(
        server: LiveServer | InProcessServer, secrets: Mapping[str, str] | None = None, **options: Any
    ) -> PulumiStack:
        return pulumi_stack_factory(
            REPO_ROOT,
            include=PROGRAM_FILES,
            config={"serving:host": server.url},
            secrets={"serving:token": server.admin_token, **(secrets or {})},
            **options,
        )

    return make


@pytest.fixture
def pulumi_mocks() -> Iterator[Recorder]:
    """Pulumi's mocks for the test (a preview): resource constructors run without an engine; ``.inputs`` by name."""
    with recording_mocks() as mocks:
        yield mocks
