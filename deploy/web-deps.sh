#!/usr/bin/env bash
# Installs the browser pages' npm packages exactly as web/package-lock.json pins them, once per
# change of the lock file. Installs no browser: the tests use Debian's /usr/bin/chromium.
set -euo pipefail
cd "$(dirname "$0")/../web"

stamp=node_modules/.dyad-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "deploy/web-deps.sh: web/node_modules matches package-lock.json, nothing to install."
  exit 0
fi
echo "deploy/web-deps.sh: npm ci in web/"
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
