"""Certificate-verifying TLS contexts: which CA bundle this machine trusts, read once for every client.

The CA bundle is the one ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` name, else ``REQUESTS_CA_BUNDLE`` (what databricks-sdk
and many corporate setups set); with none named, the system's CAs (certifi's bundle on a system that has none).
The gateway builds its upstream context from it; the clients of the serving API share one per process
(:func:`verifying_context`): httpx would otherwise load a whole CA bundle (about 30 ms of CPU) for every client, and
a provider process makes a client per resource kind. An ``ssl.SSLContext`` serves any number of connections and
threads; the variables are read when it is made, so a process that changes them later keeps the first bundle.
"""

from __future__ import annotations

import functools
import os
import ssl
from collections.abc import Mapping


def trusting_context(env: Mapping[str, str]) -> ssl.SSLContext:
    """A verifying context trusting the CA bundle ``env`` names (see above), else the system's CAs."""
    cafile = env.get("SSL_CERT_FILE") or env.get("REQUESTS_CA_BUNDLE") or None
    capath = env.get("SSL_CERT_DIR") or None
    context = ssl.create_default_context(cafile=cafile, capath=capath)
    if not (cafile or capath) and not context.cert_store_stats()["x509_ca"]:
        import httpx

        return httpx.create_ssl_context(trust_env=False)  # certifi's bundle
    return context


@functools.cache
def verifying_context() -> ssl.SSLContext:
    """This process's context for the serving API's clients, made on first use."""
    return trusting_context(os.environ)
