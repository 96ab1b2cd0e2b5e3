"""The engine watchdog finds the engine address on the provider's own command line (pure), and exits its process
once the engine is gone."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

from pulumi_serving.engine_watchdog import engine_address


def test_the_engine_address_comes_from_the_provider_command_line_only() -> None:
    assert engine_address(["/venv/bin/python", "-u", "-m", "pulumi.dynamic", "127.0.0.1:41679"]) == ("127.0.0.1", 41679)
    assert engine_address(["/venv/bin/python", "-m", "pytest", "127.0.0.1:1"]) is None
    assert engine_address(["/venv/bin/python", "-m", "pulumi.dynamic", "not-an-address"]) is None
    assert engine_address(["python", "-m", "pulumi.dynamic"]) is None


def test_the_watchdog_exits_its_process_once_the_engine_refuses_connections() -> None:
    engine = socket.socket()
    engine.bind(("127.0.0.1", 0))
    engine.listen()
    port = engine.getsockname()[1]
    code = f"from pulumi_serving.engine_watchdog import watch_engine; watch_engine(('127.0.0.1', {port}), poll_s=0.1)"
    provider = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        assert provider.poll() is None, "exited while the engine was there"
        engine.close()  # the CLI is killed: its port refuses
        assert provider.wait(timeout=5) == 70
        assert "the Pulumi engine" in (provider.stderr.read() if provider.stderr else "")
    finally:
        provider.kill()
        engine.close()
