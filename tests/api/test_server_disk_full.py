"""A full disk answers 503 naming the cause, loses nothing, and deletes still go through and free space.

Two ways to fill it: a real 3 MB tmpfs mounted under the test's temp dir (needs root, as CI containers run),
and the database quota ``serve --max-db-size`` (same SQLITE_FULL path, no privileges needed).
"""

from __future__ import annotations

import base64
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.server import LiveServer, start_server

S = "/api/2.0/secrets"
VALUE = base64.b64encode(os.urandom(90_000)).decode()


@contextmanager
def tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=True)


@contextmanager
def small_disk(kind: str, tmp_path: Path) -> Iterator[LiveServer]:
    if kind == "tmpfs":
        if os.geteuid() != 0:
            pytest.skip("mounting a tmpfs needs root; the quota variant covers the same path")
        with tmpfs(tmp_path / "disk", "3m") as disk:
            server = start_server(disk / "data")
            try:
                yield server
            finally:
                server.stop()
    else:
        server = start_server(tmp_path / "data", extra_args=["--max-db-size", "1"])
        try:
            yield server
        finally:
            server.stop()


@pytest.mark.parametrize("kind", ["tmpfs", "quota"])
def test_a_full_disk_answers_503_and_deletes_free_space(kind, tmp_path):
    with small_disk(kind, tmp_path) as server, server.client() as admin:
        assert admin.post(f"{S}/scopes/create", json={"scope": "fill"}).status_code == 200
        stored = 0
        for _ in range(100):
            put = admin.post(f"{S}/put", json={"scope": "fill", "key": f"k{stored}", "string_value": VALUE})
            if put.status_code != 200:
                break
            stored += 1
        assert put.status_code == 503, put.text
        body = put.json()
        assert body["error_code"] == "TEMPORARILY_UNAVAILABLE" and "disk is full" in body["message"]
        assert str(server.data_dir) in body["message"] and put.headers["Retry-After"]
        assert stored >= 3

        for key in range(5):  # deletes go through on the full disk
            assert admin.post(f"{S}/delete", json={"scope": "fill", "key": f"k{key}"}).status_code == 200
        assert (
            admin.post(f"{S}/put", json={"scope": "fill", "key": "again", "string_value": VALUE}).status_code == 200
        )  # ... and the space they freed is used again
        keys = {s["key"] for s in admin.get(f"{S}/list", params={"scope": "fill"}).json()["secrets"]}
        assert keys == {f"k{i}" for i in range(5, stored)} | {"again"}  # nothing acknowledged was lost
        assert "503 Service Unavailable" in server.output() and " 500 " not in server.output()
