#!/bin/sh
# Every interop check of `oauth-playground serve` (README.md beside this file); exit 1 if any
# fails. Sets up what is missing first: Debian chromium (never a browser download), npm packages
# here and in ../oidc-provider (node_modules is git-ignored), and a scratch venv for Authlib.
# Extra arguments go to battery.py (e.g. --fast, --only playground).
set -u
cd "$(dirname "$0")/../.."
HERE=benchmarks/interop
VENV=${INTEROP_VENV:-/tmp/interop-venv}
PY=${PLAYGROUND_PYTHON:-.venv/bin/python}
if [ ! -x /usr/bin/chromium ]; then
  echo "chromium is missing: apt-get update && apt-get install -y chromium" >&2
  exit 2
fi
[ -d "$HERE/node_modules/playwright-core" ] ||
  (cd "$HERE" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund) || exit 2
[ -d benchmarks/oidc-provider/node_modules/oidc-provider ] ||
  (cd benchmarks/oidc-provider && npm install --no-audit --no-fund) || exit 2
if ! "$VENV/bin/python" -c "import authlib, httpx, requests" 2>/dev/null; then
  { [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"; } &&
    "$VENV/bin/pip" install -q "authlib==1.9.10" "httpx==0.28.1" "requests==2.32.5" || exit 2
fi
status=0
node "$HERE/browser.mjs" || status=1
"$VENV/bin/python" "$HERE/authlib_check.py" || status=1
"$VENV/bin/python" "$HERE/authlib_hardening.py" || status=1
node "$HERE/openid_client_check.mjs" || status=1
node "$HERE/openid_client_hardening.mjs" || status=1
"$PY" "$HERE/battery.py" "$@" || status=1
echo
[ "$status" = 0 ] && echo "interop: all checks passed" || echo "interop: some checks FAILED"
exit "$status"
