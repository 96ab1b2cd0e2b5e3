#!/usr/bin/env bash
# Provide actionlint, the GitHub Actions workflow linter; print the path of its binary on stdout.
#
#   scripts/ensure-actionlint.sh [VERSION]        (default 1.7.12: the version the suite lints the scaffolded workflow with)
#
# Built once per machine from its published Go module (github.com/rhysd/actionlint/cmd/actionlint@vVERSION) with the
# ordinary `go` client into $PULUMI_SERVING_CACHE/actionlint-VERSION/ (default ~/.cache/pulumi-serving), then reused.
# Without a cached build and without Go it fails and says what to install: the lint is a test, never skipped.
# Progress goes to stderr.
set -euo pipefail

VERSION="${1:-1.7.12}"
CACHE_ROOT="${PULUMI_SERVING_CACHE:-$HOME/.cache/pulumi-serving}"
DIR="$CACHE_ROOT/actionlint-$VERSION"
BIN="$DIR/actionlint"

say() { printf '[ensure-actionlint] %s\n' "$*" >&2; }

# The whole -version output is read before its first line is compared: `| head -n1` could close the pipe while the
# binary still writes its later lines, and under pipefail that SIGPIPE would read as "not cached".
if [ -x "$BIN" ] && reported="$("$BIN" -version 2>/dev/null)" && [[ "${reported%%$'\n'*}" =~ ^v?${VERSION//./\\.}$ ]]; then
  echo "$BIN"; exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  say "ERROR: actionlint $VERSION is not cached in $DIR and there is no Go toolchain to build it."
  say "Fix: install Go (https://go.dev/doc/install) and rerun, or put an actionlint $VERSION binary at $BIN."
  exit 1
fi

say "building actionlint v$VERSION from its Go module (under 1 min with warm Go caches)"
START=$(date +%s)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/actionlint-build.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
GOWORK=off CGO_ENABLED=0 GOFLAGS="-buildvcs=false" GOBIN="$WORK" \
  go install -trimpath -ldflags "-s -w -X github.com/rhysd/actionlint.version=$VERSION" \
  "github.com/rhysd/actionlint/cmd/actionlint@v$VERSION"
mkdir -p "$DIR"
mv "$WORK/actionlint" "$BIN.new" && mv "$BIN.new" "$BIN"   # atomic: a parallel caller sees the old or the new one
say "actionlint v$VERSION ready in $DIR (took $(( $(date +%s) - START ))s)"
echo "$BIN"
