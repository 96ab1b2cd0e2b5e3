"""Drive the real Pulumi CLI against throwaway stacks, offline.

A ``PulumiStack`` wraps one stack of one program copied into a temp directory, with its own file backend,
``PULUMI_HOME`` and passphrase, run through ``scripts/pulumi.sh`` (the same offline-safe wrapper the Makefile
uses). Every command returns a ``CommandResult``; a failing command raises ``PulumiCommandError`` with the
full output unless ``check=False``.

Usage from a test (fixtures in ``tests/support/fixtures.py``)::

    def test_roundtrip(pulumi_stack_factory, live_server):
        stack = pulumi_stack_factory(PROGRAM_DIR, config={"serving:host": live_server.url},
                                     secrets={"serving:token": live_server.admin_token})
        stack.up()
        stack.preview(expect_no_changes=True)
        stack.refresh(expect_no_changes=True)
        plan = stack.preview_json()           # parsed steps, for field-level assertions
        state = stack.export()
        stack.destroy()
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import ruamel.yaml
import yaml

from pulumi_serving.recovery.file_backend import BOOKKEEPING_DIR, backend_dir

REPO_ROOT = Path(__file__).resolve().parents[2]
PULUMI_WRAPPER = REPO_ROOT / "scripts" / "pulumi.sh"
ENSURE_PULUMI = REPO_ROOT / "scripts" / "ensure-pulumi.sh"
CONSTRAINTS = REPO_ROOT / "constraints.txt"
TEST_PASSPHRASE = "correct horse battery staple"
DEFAULT_TIMEOUT_S = 600
_PER_RUNNER = {"PULUMI_HOME", "PULUMI_BACKEND_URL"}
_IGNORED_WHEN_COPYING = shutil.ignore_patterns(".venv", "__pycache__", ".state", ".demo", "*.egg-info", ".git")


def pinned_pulumi_version() -> str:
    """The Pulumi version constraints.txt pins: the suite's SDK, and the CLI built when none is on PATH."""
    [version] = [
        line.split("==")[1].strip() for line in CONSTRAINTS.read_text().splitlines() if line.startswith("pulumi==")
    ]
    return version


def ensure_pulumi_bin() -> Path:
    """Directory holding a supported CLI and its Python plugins (ensure-pulumi.sh). Raises if impossible."""
    preset = os.environ.get("PULUMI_SERVING_PULUMI_BIN")
    if preset:
        return Path(preset)
    done = subprocess.run([str(ENSURE_PULUMI), pinned_pulumi_version()], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"the Pulumi CLI is not available:\n{done.stderr}")
    return Path(done.stdout.strip().splitlines()[-1])


def python_program(root: Path, name: str, source: str) -> Path:
    """A plain Python Pulumi program ``name`` (``Pulumi.yaml`` and ``__main__.py`` holding ``source``) in
    ``root/name``."""
    program = root / name
    program.mkdir(parents=True)
    (program / "Pulumi.yaml").write_text(f"name: {name}\nruntime:\n  name: python\n  options:\n    toolchain: pip\n")
    (program / "__main__.py").write_text(source)
    return program


@dataclass(frozen=True)
class CommandResult:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class PulumiCommandError(AssertionError):
    def __init__(self, result: CommandResult) -> None:
        super().__init__(
            f"`pulumi {' '.join(result.args)}` exited {result.returncode}\n"
            f"--- stdout ---\n{result.stdout}\n--- stderr ---\n{result.stderr}"
        )
        self.result = result


class PulumiStack:
    """One stack of a program copied into ``root/project``, with its own backend and PULUMI_HOME."""

    def __init__(
        self,
        root: Path,
        program_dir: Path,
        name: str,
        pulumi_bin: Path,
        include: Sequence[str] | None = None,
        extra_env: Mapping[str, str] | None = None,
        backend_url: str | None = None,
        existing: bool = False,
        secrets_provider: str | None = None,
    ) -> None:
        """``backend_url`` (e.g. ``postgres://...``) replaces the private file backend; ``existing`` selects a
        stack another runner created there instead of creating it; ``secrets_provider`` (a ``--secrets-provider``
        URL) replaces the passphrase for a new stack whose stack file the program does not already hold."""
        self.root = root
        self.workdir = root / "project"
        self.name = name
        self.pulumi_bin = pulumi_bin
        _copy_program(program_dir, self.workdir, include)
        backend, home = root / "backend", root / "home"
        backend.mkdir(parents=True, exist_ok=True)
        home.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "PULUMI_SERVING_PULUMI_BIN": str(pulumi_bin),
            "PULUMI_BACKEND_URL": backend_url or f"file://{backend}",
            "PULUMI_HOME": str(home),
            "PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE,
            "PULUMI_PYTHON_CMD": str(REPO_ROOT / ".venv" / "bin" / "python"),
            **(extra_env or {}),
        }
        self.env.pop("PULUMI_CONFIG_PASSPHRASE_FILE", None)
        if existing:
            self.run("stack", "select", name)
        elif secrets_provider and not self.stack_file().exists():
            self.run("stack", "init", name, "--secrets-provider", secrets_provider)
        else:
            self.run("stack", "init", name)

    def another_runner(self, root: Path) -> PulumiStack:
        """The same stack worked on from a second checkout (its own PULUMI_HOME) through the same backend, as a
        second CI runner would; the project, with its stack config, is copied as it is now."""
        extra = {k: v for k, v in self.env.items() if os.environ.get(k) != v and k not in _PER_RUNNER}
        return PulumiStack(
            root,
            self.workdir,
            self.name,
            self.pulumi_bin,
            extra_env=extra,
            backend_url=self.env["PULUMI_BACKEND_URL"],
            existing=True,
        )

    def run(self, *args: str, check: bool = True, timeout: float = DEFAULT_TIMEOUT_S) -> CommandResult:
        """Run ``pulumi ARGS`` non-interactively in the program directory."""
        argv = (*args, "--non-interactive") if args and args[0] not in {"version"} else args
        done = subprocess.run(
            [str(PULUMI_WRAPPER), *argv],
            cwd=self.workdir,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        result = CommandResult(tuple(argv), done.returncode, done.stdout, done.stderr)
        if check and result.returncode != 0:
            raise PulumiCommandError(result)
        return result

    def start(self, *args: str) -> subprocess.Popen[str]:
        """Start ``pulumi ARGS`` non-interactively without waiting: stdout and stderr merged, line-buffered.
        The wrapper execs the CLI, so the process is the Pulumi CLI itself (for SIGKILL tests)."""
        return subprocess.Popen(
            [str(PULUMI_WRAPPER), *args, "--non-interactive"],
            cwd=self.workdir,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            bufsize=1,
        )

    def set_config(self, values: Mapping[str, str] | None = None, secrets: Mapping[str, str] | None = None) -> None:
        """Set plain values in the stack file, as a person edits it (comments and other keys kept), and secret
        values with ``pulumi config set-all --secret`` (encrypted)."""
        if values:
            self._write_plain_config(values)
        pairs: list[str] = []
        for key, value in (secrets or {}).items():
            pairs += ["--secret", f"{key}={value}"]
        if pairs:
            self.run("config", "set-all", *pairs)

    def _project(self) -> dict:
        """The copied project's ``Pulumi.yaml``."""
        return yaml.safe_load((self.workdir / "Pulumi.yaml").read_text()) or {}

    def stack_file(self) -> Path:
        """``Pulumi.<stack>.yaml``, in the project's ``stackConfigDir`` when it names one."""
        folder = self.workdir / str(self._project().get("stackConfigDir") or ".")
        return folder / f"Pulumi.{self.name.rsplit('/', 1)[-1]}.yaml"

    def _write_plain_config(self, values: Mapping[str, str]) -> None:
        path = self.stack_file()
        round_trip = ruamel.yaml.YAML()
        document = (round_trip.load(path.read_text()) if path.exists() else None) or {}
        config = document.setdefault("config", {})
        project = self._project()["name"]
        for key, value in values.items():
            config[key if ":" in key else f"{project}:{key}"] = value  # as `pulumi config set` names a bare key
        with path.open("w") as out:
            round_trip.dump(document, out)

    def set_config_value(self, key: str, value: str, *, secret: bool = False) -> None:
        self.run("config", "set", key, value, *(["--secret"] if secret else ["--plaintext"]))

    def preview(self, *extra: str, expect_no_changes: bool = False, check: bool = True) -> CommandResult:
        return self.run("preview", "--diff", *_flag(expect_no_changes), *extra, check=check)

    def preview_json(self, *extra: str, expect_no_changes: bool = False, check: bool = True) -> dict:
        """``pulumi preview --json`` parsed: ``steps`` (each with ``op``, ``urn``, ``diffReasons``,
        ``replaceReasons``, ``detailedDiff``...), ``changeSummary`` and ``diagnostics``."""
        result = self.run("preview", "--json", *_flag(expect_no_changes), *extra, check=check)
        return json.loads(result.stdout)

    def up(self, *extra: str, expect_no_changes: bool = False, check: bool = True) -> CommandResult:
        return self.run("up", "--yes", "--skip-preview", "--diff", *_flag(expect_no_changes), *extra, check=check)

    def refresh(self, *extra: str, expect_no_changes: bool = False, check: bool = True) -> CommandResult:
        return self.run("refresh", "--yes", "--skip-preview", *_flag(expect_no_changes), *extra, check=check)

    def destroy(self, *extra: str, check: bool = True) -> CommandResult:
        return self.run("destroy", "--yes", "--skip-preview", *extra, check=check)

    def export(self) -> dict:
        """The stack's deployment as parsed JSON (as ``pulumi stack export`` prints it), secrets still encrypted."""
        return json.loads(self.export_text())

    def export_text(self) -> str:
        """The deployment read from a file backend's checkpoint (what ``pulumi stack export`` reads), or exported
        by the CLI from any other backend."""
        latest = self._latest_deployment()
        if latest is None:
            return self.run("stack", "export").stdout
        return json.dumps({"version": 3, "deployment": latest}, indent=4)

    def holds_resources(self) -> bool:
        """Whether the stack's state may hold resources (always, for a backend other than a file)."""
        if not self.env["PULUMI_BACKEND_URL"].startswith("file://"):
            return True
        latest = self._latest_deployment()
        if latest is None:
            return False  # never updated
        return any(
            r.get("custom") and not r["type"].startswith("pulumi:providers:") for r in latest.get("resources") or []
        )

    def server_reachable(self) -> bool:
        """Whether the serving API the stack's ``serving:host`` names accepts connections (True when unset)."""
        path = self.stack_file()
        config = ((yaml.safe_load(path.read_text()) if path.exists() else None) or {}).get("config") or {}
        host = config.get("serving:host")
        if not isinstance(host, str):
            return True
        url = urlsplit(host)
        try:
            with socket.create_connection((url.hostname or "127.0.0.1", url.port or 443), timeout=2):
                return True
        except OSError:
            return False

    def _latest_deployment(self) -> dict | None:
        """The deployment in a file backend's checkpoint of this stack (None: another backend, or never updated)."""
        root = backend_dir(self.env["PULUMI_BACKEND_URL"])
        if root is None:
            return None
        name = f"{self.name.rsplit('/', 1)[-1]}.json"
        checkpoint = root / BOOKKEEPING_DIR / "stacks" / self._project()["name"] / name
        if not checkpoint.exists():
            return None
        return json.loads(checkpoint.read_text())["checkpoint"].get("latest") or {}

    def resources(self, type_prefix: str = "pulumi-python:dynamic") -> list[dict]:
        """Resources in the exported state whose type starts with ``type_prefix``."""
        return [r for r in self.export()["deployment"].get("resources", []) if r["type"].startswith(type_prefix)]

    def outputs(self) -> dict:
        """Stack outputs as JSON (secret outputs stay masked)."""
        return json.loads(self.run("stack", "output", "--json").stdout)


def _flag(expect_no_changes: bool) -> Iterable[str]:
    return ("--expect-no-changes",) if expect_no_changes else ()


def _copy_program(program_dir: Path, dest: Path, include: Sequence[str] | None) -> None:
    if include is None:
        shutil.copytree(program_dir, dest, ignore=_IGNORED_WHEN_COPYING)
    else:
        dest.mkdir(parents=True)
        for name in include:
            src = program_dir / name
            if src.is_dir():
                shutil.copytree(src, dest / name, ignore=_IGNORED_WHEN_COPYING)
            else:
                shutil.copy2(src, dest / name)
    _link_virtualenv(program_dir, dest)


def _link_virtualenv(program_dir: Path, dest: Path) -> None:
    """A copied project whose Pulumi.yaml names a relative ``virtualenv`` gets links to the original's venv.

    The language host resolves it against Pulumi.yaml's directory, the dynamic-provider shim against the program
    directory (``main:``); each gets a link where the original has one.
    """
    project = dest / "Pulumi.yaml"
    if not project.is_file():
        return
    document = yaml.safe_load(project.read_text()) or {}
    runtime = document.get("runtime")
    venv = ((runtime.get("options") or {}).get("virtualenv")) if isinstance(runtime, dict) else None
    if not isinstance(venv, str) or Path(venv).is_absolute():
        return
    main = str(document.get("main") or ".")
    source = program_dir / venv  # the one `make venv` made (the program directory's may not be linked yet)
    for base in {".", main if (program_dir / main).is_dir() else str(Path(main).parent)}:
        target = dest / base / venv
        if source.is_dir() and not target.exists() and target.parent.is_dir():
            target.symlink_to(source.resolve(), target_is_directory=True)
