"""The dynamic-provider process exits when the Pulumi engine that started it is gone.

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


def engine_address() -> tuple[str, int] | None:
    """The engine's ``host:port`` when this is the process Pulumi runs as ``python -m pulumi.dynamic``."""
    spec = getattr(sys.modules.get("__main__"), "__spec__", None)
    if getattr(spec, "name", "") != "pulumi.dynamic.__main__" or len(sys.argv) < 2:
        return None
    host, _, port = sys.argv[1].rpartition(":")
    return (host, int(port)) if host and port.isdigit() else None


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
        print(f"pulumi-serving: the Pulumi engine ({address[0]}:{address[1]}) is gone: the provider exits",
              file=sys.stderr, flush=True)
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
