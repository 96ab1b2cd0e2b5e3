#!/usr/bin/env bash
# Run the pinned Pulumi CLI offline-safe; all arguments go to `pulumi`.
#
# Defaults (each overridable from the environment):
#   PULUMI_BACKEND_URL        file://<repo>/.state/backend   (a local file backend; the directory is created)
#   PULUMI_HOME               <repo>/.state/home             (isolated from ~/.pulumi)
#   PULUMI_CONFIG_PASSPHRASE  pulumi-serving-local           (local default; set your own, or
#                                                             PULUMI_CONFIG_PASSPHRASE_FILE, for real stacks)
#   PULUMI_PYTHON_CMD         <repo>/.venv/bin/python        (language host and dynamic provider interpreter)
#   PULUMI_SERVING_RECOVER    1                              (0: skip the crash repair below)
#   PULUMI_SERVING_LOCK_WAIT  0                              (seconds to wait for a stack another run has locked)
# Always: no update check, no plugin downloads, no pip version check.
# The backend may be a file:// directory or a shared postgres://user:pass@host:port/db (docs/crash-safety.md).
#
# Crash repair: with a file backend, attribute files a killed run left empty are removed before any command; before
# `up`, `update`, `destroy` and `refresh`, python -m pulumi_serving.recovery (= `pulumi-serving recover`) removes a
# lock whose holder is provably dead on this host and resolves the creates an interrupted run left pending: objects
# carrying this stack's ownership marker are taken into the state, the rest are forgotten. A lock a live run holds is
# left alone (and its state untouched). Pass the stack as `--stack NAME` (or `-s NAME`) after the command.
set -euo pipefail
if ! [[ "${PULUMI_SERVING_LOCK_WAIT:-0}" =~ ^[0-9]+$ ]]; then
  echo "pulumi-serving: PULUMI_SERVING_LOCK_WAIT must be a whole number of seconds (0: do not wait)," \
    "not '${PULUMI_SERVING_LOCK_WAIT}'" >&2
  exit 2
fi
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
# The provider process starts its engine watchdog at start-up (scripts/sitecustomize; docs/crash-safety.md).
export PYTHONPATH="$ROOT/scripts/sitecustomize${PYTHONPATH:+:$PYTHONPATH}"
# Sidecars a kill left empty break every command: repaired before each one (by the full recovery below for the
# commands that change state, which starts with that repair).
case "${1:-}" in
  up|update|destroy|down|dn|refresh) ;;
  *)
    if [ "${PULUMI_SERVING_RECOVER:-1}" != 0 ] && [[ "$PULUMI_BACKEND_URL" == file://* ]]; then
      "$PULUMI_PYTHON_CMD" -m pulumi_serving.recovery --backend-only
    fi ;;
esac
case "${1:-}" in
  up|update|destroy|down|dn|refresh)
    if [ "${PULUMI_SERVING_RECOVER:-1}" != 0 ]; then
      scope=(); prev=""
      for arg in "$@"; do
        case "$prev" in -s|--stack|-C|--cwd) scope+=("$prev" "$arg") ;; esac
        case "$arg" in --stack=*|--cwd=*) scope+=("$arg") ;; esac
        prev="$arg"
      done
      # 75: another run may hold the lock; nothing was changed. The command meets the lock: it waits for it under
      # PULUMI_SERVING_LOCK_WAIT, or is refused as Pulumi refuses it.
      recovered=0
      "$PULUMI_PYTHON_CMD" -m pulumi_serving.recovery "$BIN/pulumi" "${scope[@]}" || recovered=$?
      if [ "$recovered" -ne 0 ] && [ "$recovered" -ne 75 ]; then exit "$recovered"; fi
    fi ;;
esac
# Waiting for a lock held by another run (PULUMI_SERVING_LOCK_WAIT=SECONDS, default 0: fail at once as Pulumi does).
# Pulumi takes the stack lock before it applies anything, so a run refused at the lock (pulumi_serving.recovery.lock_refusal
# tells) is retried whole, after a random pause (two runs that collided do not collide again), until the budget is spent.
lock_wait="${PULUMI_SERVING_LOCK_WAIT:-0}"
case "${1:-}" in up|update|destroy|down|dn|refresh|preview|pre|import) ;; *) lock_wait=0 ;; esac
if [ "$lock_wait" -eq 0 ]; then
  exec "$BIN/pulumi" "$@"
fi
deadline=$((SECONDS + lock_wait))
refusal="$(mktemp)"
trap 'rm -f "$refusal"' EXIT
exec 3>&1
while true; do
  set +e
  "$BIN/pulumi" "$@" 2>&1 1>&3 3>&- | tee "$refusal" >&2
  rc=${PIPESTATUS[0]}
  set -e
  if [ "$rc" -eq 0 ] || ! "$PULUMI_PYTHON_CMD" -m pulumi_serving.recovery.lock_refusal "$refusal"; then
    exit "$rc"
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "pulumi-serving: the stack's lock was still taken after PULUMI_SERVING_LOCK_WAIT=${lock_wait}s;" \
      "nothing was applied. Run again or wait longer; \`pulumi-serving recover\` removes a lock whose run was" \
      "killed on this host, and says what to do with one from another host." >&2
    exit "$rc"
  fi
  pause=$((1 + RANDOM % 5))
  echo "pulumi-serving: another run holds the stack's lock; trying again in ${pause}s" \
    "($((deadline - SECONDS))s left of PULUMI_SERVING_LOCK_WAIT=${lock_wait})" >&2
  sleep "$pause"
done
