#!/usr/bin/env bash
# Print the interpreter `make venv` builds .venv from (`make PYTHON=...` overrides it).
#
# The distribution's /usr/bin/python3 comes first when it is Python 3.11 or newer and can make a venv (ensurepip is
# there): distributions build it with profile-guided and link-time optimisation, and on these machines it runs this
# package's processes about 17% faster than python3 on PATH (pyenv's build, without either; benchmarks/RESULTS.md).
# The suite starts about a thousand Python processes, so it matters. Otherwise: python3 on PATH.
set -euo pipefail
for candidate in /usr/bin/python3 python3; do
  if "$candidate" -c 'import ensurepip, sys, venv; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "$candidate"
    exit 0
  fi
done
echo python3
