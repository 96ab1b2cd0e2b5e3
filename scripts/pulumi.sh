#!/usr/bin/env bash
# Run the pinned Pulumi CLI offline-safe; all arguments go to `pulumi`.
#
# Defaults (each overridable from the environment):
#   PULUMI_BACKEND_URL        file://<repo>/.state/backend   (a local file backend; the directory is created)
#   PULUMI_HOME               <repo>/.state/home             (isolated from ~/.pulumi)
#   PULUMI_CONFIG_PASSPHRASE  pulumi-serving-local           (local default; set your own, or
#                                                             PULUMI_CONFIG_PASSPHRASE_FILE, for real stacks)
#   PULUMI_PYTHON_CMD         <repo>/.venv/bin/python        (language host and dynamic provider interpreter)
# Always: no update check, no plugin downloads, no pip version check.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="$(sed -n 's/^pulumi==\([0-9.]*\).*/\1/p' "$ROOT/constraints.txt")"
BIN="${PULUMI_SERVING_PULUMI_BIN:-$("$ROOT/scripts/ensure-pulumi.sh" "$VERSION")}"
STATE="$ROOT/.state"

if [ -z "${PULUMI_BACKEND_URL:-}" ]; then
  mkdir -p "$STATE/backend"
  export PULUMI_BACKEND_URL="file://$STATE/backend"
fi
if [ -z "${PULUMI_HOME:-}" ]; then
  mkdir -p "$STATE/home"
  export PULUMI_HOME="$STATE/home"
fi
if [ -z "${PULUMI_CONFIG_PASSPHRASE+x}" ] && [ -z "${PULUMI_CONFIG_PASSPHRASE_FILE:-}" ]; then
  export PULUMI_CONFIG_PASSPHRASE="pulumi-serving-local"
fi
export PULUMI_PYTHON_CMD="${PULUMI_PYTHON_CMD:-$ROOT/.venv/bin/python}"
export PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true PIP_DISABLE_PIP_VERSION_CHECK=1
export PATH="$BIN:$(dirname "$PULUMI_PYTHON_CMD"):$PATH"
exec "$BIN/pulumi" "$@"
