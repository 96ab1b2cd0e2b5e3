"""Corporate networks: the gateway's upstream calls honour HTTP(S)_PROXY/NO_PROXY and the CA bundle named by
SSL_CERT_FILE (or REQUESTS_CA_BUNDLE), on both upstream transports; a proxy and a TLS fake upstream with a
private CA run on loopback."""

from __future__ import annotations

import datetime
import ipaddress
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from pulumi_serving.fake_upstream import create_fake_upstream_app
from tests.support.loopback_proxy import running_proxy
from tests.support.payloads import create_body, entity
from tests.support.server import free_port, start_server

CHAT = {"messages": [{"role": "user", "content": "hi"}]}


def _certificates(directory: Path) -> tuple[Path, Path, Path]:
    """A private CA (ca.pem) and a server certificate for 127.0.0.1/localhost signed by it."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "pulumi-serving test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = directory / "ca.pem", directory / "server.pem", directory / "server.key"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture(scope="module")
def tls_upstream(tmp_path_factory):
    """The fake upstream over HTTPS (certificate of a private CA); yields (url, ca.pem)."""
    ca, cert, key = _certificates(tmp_path_factory.mktemp("tls"))
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            create_fake_upstream_app(),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ssl_certfile=str(cert),
            ssl_keyfile=str(key),
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        yield f"https://127.0.0.1:{port}", ca
    finally:
        server.should_exit = True
        thread.join(10)


def _serve(tmp_path: Path, upstream: str, env: dict[str, str], transport: str):
    # the machine's own CA settings off (proxies: the lower-case names win in urllib, so only they are set)
    base = {"SSL_CERT_FILE": "", "REQUESTS_CA_BUNDLE": "", "SSL_CERT_DIR": "", "https_proxy": "", "no_proxy": ""}
    return start_server(
        tmp_path / f"data-{transport}",
        update_delay=0,
        env={**base, **env},
        extra_args=["--upstream", f"openai={upstream}", "--upstream-transport", transport, "--upstream-timeout", "5"],
    )


def _ask(server) -> httpx.Response:
    with server.client() as admin:
        if admin.get("/api/2.0/serving-endpoints/corp").status_code == 404:
            body = create_body(
                "corp", entity("e", "openai", "gpt-4", "llm/v1/chat", openai_api_key_plaintext="sk-corp")
            )
            created = admin.post("/api/2.0/serving-endpoints", json=body)
            assert created.status_code == 200, created.text
        return admin.post("/serving-endpoints/corp/invocations", json=CHAT)


@pytest.mark.parametrize("transport", ["lean", "httpx"])
def test_a_private_ca_bundle_verifies_the_upstream(tmp_path, tls_upstream, transport):
    url, ca = tls_upstream
    untrusted = _serve(tmp_path / "untrusted", url, {}, transport)
    try:
        refused = _ask(untrusted)
        assert refused.status_code == 502 and "unreachable" in refused.json()["message"]
    finally:
        untrusted.stop()
    for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):
        trusted = _serve(tmp_path / variable, url, {variable: str(ca)}, transport)
        try:
            response = _ask(trusted)
            assert response.status_code == 200, response.text
        finally:
            trusted.stop()


@pytest.mark.parametrize("transport", ["lean", "httpx"])
def test_upstream_calls_go_through_the_proxy_unless_no_proxy_exempts_them(tmp_path, tls_upstream, transport):
    url, ca = tls_upstream
    with running_proxy() as proxy:
        proxied = _serve(tmp_path / "proxied", url, {"https_proxy": proxy.url, "SSL_CERT_FILE": str(ca)}, transport)
        try:
            assert _ask(proxied).status_code == 200
            with proxied.client() as admin:
                stream = admin.post("/serving-endpoints/corp/invocations", json={**CHAT, "stream": True})
            assert stream.status_code == 200 and stream.text.rstrip().endswith("data: [DONE]")
        finally:
            proxied.stop()
        assert proxy.seen and all(line == f"CONNECT {url.removeprefix('https://')}" for line in proxy.seen)
        seen = len(proxy.seen)
        exempt_env = {"https_proxy": proxy.url, "no_proxy": "127.0.0.1", "SSL_CERT_FILE": str(ca)}
        exempt = _serve(tmp_path / "exempt", url, exempt_env, transport)
        try:
            assert _ask(exempt).status_code == 200
        finally:
            exempt.stop()
        assert len(proxy.seen) == seen


_CLIENT_PROBE = """
from pulumi.dynamic import Config, ConfigureRequest
from pulumi_serving.client import ApiError, TransportError, connect
from pulumi_serving.resources import SecretScopeProvider
client = connect(URL, "dapi-probe", on_retry=print)
try:
    client.current_user()
except TransportError as exc:
    print("transport:", exc)
except ApiError as exc:
    print("answered:", exc.status)
provider = SecretScopeProvider()
provider.configure(ConfigureRequest(Config({"serving:host": URL, "serving:token": "dapi-probe"}, "serving")))
try:
    print("check:", [f.reason for f in provider.check({}, {"scope": "s"}).failures])
except Exception as exc:
    print("check:", exc)
"""


def test_the_providers_client_verifies_the_serving_api_with_the_ca_bundle_named(tls_upstream):
    """The client's one TLS context per process (client/tls.py) verifies as the gateway's does, honouring
    SSL_CERT_FILE or REQUESTS_CA_BUNDLE: a private CA's server is refused at once (no retry: the same certificate would answer), and the
    provider's check at preview says so and what to set; with the CA bundle named it is reached (the fake answers
    404: not the Databricks REST API)."""
    url, ca = tls_upstream
    answers = {}
    cases = {
        "untrusted": {},
        "SSL_CERT_FILE": {"SSL_CERT_FILE": str(ca)},
        "REQUESTS_CA_BUNDLE": {"REQUESTS_CA_BUNDLE": str(ca)},
    }
    for label, bundle in cases.items():
        env = {**os.environ, "SSL_CERT_FILE": "", "SSL_CERT_DIR": "", "REQUESTS_CA_BUNDLE": "", **bundle}
        probe = _CLIENT_PROBE.replace("URL", repr(url))
        done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        answers[label] = done.stdout.strip().splitlines()  # a retry would have printed a line first
    untrusted = "its TLS certificate is not trusted (unable to get local issuer certificate): name the CA bundle"
    [call, check] = answers["untrusted"]
    assert call.startswith("transport: ") and untrusted in call and "SSL_CERT_FILE" in call, call
    assert f"cannot reach the serving API at {url} (serving:host): {untrusted}" in check, check  # at preview
    for variable in ("SSL_CERT_FILE", "REQUESTS_CA_BUNDLE"):  # the gateway's rule (client/tls.py)
        [call, check] = answers[variable]
        assert call == "answered: 404" and "does not serve the Databricks REST API" in check, answers


def test_a_plain_http_serving_api_named_with_https_is_refused_at_once_saying_to_name_it_http(inprocess_live_server):
    """The local serving API speaks plain HTTP; named ``https://`` (the scheme a host without one gets) the client
    fails at once (no retry), and the provider's check at preview and `query` say to name it ``http://``."""
    from pulumi.dynamic import Config, ConfigureRequest

    from pulumi_serving.client import TlsRefused, connect
    from pulumi_serving.resources import SecretScopeProvider

    plain = inprocess_live_server.url
    https = plain.replace("http://", "https://")
    reason = f"it answers in plain HTTP, not TLS: name it {plain}"
    retries: list[str] = []
    with pytest.raises(TlsRefused) as refused:
        connect(https, inprocess_live_server.admin_token, on_retry=retries.append).current_user()
    assert refused.value.reason == reason and not retries, (refused.value, retries)

    provider = SecretScopeProvider()
    config = {"serving:host": https, "serving:token": inprocess_live_server.admin_token}
    provider.configure(ConfigureRequest(Config(config, "serving")))
    [failure] = provider.check({}, {"scope": "s"}).failures
    assert failure.reason == f"cannot reach the serving API at {https} (serving:host): {reason}", failure.reason

    command = [sys.executable, "-m", "pulumi_serving.cli.main", "query", "ep", "--prompt", "hi", "--host", https]
    done = subprocess.run(
        [*command, "--token", inprocess_live_server.admin_token], capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and reason in done.stdout + done.stderr, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
