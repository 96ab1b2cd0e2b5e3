"""Pytest fixtures over the live-server launcher, registered for the whole suite by ``tests/conftest.py``.

- ``live_server``: one server per test module, ``--update-delay 0``.
- ``server_factory``: ``server_factory(update_delay=1, admin_token=...)`` starts servers that are stopped
  when the test ends (each with its own data dir).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from .server import LiveServer, start_server


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = start_server(tmp_path_factory.mktemp("serving") / "data", update_delay=0)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def server_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., LiveServer]]:
    started: list[LiveServer] = []

    def make(**options: object) -> LiveServer:
        server = start_server(tmp_path_factory.mktemp("serving") / "data", **options)
        started.append(server)
        return server

    try:
        yield make
    finally:
        for server in started:
            server.stop()
