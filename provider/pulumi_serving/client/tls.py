"""Certificate-verifying TLS contexts: which CA bundle this machine trusts, read once for every client.

The CA bundle is the one ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` name, else ``REQUESTS_CA_BUNDLE`` (what databricks-sdk
and many corporate setups set); with none named, the system's CAs (certifi's bundle on a system that has none).
The gateway builds its upstream context from it; the clients of the serving API share one per process
(:func:`verifying_context`): httpx would otherwise load a whole CA bundle (about 30 ms of CPU) for every client, and
a provider process makes a client per resource kind. An ``ssl.SSLContext`` serves any number of connections and
threads; the variables are read when it is made, so a process that changes them later keeps the first bundle.
A client of a plain ``http://`` host (the local serving API) reads no bundle at all (:func:`context_for`).
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


@functools.cache
def _trusting_nothing() -> ssl.SSLContext:
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, with no CA loaded


def context_for(base_url: str) -> ssl.SSLContext:
    """The context for a client of ``base_url``: :func:`verifying_context` unless the URL is plain ``http://``.

    A plain-HTTP client makes no TLS connection (the clients follow no redirect), so it gets a context that still
    verifies but trusts no certificate: made in microseconds instead of reading a CA bundle, and any TLS it were
    led to would fail verification rather than pass unchecked.
    """
    return _trusting_nothing() if base_url.lower().startswith("http://") else verifying_context()
