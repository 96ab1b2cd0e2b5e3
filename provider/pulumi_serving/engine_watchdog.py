"""The dynamic-provider process exits when the Pulumi engine that started it is gone.

Started twice over: from ``scripts/sitecustomize/sitecustomize.py`` at interpreter start-up (runs through
``scripts/pulumi.sh``, so a provider killed before its first call exits too) and when the providers are first
imported (any other way of running Pulumi).

Pulumi starts the provider (``python -m pulumi.dynamic ENGINE_ADDRESS``, through a shell shim) and never stops
it if the CLI is killed: the orphan would keep its gRPC server, its HTTP clients and ~125 MB. A daemon thread
connects to the engine's gRPC address once a second; when the engine refuses twice in a row, the process
exits. A call still in flight could not reach the engine anyway, and the ownership markers let the next run
resume what it created.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time

POLL_S = 1.0
MISSES = 2
_started = threading.Event()


def engine_address(argv: list[str] | None = None) -> tuple[str, int] | None:
    """The engine's ``host:port`` when this is the process Pulumi runs as ``python -m pulumi.dynamic ADDRESS``
    (read from the interpreter's own command line, so it works before ``__main__`` runs)."""
    argv = list(getattr(sys, "orig_argv", []) if argv is None else argv)
    for index in range(len(argv) - 2):
        if argv[index : index + 2] == ["-m", "pulumi.dynamic"]:
            host, _, port = argv[index + 2].rpartition(":")
            return (host, int(port)) if host and port.isdigit() else None
    return None


def engine_alive(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=POLL_S):
            return True
    except ConnectionRefusedError:
        return False
    except OSError:
        return True  # a slow or busy engine is not a gone one


def watch_engine(address: tuple[str, int], poll_s: float = POLL_S) -> None:
    """Block until the engine refuses ``MISSES`` connections in a row, then exit the process."""
    misses = 0
    while misses < MISSES:
        time.sleep(poll_s)
        misses = 0 if engine_alive(address) else misses + 1
    try:  # the CLI read this stream: it is most likely a broken pipe by now
        print(
            f"pulumi-serving: the Pulumi engine ({address[0]}:{address[1]}) is gone: the provider exits",
            file=sys.stderr,
            flush=True,
        )
    except OSError:
        pass
    finally:
        os._exit(70)


def start_if_provider_host() -> None:
    """Start the watchdog once, only inside the dynamic-provider process."""
    address = engine_address()
    if address is None or _started.is_set():
        return
    _started.set()
    threading.Thread(target=watch_engine, args=(address,), name="engine-watchdog", daemon=True).start()
