#!/usr/bin/env bash
# Quick start: on a fresh Debian/Ubuntu host (as root), install what opendcv needs, start dcvserver and
# a demo virtual session, and say how to reach it. DCV_ROOT (default: the real host paths) moves every file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
export DCV_ROOT="${DCV_ROOT:-}"
port="${DEMO_PORT:-8443}"
conf="${DCV_ROOT}/etc/dcv/dcv.conf"
if [ ! -f "$conf" ]; then
  mkdir -p "$(dirname "$conf")"
  cat > "$conf" <<CONF
# opendcv demo configuration (see docs/configuration.md for every key)
[connectivity]
web-port=${port}
# The demo desktop needs no password, so it listens on this machine only; reach it through an SSH tunnel.
web-listen-endpoints=['127.0.0.1']

[security]
# The demo admits every viewer as the session owner; use 'system' (PAM logins) to listen beyond loopback.
authentication='none'
CONF
fi
if ./bin/dcvserver status >/dev/null; then ./bin/dcvserver stop; fi
./bin/dcvserver start
owner="${SUDO_USER:-$(id -un)}"
./bin/dcv create-session --type virtual --owner "$owner" --name 'opendcv demo' demo
./bin/dcv list-sessions
port=$(sed -n 's/^[[:space:]]*web-port[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$conf" | tail -n 1)
port=${port:-8443}
host=$(hostname -f 2>/dev/null || hostname)
cat <<MSG

opendcv is running with a demo session owned by ${owner}.
  Endpoints:   $(./bin/dcv list-endpoints | grep '^Endpoint' | tr '\n' ' ')
  Open:        https://127.0.0.1:${port}/#demo on this machine (self-signed certificate)
  From another machine, through an SSH tunnel:
               ssh -L ${port}:127.0.0.1:${port} ${SUDO_USER:-root}@${host}
               then open https://localhost:${port}/#demo
  Screenshot:  DCV_ROOT=$DCV_ROOT ./bin/dcv get-screenshot -o demo.png demo
  Sessions:    DCV_ROOT=$DCV_ROOT ./bin/dcv list-sessions
  Stop:        DCV_ROOT=$DCV_ROOT ./bin/dcvserver stop
MSG
if grep -Eq "^[[:space:]]*authentication[[:space:]]*=[[:space:]]*['\"]?none" "$conf"; then
  cat <<MSG
Risk: authentication is 'none', so anyone who reaches the port gets ${owner}'s desktop without a password.
  The demo listens on 127.0.0.1 only, which keeps it to this machine (and to people who can log in to it);
  do not add other addresses to web-listen-endpoints unless [security] authentication is 'system'.
MSG
fi
