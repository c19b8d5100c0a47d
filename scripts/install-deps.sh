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
npm ci --no-audit --no-fund
npm run build
