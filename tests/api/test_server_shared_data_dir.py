"""``serve`` refuses a data dir that group or others may write to (another local user could replace its files),
unless ``--allow-shared-data-dir`` accepts it with a warning; a new or empty dir, or one holding only our state,
is made 0700 as before."""

from __future__ import annotations

import stat

from tests.support.server import start_server

from .test_server_cli import assert_one_line_error, run_cli


def _shared(path):
    path.mkdir()
    (path / "someone-elses-file").write_text("x")
    path.chmod(0o777)
    return path


def test_a_data_dir_writable_by_others_is_refused_in_one_line(tmp_path):
    shared = _shared(tmp_path / "shared")
    done = run_cli("serve", "--port", "0", "--data-dir", str(shared))
    assert_one_line_error(
        done, f"data dir {shared} is writable by group and others (mode 777)", "--allow-shared-data-dir"
    )
    assert not (shared / "serving.sqlite3").exists()  # nothing was written into it


def test_allow_shared_data_dir_serves_with_a_warning(tmp_path):
    shared = _shared(tmp_path / "shared")
    live = start_server(shared, extra_args=["--allow-shared-data-dir"])
    try:
        with live.client() as admin:
            assert admin.get("/api/2.0/serving-endpoints").status_code == 200
    finally:
        live.stop()
    assert "warning: data dir" in live.output() and "writable by group and others" in live.output()


def test_an_empty_shared_dir_is_made_private_and_used(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    empty.chmod(0o777)
    live = start_server(empty)
    live.stop()
    assert stat.S_IMODE(empty.stat().st_mode) == 0o700
