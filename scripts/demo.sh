#!/usr/bin/env bash
# Quick start: on a fresh Debian/Ubuntu host (as root), install what opendcv needs, start dcvserver and
# a demo virtual session, and say how to reach it. DCV_ROOT (default: the real host paths) moves every file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export DCV_ROOT="${DCV_ROOT:-}"
conf="${DCV_ROOT}/etc/dcv/dcv.conf"
if [ ! -f "$conf" ]; then
  mkdir -p "$(dirname "$conf")"
  cat > "$conf" <<'CONF'
# opendcv demo configuration (see docs/configuration.md for every key)
[connectivity]
web-port=8443

[security]
# The demo admits every viewer as the session owner; use 'system' (PAM logins) on a real host.
authentication='none'
CONF
fi
if ./bin/dcvserver status >/dev/null; then ./bin/dcvserver stop; fi
./bin/dcvserver start
owner="${SUDO_USER:-$(id -un)}"
./bin/dcv create-session --type virtual --owner "$owner" --name 'opendcv demo' demo
./bin/dcv list-sessions
port=$(sed -n 's/^[[:space:]]*web-port[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$conf" | tail -n 1)
cat <<MSG

opendcv is running with a demo session.
  Open:        https://$(hostname -f 2>/dev/null || hostname):${port:-8443}/#demo   (self-signed certificate)
  Screenshot:  DCV_ROOT=$DCV_ROOT ./bin/dcv get-screenshot -o demo.png demo
  Sessions:    DCV_ROOT=$DCV_ROOT ./bin/dcv list-sessions
  Stop:        DCV_ROOT=$DCV_ROOT ./bin/dcvserver stop
MSG
