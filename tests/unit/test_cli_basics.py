"""CLI basics: --version, shell completion, validate's line:column and --json, a missing extra named, and colour
only on a terminal with NO_COLOR honoured."""

from __future__ import annotations

import io
import json
import os
import pty
import re
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest

from pulumi_serving.cli.locations import locate, path_segments
from pulumi_serving.cli.style import colour_enabled, paint
from tests.support.pulumi_stack import REPO_ROOT

CLI = Path(sys.executable).with_name("pulumi-serving")

STACK_FILE = """\
config:
  serving:scopes:
    - scope: "bad scope!"
  serving:endpoints:
    - name: ep
      config:
        served_entities:
          - name: x
            external_model:
              name: gpt
              provider: nope
              task: llm/v1/completions
"""


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CLI), *args], capture_output=True, text=True, timeout=60, env=env)


def test_version_prints_the_installed_version_and_exits_0() -> None:
    done = cli("--version")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"pulumi-serving {version('pulumi-serving')}"


def test_bash_completion_completes_commands_and_options() -> None:
    script = cli("completion", "bash")
    assert script.returncode == 0, script.stderr

    def complete(*words: str) -> list[str]:
        probe = (
            f"source /dev/stdin; COMP_WORDS=(pulumi-serving {' '.join(words)}); "
            f'COMP_CWORD={len(words)}; COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}; '
            '_shtab_pulumi_serving; printf "%s\\n" "${COMPREPLY[@]}"'
        )
        done = subprocess.run(["bash", "-c", probe], input=script.stdout, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert {"validate", "serve", "completion"} <= set(complete(""))
    assert complete("val") == ["validate"]
    assert "--json" in complete("validate", "--j")


def test_zsh_completion_is_a_compdef_for_every_command() -> None:
    script = cli("completion", "zsh")
    assert script.returncode == 0, script.stderr
    assert script.stdout.startswith("#compdef pulumi-serving")
    for command in ("validate", "serve", "tokens", "query", "compare", "fake-upstream", "completion"):
        assert command in script.stdout


def test_completion_for_an_unknown_shell_is_a_usage_error() -> None:
    done = cli("completion", "tcsh")
    assert done.returncode == 2 and "invalid choice: 'tcsh'" in done.stderr


def test_path_segments_and_locations() -> None:
    assert path_segments("config.serving:endpoints[0].config.served_entities[12].name") == [
        "config",
        "serving:endpoints",
        0,
        "config",
        "served_entities",
        12,
        "name",
    ]
    assert locate(STACK_FILE, "config.serving:scopes[0].scope") == (3, 7)
    assert locate(STACK_FILE, "config.serving:endpoints[0].config.served_entities[0].external_model.provider") == (
        11,
        15,
    )
    # A path ending below what the file has (a missing field) points at the deepest node present.
    assert locate(STACK_FILE, "config.serving:endpoints[0].config.traffic_config.routes") == (6, 7)
    assert locate(STACK_FILE, "config.serving:endpoints[3]") == (4, 3)
    assert locate("config: [", "config") is None


def test_validate_prints_line_and_column_and_json(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.bad.yaml"
    stack_file.write_text(STACK_FILE)
    text = cli("validate", str(stack_file))
    assert text.returncode == 1
    lines = text.stderr.splitlines()
    assert lines[0].startswith(f"{stack_file}:3:7: error: config.serving:scopes[0].scope: scope name 'bad scope!'")
    assert lines[1].startswith(
        f"{stack_file}:11:15: error: config.serving:endpoints[0].config.served_entities[0]"
        ".external_model.provider: unknown value"
    )

    as_json = cli("validate", "--json", str(stack_file))
    assert as_json.returncode == 1 and as_json.stderr == ""
    report = json.loads(as_json.stdout)
    assert report["valid"] is False and report["files"] == [str(stack_file)]
    assert [(p["line"], p["column"], p["path"]) for p in report["problems"]] == [
        (3, 7, "config.serving:scopes[0].scope"),
        (11, 15, "config.serving:endpoints[0].config.served_entities[0].external_model.provider"),
    ]

    good = cli("validate", "--json", str(REPO_ROOT / "stacks" / "Pulumi.dev.yaml"))
    assert good.returncode == 0 and json.loads(good.stdout) == {
        "valid": True,
        "files": [str(REPO_ROOT / "stacks" / "Pulumi.dev.yaml")],
        "problems": [],
    }


def test_validate_locates_a_yaml_syntax_error(tmp_path: Path) -> None:
    broken = tmp_path / "Pulumi.broken.yaml"
    broken.write_text("config:\n  serving:scopes: [\n")
    done = cli("validate", str(broken))
    assert done.returncode == 1 and done.stderr.startswith(f"{broken}:3:1: error: not valid YAML")


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert paint("x", "31", _Stream(tty=True)) == "\033[31mx\033[0m"
    assert paint("x", "31", _Stream(tty=False)) == "x"
    monkeypatch.setenv("NO_COLOR", "1")
    assert not colour_enabled(_Stream(tty=True))
    monkeypatch.setenv("NO_COLOR", "")  # empty means unset (no-color.org)
    assert colour_enabled(_Stream(tty=True))


def _stderr_on_a_terminal(args: list[str], env: dict[str, str]) -> str:
    controller, terminal = pty.openpty()
    with os.fdopen(controller, "rb", buffering=0) as reader:
        subprocess.run([str(CLI), *args], stderr=terminal, stdout=subprocess.DEVNULL, env=env, timeout=60)
        os.close(terminal)
        chunks = []
        while True:
            try:
                chunk = reader.read(4096)
            except OSError:  # EIO: the terminal side is closed and drained
                break
            if not chunk:
                break
            chunks.append(chunk)
    return b"".join(chunks).decode()


def test_validate_colours_a_terminal_unless_no_color(tmp_path: Path) -> None:
    stack_file = tmp_path / "Pulumi.bad.yaml"
    stack_file.write_text(STACK_FILE)
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert "\033[31merror\033[0m" in _stderr_on_a_terminal(["validate", str(stack_file)], env)
    plain = _stderr_on_a_terminal(["validate", str(stack_file)], {**env, "NO_COLOR": "1"})
    assert "error: config.serving:scopes[0].scope" in plain and "\033[" not in plain
    piped = cli("validate", str(stack_file), env=env)
    assert "\033[" not in piped.stderr


@pytest.mark.parametrize("command", [["serve", "--port", "0"], ["fake-upstream", "--port", "0"]])
def test_a_server_command_without_the_server_extra_names_the_extra(tmp_path: Path, command: list[str]) -> None:
    blocked = "import sys; sys.modules.update(fastapi=None, uvicorn=None); "
    run_cli = (
        f"from pulumi_serving.cli.main import main; "
        f"sys.exit(main({[*command, '--data-dir', str(tmp_path)] if command[0] == 'serve' else command!r}))"
    )
    done = subprocess.run([sys.executable, "-c", blocked + run_cli], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert re.fullmatch(
        rf"pulumi-serving {command[0]}: needs the 'server' extra \((fastapi|uvicorn) is not "
        r"installed\); install it with: pip install 'pulumi-serving\[server\]'",
        line,
    ), line
