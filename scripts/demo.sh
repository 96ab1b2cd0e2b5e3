#!/usr/bin/env bash
# The user story of DESIGN.md, offline, on one machine:
#   1-3. `pulumi up` of stacks/Pulumi.dev.yaml against the local serving API: a secret scope and the provider
#        keys, an OpenAI gpt-3.5-turbo-instruct completions endpoint whose key is a {{secrets/...}} reference,
#        its Azure OpenAI variant, an Anthropic claude-2 endpoint, and 20 calls/minute/user on the OpenAI one;
#   4.   a query of each endpoint (prompt, temperature, max_tokens, n);
#   5.   the OpenAI and Anthropic answers to one prompt, side by side;
#   and a burst that shows the rate limit refusing call 21.
#
#   scripts/demo.sh        run it; the local serving API and the fake upstreams stay up afterwards
#   scripts/demo.sh down   destroy the stack and stop both servers
#
# Ports (127.0.0.1): the local serving API on PULUMI_SERVING_DEMO_PORT (default 8787), the fake upstream
# providers on PULUMI_SERVING_DEMO_UPSTREAM_PORT (default 8788). The other providers reach the fake upstream
# through `serve --upstream`; the Azure endpoint names it in its config, so the demo runs a copy of
# stacks/Pulumi.dev.yaml with that port (--config-file). A busy port stops the demo with one line, before
# anything starts. Everything the demo writes lives in PULUMI_SERVING_DEMO_DIR (default .demo/) and .state/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEMO="${PULUMI_SERVING_DEMO_DIR:-$ROOT/.demo}"
PORT="${PULUMI_SERVING_DEMO_PORT:-8787}"
UPSTREAM_PORT="${PULUMI_SERVING_DEMO_UPSTREAM_PORT:-8788}"
PY="$ROOT/.venv/bin/python"
CLI="$ROOT/.venv/bin/pulumi-serving"
PULUMI="$ROOT/scripts/pulumi.sh"
STACK=dev

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD="" PLAIN=""; fi
step() { printf '\n%s==> %s%s\n' "$BOLD" "$*" "$PLAIN"; }

stop_process() {  # stop_process NAME: stop a background server started by this script
  local pidfile="$DEMO/$1.pid"
  local pid
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    pid="$(cat "$pidfile")"
    kill "$pid" && echo "stopped $1"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done  # its port is free again
  fi
  rm -f "$pidfile"
}

check_port() {  # check_port PORT VARIABLE WHAT: exit with one line unless PORT is valid and free on 127.0.0.1
  if ! [[ "$1" =~ ^[0-9]+$ ]] || [ "$1" -lt 1 ] || [ "$1" -gt 65535 ]; then
    echo "demo: $2=$1 is not a port (1-65535)" >&2; exit 1
  fi
  if ! "$PY" - "$1" 2>/dev/null <<'PYEOF'
import socket, sys
with socket.socket() as sock:
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", int(sys.argv[1])))
PYEOF
  then
    echo "demo: port $1 ($3) is already in use; free it or choose another with $2=<port>" >&2; exit 1
  fi
}

wait_until_up() {  # wait_until_up NAME URL LOGFILE
  for _ in $(seq 1 100); do
    if curl -fsS -o /dev/null "$2" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "$1 did not start; its log ($3):" >&2
  tail -n 20 "$3" >&2
  exit 1
}

admin_token() {
  if [ ! -s "$DEMO/admin-token" ]; then
    (umask 077; "$PY" -c 'import secrets; print("dapi" + secrets.token_hex(16))' > "$DEMO/admin-token")
  fi
  cat "$DEMO/admin-token"
}

mkdir -p "$DEMO"
STACK_FILE="$DEMO/Pulumi.$STACK.yaml"  # stacks/Pulumi.dev.yaml with the fake upstream's port
export DATABRICKS_HOST="http://127.0.0.1:$PORT"
DATABRICKS_TOKEN="$(admin_token)"
export DATABRICKS_TOKEN

if [ "${1:-}" = "down" ]; then
  step "Destroying the $STACK stack and stopping the demo servers"
  if curl -fsS -o /dev/null "$DATABRICKS_HOST/.well-known/databricks-config" 2>/dev/null; then
    (cd "$ROOT" && "$PULUMI" destroy --stack "$STACK" --config-file "$STACK_FILE" --yes --skip-preview \
       --non-interactive) || true
  fi
  stop_process serve
  stop_process fake-upstream
  exit 0
fi

stop_process fake-upstream
stop_process serve
[ "$PORT" != "$UPSTREAM_PORT" ] || { echo "demo: PULUMI_SERVING_DEMO_PORT and PULUMI_SERVING_DEMO_UPSTREAM_PORT are both $PORT" >&2; exit 1; }
check_port "$PORT" PULUMI_SERVING_DEMO_PORT "the local serving API"
check_port "$UPSTREAM_PORT" PULUMI_SERVING_DEMO_UPSTREAM_PORT "the fake upstream providers"
grep -q "http://127.0.0.1:8788/" "$ROOT/stacks/Pulumi.$STACK.yaml" \
  || { echo "demo: stacks/Pulumi.$STACK.yaml no longer names the fake upstream as http://127.0.0.1:8788/" >&2; exit 1; }
sed "s|http://127.0.0.1:8788/|http://127.0.0.1:$UPSTREAM_PORT/|g" "$ROOT/stacks/Pulumi.$STACK.yaml" > "$STACK_FILE"

step "Starting the fake upstream providers (OpenAI, Azure OpenAI, Anthropic, Cohere) on :$UPSTREAM_PORT"
"$CLI" fake-upstream --port "$UPSTREAM_PORT" > "$DEMO/fake-upstream.log" 2>&1 &
echo $! > "$DEMO/fake-upstream.pid"
wait_until_up "fake upstream" "http://127.0.0.1:$UPSTREAM_PORT/_control" "$DEMO/fake-upstream.log"

step "Starting the local serving API on $DATABRICKS_HOST (state in $DEMO/data)"
UPSTREAM="http://127.0.0.1:$UPSTREAM_PORT"
PULUMI_SERVING_ADMIN_TOKEN="$DATABRICKS_TOKEN" "$CLI" serve --port "$PORT" --data-dir "$DEMO/data" --update-delay 1 \
  --upstream "openai=$UPSTREAM" --upstream "anthropic=$UPSTREAM" --upstream "cohere=$UPSTREAM" \
  --upstream "entra=$UPSTREAM" > "$DEMO/serve.log" 2>&1 &
echo $! > "$DEMO/serve.pid"
wait_until_up "local serving API" "$DATABRICKS_HOST/.well-known/databricks-config" "$DEMO/serve.log"

step "pulumi up: scope, secrets, endpoints and rate limit (stacks/Pulumi.$STACK.yaml)"
cd "$ROOT"
"$PULUMI" stack select "$STACK" --create --non-interactive >/dev/null
"$PULUMI" up --stack "$STACK" --config-file "$STACK_FILE" --yes --non-interactive

step "Querying each endpoint"
for endpoint in $("$PULUMI" stack output --stack "$STACK" endpoint_names --json | "$PY" -c 'import json,sys; print(" ".join(json.load(sys.stdin)))'); do
  echo "--- $endpoint"
  "$CLI" query "$endpoint" --prompt "What is Pulumi?" --temperature 0.5 --max-tokens 40 -n 1
done

step "Comparing OpenAI and Anthropic on the same prompt"
"$CLI" compare openai-completions-endpoint anthropic-completions-endpoint \
  --prompt "Explain infrastructure as code in one sentence." --max-tokens 60

step "A burst of 21 calls by one user against the 20 calls/minute/user limit"
"$PY" "$ROOT/scripts/demo_burst.py" --data-dir "$DEMO/data" openai-completions-endpoint 21

cat <<EOF

The local serving API is still running at $DATABRICKS_HOST (admin token in $DEMO/admin-token), with the
fake upstreams at http://127.0.0.1:$UPSTREAM_PORT. Try:
  DATABRICKS_HOST=$DATABRICKS_HOST DATABRICKS_TOKEN=\$(cat $DEMO/admin-token) \\
    .venv/bin/pulumi-serving query openai-completions-endpoint --prompt "Hello"
Stop everything and destroy the stack with: make demo-down
EOF
