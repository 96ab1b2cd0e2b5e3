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
# Ports: the local serving API listens on PULUMI_SERVING_DEMO_PORT (default 8787); the fake upstream providers
# on 8788, where stacks/Pulumi.dev.yaml points its Azure endpoint. The other providers reach it through
# `serve --upstream`. Everything the demo writes lives in .demo/ and .state/.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEMO="$ROOT/.demo"
PORT="${PULUMI_SERVING_DEMO_PORT:-8787}"
UPSTREAM_PORT=8788
CLI="$ROOT/.venv/bin/pulumi-serving"
PULUMI="$ROOT/scripts/pulumi.sh"
STACK=dev

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

stop_process() {  # stop_process NAME: stop a background server started by this script
  local pidfile="$DEMO/$1.pid"
  if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    kill "$(cat "$pidfile")" && echo "stopped $1"
  fi
  rm -f "$pidfile"
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
    (umask 077; "$ROOT/.venv/bin/python" -c 'import secrets; print("dapi" + secrets.token_hex(16))' > "$DEMO/admin-token")
  fi
  cat "$DEMO/admin-token"
}

mkdir -p "$DEMO"
export DATABRICKS_HOST="http://127.0.0.1:$PORT"
DATABRICKS_TOKEN="$(admin_token)"
export DATABRICKS_TOKEN

if [ "${1:-}" = "down" ]; then
  step "Destroying the $STACK stack and stopping the demo servers"
  if curl -fsS -o /dev/null "$DATABRICKS_HOST/.well-known/databricks-config" 2>/dev/null; then
    (cd "$ROOT" && "$PULUMI" destroy --stack "$STACK" --yes --skip-preview --non-interactive) || true
  fi
  stop_process serve
  stop_process fake-upstream
  exit 0
fi

step "Starting the fake upstream providers (OpenAI, Azure OpenAI, Anthropic, Cohere) on :$UPSTREAM_PORT"
stop_process fake-upstream
"$CLI" fake-upstream --port "$UPSTREAM_PORT" > "$DEMO/fake-upstream.log" 2>&1 &
echo $! > "$DEMO/fake-upstream.pid"
wait_until_up "fake upstream" "http://127.0.0.1:$UPSTREAM_PORT/_control" "$DEMO/fake-upstream.log"

step "Starting the local serving API on $DATABRICKS_HOST (state in .demo/data)"
stop_process serve
UPSTREAM="http://127.0.0.1:$UPSTREAM_PORT"
PULUMI_SERVING_ADMIN_TOKEN="$DATABRICKS_TOKEN" "$CLI" serve --port "$PORT" --data-dir "$DEMO/data" --update-delay 1 \
  --upstream "openai=$UPSTREAM" --upstream "anthropic=$UPSTREAM" --upstream "cohere=$UPSTREAM" \
  --upstream "entra=$UPSTREAM" > "$DEMO/serve.log" 2>&1 &
echo $! > "$DEMO/serve.pid"
wait_until_up "local serving API" "$DATABRICKS_HOST/.well-known/databricks-config" "$DEMO/serve.log"

step "pulumi up: scope, secrets, endpoints and rate limit (stacks/Pulumi.$STACK.yaml)"
cd "$ROOT"
"$PULUMI" stack select "$STACK" --create --non-interactive >/dev/null
"$PULUMI" up --stack "$STACK" --yes --non-interactive

step "Querying each endpoint"
for endpoint in $("$PULUMI" stack output --stack "$STACK" endpoint_names --json | "$ROOT/.venv/bin/python" -c 'import json,sys; print(" ".join(json.load(sys.stdin)))'); do
  echo "--- $endpoint"
  "$CLI" query "$endpoint" --prompt "What is Pulumi?" --temperature 0.5 --max-tokens 40 -n 1
done

step "Comparing OpenAI and Anthropic on the same prompt"
"$CLI" compare openai-completions-endpoint anthropic-completions-endpoint \
  --prompt "Explain infrastructure as code in one sentence." --max-tokens 60

step "A burst of 21 calls by one user against the 20 calls/minute/user limit"
"$ROOT/.venv/bin/python" "$ROOT/scripts/demo_burst.py" --data-dir "$DEMO/data" openai-completions-endpoint 21

cat <<EOF

The local serving API is still running at $DATABRICKS_HOST (admin token in .demo/admin-token), with the
fake upstreams at http://127.0.0.1:$UPSTREAM_PORT. Try:
  DATABRICKS_HOST=$DATABRICKS_HOST DATABRICKS_TOKEN=\$(cat .demo/admin-token) \\
    .venv/bin/pulumi-serving query openai-completions-endpoint --prompt "Hello"
Stop everything and destroy the stack with: make demo-down
EOF
