"""``pulumi-serving serve`` and ``tokens create`` as a user runs them: the bound URL is announced, bad
arguments are one-line errors (exit 2, no traceback), tokens are only minted into an existing server state."""

from __future__ import annotations

import re
import subprocess
import time

import httpx
import pytest

from tests.support.server import _cli

URL_LINE = re.compile(r"local serving API at (http://127\.0\.0\.1:(\d+))$")


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*_cli(), *args], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)


def assert_one_line_error(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    assert done.returncode == 2, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_port_zero_announces_the_bound_url(tmp_path):
    process = subprocess.Popen(
        [*_cli(), "serve", "--port", "0", "--data-dir", str(tmp_path / "data")],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        match = URL_LINE.search(first)
        assert match and int(match.group(2)) > 0, first
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"{match.group(1)}/.well-known/databricks-config", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.05)
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize("port", ["65536", "-1", "99999999"])
def test_ports_out_of_range_are_refused(tmp_path, port):
    done = run_cli("serve", "--port", port, "--data-dir", str(tmp_path / "data"))
    assert_one_line_error(done, "--port", "0 and 65535", port)
    assert not (tmp_path / "data").exists()


def test_a_data_dir_that_is_a_file_is_refused(tmp_path):
    file = tmp_path / "state"
    file.write_text("not a directory")
    assert_one_line_error(run_cli("serve", "--port", "0", "--data-dir", str(file)), str(file), "not a directory")


def test_a_data_dir_that_cannot_be_created_is_refused(tmp_path):
    (tmp_path / "file").write_text("")
    target = tmp_path / "file" / "data"
    assert_one_line_error(run_cli("serve", "--port", "0", "--data-dir", str(target)), str(target))


def test_an_address_in_use_is_a_one_line_error(tmp_path, live_server):
    done = run_cli("serve", "--port", str(live_server.port), "--data-dir", str(tmp_path / "data"))
    assert_one_line_error(done, f"127.0.0.1:{live_server.port}", "in use")


@pytest.mark.parametrize("exists", [True, False], ids=["empty-dir", "missing-dir"])
def test_tokens_need_an_existing_server_state(tmp_path, exists):
    data_dir = tmp_path / "nothing-here"
    if exists:
        data_dir.mkdir()
    done = run_cli("tokens", "create", "--data-dir", str(data_dir), "--user", "alice")
    assert_one_line_error(
        done, f"no pulumi-serving state in {data_dir}; start `pulumi-serving serve --data-dir {data_dir}` first"
    )
    assert done.stdout == ""
    assert list(data_dir.iterdir()) == [] if exists else not data_dir.exists()


def test_tokens_are_minted_into_a_server_state(live_server):
    token = live_server.mint_token("erin@example.com")
    response = httpx.get(f"{live_server.url}/api/2.0/serving-endpoints", headers=live_server.headers(token))
    assert response.status_code == 200
