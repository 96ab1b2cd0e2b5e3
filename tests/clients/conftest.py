"""Fixtures for third-party clients against the live local serving API."""

from tests.support.fixtures import live_server, server_factory  # noqa: F401 - pytest fixtures
