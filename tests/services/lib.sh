# Shared by the test service scripts: paths and small helpers.
# shellcheck shell=bash
set -euo pipefail

REPO_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARED_DIR=${PGDUMP2S3_SHARED_DIR:-$REPO_DIR/../shared}
CACHE_DIR=${PGDUMP2S3_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/pgdump2s3}

say() { echo "$(basename "$0"): $*" >&2; }
die() { say "error: $*"; exit 1; }

# A TCP port nobody listens on right now (the kernel picks it).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The first of N consecutive TCP ports that nobody listens on now (the OSD
# picks its ports in [first, first+99]).
free_port_range() {
  python3 - "$1" <<'PY'
import random, socket, sys
n = int(sys.argv[1])
for _ in range(200):
    base = random.randrange(20000, 60000 - n)
    try:
        socks = []
        for p in range(base, base + n):
            s = socket.socket(); s.bind(("127.0.0.1", p)); socks.append(s)
        print(base); break
    except OSError:
        pass
    finally:
        for s in socks: s.close()
PY
}

random_token() { head -c 48 /dev/urandom | base64 | tr -d '/+=' | head -c "${1:-24}"; }

# wait_until SECONDS CMD...: poll CMD until it succeeds.
wait_until() {
  local limit=$1; shift
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# kill_pidfile FILE: stop the process whose pid is in FILE, then forget it.
kill_pidfile() {
  local f=$1 pid
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}
