#!/usr/bin/env bash
# Run Blend locally against the Microsoft 365 Agents Playground (a local Teams simulator).
#
# Needs .venv and node_modules (`make run` sets them up, then calls this script).
# Ports: BOT_PORT (default 3978) and PLAYGROUND_PORT (default 56150), e.g.
#   BOT_PORT=3999 PLAYGROUND_PORT=56151 scripts/run_local.sh
# Everything runs on this machine; auth is off (local mode), so the bot only listens on 127.0.0.1.
set -euo pipefail
set -m  # background jobs get their own process group, so cleanup can kill each with its children

cd "$(dirname "${BASH_SOURCE[0]}")/.."
BOT_PORT="${BOT_PORT:-3978}"
PLAYGROUND_PORT="${PLAYGROUND_PORT:-56150}"
PY=.venv/bin/python
CLI=node_modules/@microsoft/m365agentsplayground/cli.js
RUN_DIR=.playground  # the Playground's working dir: config file, devTools/ logs
BOT_LOG="$RUN_DIR/bot.log"
PG_LOG="$RUN_DIR/devTools/m365agentsplayground.log"

die() { echo "run_local: $*" >&2; exit 1; }

[ -x "$PY" ] || die "no virtualenv at .venv - run 'make run' (or create .venv and pip install -e '.[test]')"
command -v node >/dev/null || die "node is not installed (needed for the Playground)"
[ -f "$CLI" ] || die "the Playground is not installed - run 'npm ci'"
[ -f app.py ] || die "app.py not found in $(pwd)"
[ -f tests/e2e/playground.yml ] || die "tests/e2e/playground.yml (mock tenant) not found"

# Exit 0 when something already listens on the port (IPv4 or IPv6, any interface).
port_in_use() {
    "$PY" - "$1" <<'EOF'
import socket, sys
port = int(sys.argv[1])
for family, host in ((socket.AF_INET, ""), (socket.AF_INET6, "::")):
    try:
        s = socket.socket(family, socket.SOCK_STREAM)
    except OSError:
        continue
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        s.bind((host, port))
    except OSError:
        sys.exit(0)
    finally:
        s.close()
sys.exit(1)
EOF
}

for pair in "BOT_PORT:$BOT_PORT" "PLAYGROUND_PORT:$PLAYGROUND_PORT"; do
    name="${pair%%:*}" port="${pair#*:}"
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -gt 0 ] && [ "$port" -lt 65536 ] || die "$name=$port is not a port number"
    if port_in_use "$port"; then
        echo "run_local: port $port ($name) is already in use:" >&2
        command -v ss >/dev/null && ss -Hltnp "sport = :$port" >&2 || true
        die "stop that process or choose another port, e.g. $name=$((port + 1)) scripts/run_local.sh"
    fi
done
[ "$BOT_PORT" != "$PLAYGROUND_PORT" ] || die "BOT_PORT and PLAYGROUND_PORT must differ"

if [ -n "${APP_ID:-}" ] || grep -qsE '^[[:space:]]*APP_ID[[:space:]]*=[[:space:]]*[^[:space:]#]' .env; then
    echo "run_local: warning: APP_ID is set (environment or .env); the Playground sends no auth token," >&2
    echo "           so the bot will reject its messages. Leave APP_ID empty for the local run." >&2
fi

# Status 0 when the URL answers 200 (and, with a 2nd argument, the body equals it).
http_ok() {
    "$PY" - "$@" <<'EOF'
import sys, urllib.request
try:
    with urllib.request.urlopen(sys.argv[1], timeout=2) as r:
        ok = r.status == 200 and (len(sys.argv) < 3 or r.read().decode().strip() == sys.argv[2])
except Exception:
    ok = False
sys.exit(0 if ok else 1)
EOF
}

BOT_PID="" PG_PID="" TAIL_PID=""
cleanup() {
    trap - EXIT INT TERM
    set +m  # no "[1]+ Terminated ..." job notices
    local pid
    for pid in $TAIL_PID $PG_PID $BOT_PID; do
        kill -TERM -- "-$pid" 2>/dev/null || true
    done
    for _ in $(seq 50); do  # up to 5 s to exit, then force
        local alive=""
        for pid in $PG_PID $BOT_PID; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ -z "$alive" ] && break
        sleep 0.1
    done
    for pid in $TAIL_PID $PG_PID $BOT_PID; do
        kill -KILL -- "-$pid" 2>/dev/null || true
    done
    echo "run_local: stopped."
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$RUN_DIR"
cp tests/e2e/playground.yml "$RUN_DIR/.m365agentsplayground.yml"

# 1. The bot.
echo "run_local: starting Blend on http://127.0.0.1:$BOT_PORT (log: $BOT_LOG)"
PORT="$BOT_PORT" "$PY" app.py >"$BOT_LOG" 2>&1 &
BOT_PID=$!
deadline=$((SECONDS + 30))
until http_ok "http://127.0.0.1:$BOT_PORT/healthz"; do
    if ! kill -0 "$BOT_PID" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
        kill -0 "$BOT_PID" 2>/dev/null && why="did not answer /healthz within 30 s" || why="exited"
        echo "run_local: the bot $why. Last lines of $BOT_LOG:" >&2
        tail -n 40 "$BOT_LOG" >&2
        exit 1
    fi
    sleep 0.3
done

# 2. The Playground (writes ./devTools/ in its working dir).
echo "run_local: starting the Agents Playground on port $PLAYGROUND_PORT"
(
    cd "$RUN_DIR"
    exec env -u M365_AGENTS_PLAYGROUND_CONFIG_PATH -u BOT_ENDPOINT -u TEAMSAPPTESTER_PORT \
        -u M365_AGENTS_PLAYGROUND_SERVICE_URL -u DEFAULT_CHANNEL_ID -u M365_AGENTS_PLAYGROUND_LOGFILE \
        TEAMSAPPTESTER_BROWSER=none \
        node "../$CLI" -e "http://127.0.0.1:$BOT_PORT/api/messages" -c msteams --dt -p "$PLAYGROUND_PORT"
) >"$RUN_DIR/playground.out" 2>&1 &
PG_PID=$!
deadline=$((SECONDS + 30))
until http_ok "http://127.0.0.1:$PLAYGROUND_PORT/_debug/ping" pong; do
    if ! kill -0 "$PG_PID" 2>/dev/null || [ "$SECONDS" -ge "$deadline" ]; then
        echo "run_local: the Playground did not start. Its output and log:" >&2
        cat "$RUN_DIR/playground.out" >&2
        tail -n 40 "$PG_LOG" >&2 2>/dev/null || true
        exit 1
    fi
    sleep 0.2
done
# If the port got taken meanwhile it silently listens elsewhere: refuse rather than mislead.
grep -q "Listening on $PLAYGROUND_PORT\$" "$RUN_DIR/playground.out" ||
    die "the Playground is not on port $PLAYGROUND_PORT ($(cat "$RUN_DIR/playground.out"))"

cat <<EOF

  Blend is running locally with the Microsoft 365 Agents Playground (a Teams simulator).

  Open http://localhost:$PLAYGROUND_PORT in your browser

  Try it (you are Alice Admin; Bob, Carol, Dave, Erin and Frank are your teammates):
    1. In the left pane open the 'Smoke Team - Dev' channel.
    2. Start a new post: type @Blend, pick Blend from the list, then 'new Our first trajectory', and Post.
    3. Blend answers with a setup card: press 'Save and start', then add ideas on the card it posts.
    4. '@Blend status', '@Blend next' (closes the step, posts a summary), '@Blend help' for the rest.

  Logs: bot $BOT_LOG, Playground $PG_LOG
  Press Ctrl-C to stop both. Bot log follows:

EOF
tail -n 0 -F "$BOT_LOG" &
TAIL_PID=$!

# Stay until Ctrl-C or until one of the two exits.
set +e
wait -n "$BOT_PID" "$PG_PID"
status=$?
kill -0 "$BOT_PID" 2>/dev/null || echo "run_local: the bot exited (status $status); see $BOT_LOG" >&2
kill -0 "$PG_PID" 2>/dev/null || echo "run_local: the Playground exited (status $status); see $PG_LOG" >&2
exit 1
