#!/usr/bin/env bash
# Provide a Pulumi CLI with its Python plugins; print their bin directory on stdout.
#
#   scripts/ensure-pulumi.sh VERSION        (VERSION: what to build when needed; the Makefile passes constraints.txt's pin)
#
# Order: (1) a `pulumi` on PATH of any supported version (pyproject.toml's pulumi range, e.g. >=3.216.0,<4), with
#            its Python plugins beside it or on PATH, is used as is: no build;
#        (2) a build cached in $PULUMI_SERVING_CACHE/pulumi-VERSION/bin (default ~/.cache/pulumi-serving) is reused;
#        (3) otherwise everything is built from published Go modules with the ordinary `go` client, announced
#            first with the expected time (a cached CLI of VERSION is kept: a changed tools/langhost rebuilds
#            only the language host, keyed by the digest of its Go files, go.mod and go.sum):
#     - `pulumi` from github.com/pulumi/pulumi/pkg/v3@vVERSION: a plain wrapper-module build first,
#       the upstream repo layout (pkg + sdk side by side) as fallback;
#     - `pulumi-language-python` from tools/langhost (this project's host, on sdk/v3@vVERSION: the upstream
#       host's own module is not served by the module proxy these machines reach);
#     - `pulumi-language-python-exec` and `pulumi-resource-pulumi-python`, the SDK's scripts, from sdk/v3.
# PULUMI_SERVING_BUILD_PULUMI=1 skips (1): the cached build is used, built first if missing.
# Progress and timings go to stderr.
set -euo pipefail

VERSION="${1:?usage: ensure-pulumi.sh VERSION}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LANGHOST_SRC="$HERE/../tools/langhost"
CACHE_ROOT="${PULUMI_SERVING_CACHE:-$HOME/.cache/pulumi-serving}"
BIN="$CACHE_ROOT/pulumi-$VERSION/bin"
TOOLS=(pulumi pulumi-language-python pulumi-language-python-exec pulumi-resource-pulumi-python)
LDF_VERSION="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=v$VERSION"
TAGS="osusergo,grpcnotrace"
# The supported range, from pyproject.toml's `"pulumi>=MIN,<MAJOR"` (the SDK range is the CLI range too).
read -r MIN BELOW_MAJOR < <(sed -n 's/.*"pulumi>=\([0-9.]*\),<\([0-9]*\)".*/\1 \2/p' "$HERE/../pyproject.toml") \
  || { echo "[ensure-pulumi] ERROR: no \"pulumi>=X,<Y\" range in pyproject.toml" >&2; exit 1; }
RANGE=">=$MIN,<$BELOW_MAJOR"

say() { printf '[ensure-pulumi] %s\n' "$*" >&2; }
has_all() { local f; for f in "${TOOLS[@]}"; do [ -x "$1/$f" ] || return 1; done; }
version_of() { PULUMI_SKIP_UPDATE_CHECK=true "$1/pulumi" version 2>/dev/null || true; }
langhost_digest() { cat "$LANGHOST_SRC"/*.go "$LANGHOST_SRC"/go.mod "$LANGHOST_SRC"/go.sum | sha256sum | cut -c1-16; }

supported() {  # supported vX.Y.Z[-suffix]: inside RANGE
  local v="${1#v}"; v="${v%%[-+]*}"
  [[ "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]] || return 1
  [ "$(printf '%s\n%s\n' "$MIN" "$v" | sort -V | head -n1)" = "$MIN" ] && [ "${v%%.*}" -lt "$BELOW_MAJOR" ]
}

python_plugins_reachable() {  # beside DIR/pulumi or on PATH, the executor beside the language host
  local host plugin
  host="$1/pulumi-language-python"; [ -x "$host" ] || host="$(command -v pulumi-language-python || true)"
  [ -n "$host" ] && [ -x "$(dirname "$host")/pulumi-language-python-exec" ] || return 1
  plugin="$1/pulumi-resource-pulumi-python"
  [ -x "$plugin" ] || command -v pulumi-resource-pulumi-python >/dev/null
}

if [ "${PULUMI_SERVING_BUILD_PULUMI:-}" = 1 ]; then
  say "PULUMI_SERVING_BUILD_PULUMI=1: not looking for a pulumi on PATH"
elif command -v pulumi >/dev/null 2>&1; then
  onpath="$(dirname "$(command -v pulumi)")"
  found="$(version_of "$onpath")"
  if ! supported "$found"; then
    say "ignoring the pulumi on PATH ($onpath/pulumi reports '${found:-no version}'): supported is $RANGE"
  elif ! python_plugins_reachable "$onpath"; then
    say "ignoring pulumi $found on PATH ($onpath): its Python plugins (pulumi-language-python with"
    say "pulumi-language-python-exec beside it, pulumi-resource-pulumi-python) are neither beside it nor on PATH"
  else
    say "using pulumi $found on PATH ($onpath)"
    echo "$onpath"; exit 0
  fi
fi

if has_all "$BIN" && [ "$(version_of "$BIN")" = "v$VERSION" ] \
   && [ "$(cat "$BIN/.langhost-digest" 2>/dev/null)" = "$(langhost_digest)" ]; then
  say "using cached pulumi v$VERSION ($BIN)"
  echo "$BIN"; exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  say "ERROR: no usable pulumi on PATH (supported: $RANGE), none cached in $BIN, and no Go toolchain to build one."
  say "Fix: install the Pulumi CLI with the official installer (any version $RANGE) and put it on PATH:"
  say "  curl -fsSL https://get.pulumi.com | sh        (then: export PATH=\"\$HOME/.pulumi/bin:\$PATH\")"
  say "or install Go >= 1.25.11 (https://go.dev/doc/install) and rerun 'make test' or 'make demo' to build v$VERSION."
  exit 1
fi

cli_up_to_date() { [ -x "$BIN/pulumi" ] && [ "$(version_of "$BIN")" = "v$VERSION" ]; }
if cli_up_to_date; then
  say "rebuilding the Python language host of the cached pulumi v$VERSION (tools/langhost changed): under 1 min"
else
  say "building pulumi v$VERSION and its Python language host from Go modules: expect about 5 min on 2 cores"
  say "with cold Go caches (about 1.5 GB of modules), under 1 min with warm ones. A pulumi $RANGE on PATH skips this."
fi
export GOWORK=off CGO_ENABLED=0 GOFLAGS="-buildvcs=false"
START=$(date +%s)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/pulumi-build.XXXXXX")"
OUT="$WORK/bin"; mkdir -p "$OUT"
# The heartbeat waits on its sleep (a wait, unlike a foreground sleep, is interrupted by the TERM below), and ends it.
(
  trap 'kill "$nap" 2>/dev/null; exit 0' TERM
  while :; do
    sleep 30 >/dev/null 2>&1 & nap=$!
    wait "$nap"
    say "... still building ($(( $(date +%s) - START ))s elapsed)"
  done
) &
HEARTBEAT=$!
trap 'kill $HEARTBEAT 2>/dev/null || true; chmod -R u+w "$WORK" 2>/dev/null; rm -rf "$WORK"' EXIT

moddir() {
  go mod download -json "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)
if d.get("Error"): sys.exit("go mod download: " + d["Error"])
print(d["Dir"])'
}


plain_module_build() {
  say "pulumi: plain module build (wrapper module requiring pkg/v3@v$VERSION)"
  local wrap="$WORK/wrap"; mkdir -p "$wrap"
  ( cd "$wrap"
    go mod init pulumi-serving.local/pulumi-cli >/dev/null 2>&1
    go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
    go get "github.com/pulumi/pulumi/pkg/v3@v$VERSION" "github.com/pulumi/pulumi/sdk/v3@v$VERSION"
    go build -mod=mod -trimpath -tags "$TAGS" -ldflags "-s -w $LDF_VERSION" -o "$OUT/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi )
}

repo_layout_build() {
  say "pulumi: repo-layout build (pkg/ and sdk/ side by side, as upstream builds it)"
  local src="$WORK/src"; mkdir -p "$src"
  cp -r "$(moddir "github.com/pulumi/pulumi/pkg/v3@v$VERSION")" "$src/pkg"
  cp -r "$SDK_DIR" "$src/sdk"
  chmod -R u+w "$src"
  ( cd "$src/pkg" && go build -trimpath -tags "$TAGS" -ldflags "-s -w $LDF_VERSION" -o "$OUT/pulumi" ./cmd/pulumi )
}

say "step 1/3: fetching sdk/v3@v$VERSION ($(go version | cut -d' ' -f3))"
SDK_DIR="$(moddir "github.com/pulumi/pulumi/sdk/v3@v$VERSION")"
install -m 0755 "$SDK_DIR/python/dist/pulumi-resource-pulumi-python" "$SDK_DIR/python/cmd/pulumi-language-python-exec" "$OUT/"

if cli_up_to_date; then
  say "step 2/3: pulumi v$VERSION already built, keeping it"
  cp "$BIN/pulumi" "$OUT/pulumi"
else
  say "step 2/3: building pulumi v$VERSION (cold: about 5 min on 2 cores; with warm Go caches: under 1 min)"
  if ! plain_module_build; then
    say "plain module build failed; falling back to the repo-layout build"
    repo_layout_build
  fi
fi

say "step 3/3: building pulumi-language-python (tools/langhost)"
( cd "$LANGHOST_SRC" && go build -trimpath -ldflags "-s -w -X main.version=v$VERSION" -o "$OUT/pulumi-language-python" . )
langhost_digest > "$OUT/.langhost-digest"

kill $HEARTBEAT 2>/dev/null || true
has_all "$OUT" && [ "$(version_of "$OUT")" = "v$VERSION" ] || { say "ERROR: build output in $OUT is incomplete"; exit 1; }
mkdir -p "$(dirname "$BIN")"
rm -rf "$BIN.new" && cp -r "$OUT" "$BIN.new" && rm -rf "$BIN" && mv "$BIN.new" "$BIN"
say "pulumi v$VERSION ready in $BIN (took $(( $(date +%s) - START ))s)"
echo "$BIN"
