# pulumi-serving: `make demo` (the user story on the local serving API) and `make test` (the whole suite)
# set up everything they need on a fresh machine: the venv, the package, and a Pulumi CLI.
# Exact versions come from constraints.txt (pyproject.toml holds only the ranges users get).

# The interpreter .venv is made from: an optimised build when the machine has one (scripts/pick-python.sh).
PYTHON ?= $(shell scripts/pick-python.sh)
VENV := .venv
VPY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
CONSTRAINTS := constraints.txt
PULUMI_VERSION := $(shell sed -n 's/^pulumi==\([0-9.]*\).*/\1/p' $(CONSTRAINTS))
PYTEST_ARGS ?=
# Test processes running at once (pytest-xdist): most of a test's time is spent waiting on the servers and Pulumi
# CLIs it starts, so more workers than cores keeps both cores busy. xdist hands out the modules with the most tests
# first; handing out the end-to-end modules first instead measured slower (504 s against 467 s, benchmarks/RESULTS.md).
PYTEST_WORKERS ?= 4
UV_VERSION := $(shell sed -n 's/^uv==\([0-9.]*\).*/\1/p' $(CONSTRAINTS))
# Every Python process of a run (servers, Pulumi's language host and providers) reads compiled bytecode rather than
# compiling each module it imports at start (about 1.3 s of CPU more per process): installs compile it, and a
# PYTHONDONTWRITEBYTECODE set by the machine is dropped so the project's own modules are cached too.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: all venv pulumi actionlint lint check test demo demo-down clean

all: test

# uv, once per machine: its binary, taken from a throwaway venv's pip install (the pinned version).
UV := $(HOME)/.cache/pulumi-serving/uv-$(UV_VERSION)/uv
$(UV):
	@echo "[make] installing uv $(UV_VERSION) into $(dir $(UV)) (once per machine)"
	@tmp="$$(mktemp -d)"; trap 'rm -rf "$$tmp"' EXIT; \
	  $(PYTHON) -m venv "$$tmp/venv" && \
	  "$$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check 'uv==$(UV_VERSION)' && \
	  mkdir -p $(dir $(UV)) && mv "$$tmp/venv/bin/uv" "$@.$$$$" && mv "$@.$$$$" $@

# uv makes the venv (with pip, for users) and installs from its cache (~/.cache/uv) in seconds where pip takes a
# minute; uv goes into the venv too (the suite's SDK-range venvs are made with it).
$(INSTALLED): pyproject.toml $(CONSTRAINTS) | $(UV)
	@test -x $(VPY) || $(UV) venv --quiet --seed --python $(PYTHON) $(VENV)
	@echo "[make] installing pulumi-serving and its dependencies into $(VENV)"
	@$(UV) pip install --quiet --compile-bytecode --python $(VPY) -c $(CONSTRAINTS) -e '.[server,policy,test]' \
	  'uv==$(UV_VERSION)'
	@touch $@

# The dynamic-provider host resolves Pulumi.yaml's `virtualenv: .venv` against the program directory (stacks/).
stacks/.venv:
	@ln -sfn ../.venv $@

venv: $(INSTALLED) stacks/.venv

pulumi:
	@scripts/ensure-pulumi.sh $(PULUMI_VERSION) >/dev/null

# actionlint (its version: scripts/ensure-actionlint.sh) lints the scaffolded workflow in the suite; built once per machine.
actionlint:
	@scripts/ensure-actionlint.sh >/dev/null

# pytest exits 5 when it collected no test: an empty selection is reported as a failure, not a silent pass.
# A formatting difference fails `make test` (fix it with `.venv/bin/ruff format`).
lint: venv
	@$(VENV)/bin/ruff format --check --quiet .
	@$(VENV)/bin/ruff check --quiet .
	@$(VENV)/bin/mypy --no-error-summary

# The inner loop: lint, types and the pure unit tier (no server, no Pulumi CLI).
check: lint
	@$(VPY) -m pytest -q -n 2 tests/unit

test: lint venv pulumi actionlint
	@PULUMI_SERVING_PULUMI_BIN=$$(scripts/ensure-pulumi.sh $(PULUMI_VERSION) 2>/dev/null) \
	  $(VPY) -m pytest -n $(PYTEST_WORKERS) --dist loadscope --no-loadscope-reorder $(PYTEST_ARGS); rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "[make] pytest collected no tests: failing on purpose" >&2; exit 1; fi; exit $$rc

demo: venv pulumi
	@scripts/demo.sh

demo-down: venv
	@scripts/demo.sh down

clean:
	rm -rf $(VENV) stacks/.venv .state .demo .pytest_cache .hypothesis
