#!/usr/bin/env bash
# Installs what opendcv needs on a Debian/Ubuntu host: the Debian packages listed in
# scripts/debian-packages.txt, the npm packages from the lock file, and the build (TypeScript, web client).
set -euo pipefail
cd "$(dirname "$0")/.."
pkgs=$(grep -v '^#' scripts/debian-packages.txt | xargs)
missing=$(for p in $pkgs; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || echo "$p"; done | xargs)
if [ -n "$missing" ]; then
  echo "installing Debian packages: $missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi
# Nothing to redo when nothing changed: npm ci only when the lock file differs from the one last installed,
# the build only when a source is newer than the last build (a clean checkout, as in CI, always does both).
lock_stamp=node_modules/.opendcv-lock.sha256
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ -f "$lock_stamp" ] && [ "$(cat "$lock_stamp")" = "$lock_sum" ]; then
  echo "npm packages: up to date (package-lock.json unchanged)"
else
  npm ci --no-audit --no-fund
  echo "$lock_sum" > "$lock_stamp"
fi
build_stamp=dist/.opendcv-build-stamp
if [ -f "$build_stamp" ] && [ -z "$(find src web native bench test scripts package.json tsconfig*.json binding.gyp -newer "$build_stamp" -print -quit 2>/dev/null)" ]; then
  echo "build: up to date (no source newer than the last build)"
else
  npm run build
  touch "$build_stamp"
fi
