"""Fixtures for end-to-end tests through the real Pulumi CLI."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from tests.e2e.harness import PulumiStack, ensure_pulumi_bin
from tests.support.postgres import PostgresServer, start_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the whole session (state backends); missing binaries are an error."""
    server = start_postgres()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def pulumi_bin() -> Path:
    """The pinned Pulumi CLI; a missing CLI is an error, never a skip."""
    return ensure_pulumi_bin()


StackFactory = Callable[..., PulumiStack]


@pytest.fixture
def pulumi_stack_factory(tmp_path: Path, pulumi_bin: Path) -> Iterator[StackFactory]:
    """Make stacks of a program copied to a temp dir; each is destroyed (best effort) at teardown."""
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
            root, program_dir, stack, pulumi_bin, include=include, extra_env=env, backend_url=backend_url
        )
        made.append(created)
        created.set_config(config, secrets)
        return created

    yield make
    for created in made:
        created.destroy(check=False)
