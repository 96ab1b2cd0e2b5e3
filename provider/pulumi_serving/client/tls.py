"""One certificate-verifying TLS context per process for the clients of the serving API.

httpx builds a new context for every client it makes, loading the whole CA bundle each time (about 30 ms of CPU);
a provider process makes a client per resource kind, and the CLI's commands one per call. The context is the one
httpx would build (certifi's bundle, or ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when set), built once, on first use,
and shared: an ``ssl.SSLContext`` serves any number of connections and threads. Those variables are read then: a
process that changes them later keeps the first bundle.
"""

from __future__ import annotations

import functools
import ssl


@functools.cache
def verifying_context() -> ssl.SSLContext:
    """httpx's default verifying context, made on the first call of this process."""
    import httpx

    return httpx.create_ssl_context()
