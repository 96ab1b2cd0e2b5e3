"""The engine watchdog finds the engine address on the provider's own command line (pure)."""

from __future__ import annotations

from pulumi_serving.engine_watchdog import engine_address


def test_the_engine_address_comes_from_the_provider_command_line_only() -> None:
    assert engine_address(["/venv/bin/python", "-u", "-m", "pulumi.dynamic", "127.0.0.1:41679"]) == ("127.0.0.1", 41679)
    assert engine_address(["/venv/bin/python", "-m", "pytest", "127.0.0.1:1"]) is None
    assert engine_address(["/venv/bin/python", "-m", "pulumi.dynamic", "not-an-address"]) is None
    assert engine_address(["python", "-m", "pulumi.dynamic"]) is None
