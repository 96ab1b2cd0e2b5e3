"""Fixtures for tests of the local serving API over real HTTP."""

from tests.support.fixtures import live_server, server_factory  # noqa: F401 - pytest fixtures
