"""Hygiene of the local serving API as a user runs it: private files, the admin token kept out of `ps`,
revocable and expiring tokens, one server per data dir, bounded tags and principals, allowed upstream hosts."""

from __future__ import annotations

import stat
import subprocess
import time

import httpx

from tests.support.payloads import create_body, entity, error
from tests.support.server import _cli, start_server

from .test_server_cli import assert_one_line_error, run_cli

S = "/api/2.0/secrets"
E = "/api/2.0/serving-endpoints"


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_dir_files_are_private(inprocess_server_factory):
    server = inprocess_server_factory()
    with server.client() as admin:  # a write, so the WAL and SHM files exist
        assert admin.post(f"{S}/scopes/create", json={"scope": "private"}).status_code == 200
    files = {p.name: mode(p) for p in server.data_dir.iterdir()}
    assert {
        "serving.sqlite3",
        "serving.sqlite3-wal",
        "serving.sqlite3-shm",
        "secret.key",
        "admin-token",
        "serve.lock",
    } <= set(files)
    assert {name: m for name, m in files.items() if m & 0o077} == {}
    assert mode(server.data_dir) == 0o700


def test_admin_token_from_a_file_and_the_flag_warns(server_factory, tmp_path):
    token_file = tmp_path / "admin.token"
    token_file.write_text("dapi-from-file-6a1f\n")
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)  # holding a file that is not ours yet: it must be private to be served
    (data_dir / "admin-token").write_text("dapi-not-this-one")  # the file wins over a generated token
    server = start_server(data_dir, extra_args=["--admin-token-file", str(token_file)])
    try:
        with server.client() as admin:
            assert admin.get(f"{S}/scopes/list").status_code == 401
        server.admin_token = "dapi-from-file-6a1f"
        with server.client() as admin:
            assert admin.get(f"{S}/scopes/list").status_code == 200
        assert "dapi-from-file-6a1f" not in server.output() and "--admin-token is visible" not in server.output()
        assert f"admin token from {token_file}" in server.output()
    finally:
        server.stop()
    flagged = server_factory(admin_token="dapi-on-the-command-line")
    assert "warning: --admin-token is visible to every local user in `ps`" in flagged.output()


# Long enough for the CLI calls before the first use to finish on a loaded machine, short for the wait that follows.
TOKEN_LIFETIME_S = 8


def test_tokens_expire_and_can_be_revoked(inprocess_server_factory):
    server = inprocess_server_factory()

    def tokens(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*_cli(), "tokens", *args, "--data-dir", str(server.data_dir)], capture_output=True, text=True, timeout=30
        )

    kept = server.mint_token("kept")
    gone = server.mint_token("gone")
    gone_too = server.mint_token("gone")
    created = time.monotonic()
    short = tokens("create", "--user", "temp", "--expires-in", f"{TOKEN_LIFETIME_S}s").stdout.strip()
    with httpx.Client(base_url=server.url, timeout=10) as http:

        def status(token: str) -> tuple[int, str]:
            response = http.get(f"{S}/scopes/list", headers={"Authorization": f"Bearer {token}"})
            return response.status_code, response.json().get("message", "")

        assert status(short)[0] == 200 and time.monotonic() - created < TOKEN_LIFETIME_S
        assert status(kept)[0] == status(gone)[0] == 200
        listing = tokens("list").stdout
        assert "user temp" in listing and "expires 20" in listing and short not in listing
        kept_id = next(line.split()[0] for line in listing.splitlines() if "user kept" in line)
        assert tokens("revoke", "--user", "gone").stdout.strip() == "revoked 2 token(s)"
        assert status(gone) == status(gone_too) == (401, "Invalid access token.")
        assert tokens("revoke", "--id", kept_id).returncode == 0
        assert status(kept)[0] == 401
        assert tokens("revoke", "--id", kept_id).returncode == 1  # nothing left to revoke
        while status(short)[0] == 200:  # it expires TOKEN_LIFETIME_S after `tokens create` ran
            assert time.monotonic() - created < TOKEN_LIFETIME_S + 10, "the token never expired"
            time.sleep(0.2)
        assert status(short) == (401, "Expired access token.")


def test_a_second_server_on_a_data_dir_in_use_refuses_to_start(live_server):
    done = run_cli("serve", "--port", "0", "--data-dir", str(live_server.data_dir))
    assert_one_line_error(
        done, str(live_server.data_dir), "in use by another pulumi-serving serve", f"pid {live_server.pid}"
    )
    with live_server.client() as admin:  # the first one is untouched
        assert admin.get(f"{S}/scopes/list").status_code == 200


def test_a_killed_server_leaves_no_stale_lock(server_factory):
    server = server_factory()
    server.kill9()
    server.restart()
    with server.client() as admin:
        assert admin.get(f"{S}/scopes/list").status_code == 200


def test_tags_and_principals_are_bounded(live_server):
    with live_server.client() as admin:
        body = {"name": "many-tags", "tags": [{"key": f"k{i}", "value": "v"} for i in range(20_023)]}
        status, code, message = error(admin.post(E, json=body))
        assert (status, code) == (400, "INVALID_PARAMETER_VALUE") and "at most 50 tags" in message
        assert admin.post(E, json={"name": "tagged", "tags": [{"key": f"k{i}"} for i in range(50)]}).status_code == 200
        status, _, message = error(admin.patch(f"{E}/tagged/tags", json={"add_tags": [{"key": "one-more"}]}))
        assert status == 400 and "add_tags: an endpoint holds at most 50 tags (got 51)" in message
        assert admin.post(f"{S}/scopes/create", json={"scope": "bounded"}).status_code == 200
        for principal in ("", "a\x07b", "x" * 300, " padded"):
            response = admin.post(
                f"{S}/acls/put", json={"scope": "bounded", "principal": principal, "permission": "READ"}
            )
            assert response.status_code == 400 and "principal" in response.json()["message"], response.text


def test_upstream_hosts_can_be_restricted(server_factory):
    server = server_factory(extra_args=["--allow-upstream", "127.0.0.1"])

    def openai(name: str, base: str | None) -> dict:
        config = {"openai_api_key_plaintext": "sk-x", **({"openai_api_base": base} if base else {})}
        return create_body(name, entity("e", "openai", "gpt-4", "llm/v1/chat", **config))

    with server.client() as admin:
        status, _, message = error(admin.post(E, json=openai("metadata", "http://169.254.169.254/latest")))
        assert status == 400 and "openai_api_base: upstream host '169.254.169.254' is not allowed" in message
        assert admin.post(E, json=openai("loopback", "http://127.0.0.1:9/v1")).status_code == 200
        assert admin.post(E, json=openai("default-host", None)).status_code == 200
        status, code, message = error(
            admin.post(
                "/serving-endpoints/default-host/invocations", json={"messages": [{"role": "user", "content": "hi"}]}
            )
        )
        assert (status, code) == (403, "PERMISSION_DENIED") and "'api.openai.com' is not allowed" in message
    stale = server_factory()  # a config stored before the rule existed is refused when called
    with stale.client() as admin:
        assert admin.post(E, json=openai("stale", "http://localhost:9/v1")).status_code == 200
    stale._extra_args = ["--allow-upstream", "127.0.0.1"]
    stale.restart()
    with stale.client() as admin:
        status, _, message = error(
            admin.post("/serving-endpoints/stale/invocations", json={"messages": [{"role": "user", "content": "hi"}]})
        )
        assert status == 403 and "Endpoint 'stale' served entity 'e': upstream host 'localhost'" in message


def test_tokens_are_minted_only_for_usable_principal_names(live_server):
    for user, reason in ((" bob", "spaces"), ("b\tob", "control characters"), ("x" * 300, "at most 256")):
        done = run_cli("tokens", "create", "--data-dir", str(live_server.data_dir), "--user", user)
        assert done.returncode != 0 and "Traceback" not in done.stderr
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("pulumi-serving tokens create: principal name must")
        assert reason in lines[0]
    done = run_cli("tokens", "create", "--data-dir", str(live_server.data_dir), "--user", "ok", "--expires-in", "0")
    assert done.returncode == 2 and "--expires-in: must be > 0" in done.stderr


def test_an_unreadable_admin_token_file_is_one_line(tmp_path):
    missing = tmp_path / "no-such-token"
    done = run_cli("serve", "--port", "0", "--data-dir", str(tmp_path / "data"), "--admin-token-file", str(missing))
    assert_one_line_error(done, f"cannot read admin token file {missing}")
    empty = tmp_path / "empty-token"
    empty.write_text("\n")
    done = run_cli("serve", "--port", "0", "--data-dir", str(tmp_path / "data"), "--admin-token-file", str(empty))
    assert_one_line_error(done, f"admin token file {empty} is empty")
