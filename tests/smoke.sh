#!/bin/sh
# smoke.sh -- aikv-server end to end with the stock Redis tools.
#
# Usage: AIKV_BUILD=build sh tests/smoke.sh      (make smoke)
#
# Starts $AIKV_BUILD/aikv-server on a free 127.0.0.1 port, talks to it with
# redis-cli (one-shot commands and commands piped on stdin), redis-benchmark
# and $AIKV_BUILD/aikv-cli, then stops it with SIGTERM and expects exit 0.
# Prints "smoke: N passed, M failed"; exits non-zero on any failure. The
# server is always stopped (by pid) and the temp dir removed.
set -u

cd "$(dirname "$0")/.." || exit 2
B=${AIKV_BUILD:-build}
HOST=127.0.0.1
START_TIMEOUT=${SMOKE_START_TIMEOUT:-20}  # seconds to wait for PONG
STOP_TIMEOUT=${SMOKE_STOP_TIMEOUT:-10}    # seconds to wait for exit after SIGTERM
CMD_TIMEOUT=${SMOKE_CMD_TIMEOUT:-20}      # seconds for any one redis-cli call
BENCH_TIMEOUT=${SMOKE_BENCH_TIMEOUT:-300} # seconds for redis-benchmark

passed=0
failed=0
SERVER_PID=""
TMP=$(mktemp -d "${TMPDIR:-/tmp}/aikv-smoke.XXXXXX") || exit 2
LOG=$TMP/server.log

pass() {
    passed=$((passed + 1))
    echo "ok   $1"
}
fail() {
    failed=$((failed + 1))
    echo "FAIL $1"
    [ $# -gt 1 ] && printf '%s\n' "$2" | sed 's/^/     | /'
    return 0
}

alive() { [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null && ! zombie "$SERVER_PID"; }
# kill -0 succeeds on a zombie (exited, not yet reaped): look at its state too.
zombie() {
    st=$(sed -n 's/^[0-9]* (.*) \([A-Za-z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null)
    [ "$st" = Z ] || [ "$st" = X ]
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
    if alive; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        i=0
        while alive && [ "$i" -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
        alive && kill -KILL "$SERVER_PID" 2>/dev/null
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

summary() {
    echo "smoke: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit $?
}

show_log() {
    echo "---- aikv-server log (last 40 lines) ----"
    tail -n 40 "$LOG" 2>/dev/null
    echo "----"
}

for t in redis-cli redis-benchmark python3 timeout; do
    command -v $t >/dev/null 2>&1 || { fail "tool $t is installed"; summary; }
done
for f in "$B/aikv-server" "$B/aikv-cli"; do
    if [ -x "$f" ]; then pass "$f exists"; else fail "$f exists (run make first)"; summary; fi
done

# A free port: bind port 0 and let the kernel choose. The short window between
# closing it here and the server binding it is accepted.
PORT=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()') || { fail "find a free port"; summary; }

# ------------------------------------------------------------------ start
"$B/aikv-server" --port "$PORT" --bind "$HOST" >"$LOG" 2>&1 &
SERVER_PID=$!

rcli() { timeout "$CMD_TIMEOUT" redis-cli -h "$HOST" -p "$PORT" "$@" 2>&1; }

ready=0
i=0
while [ $i -lt $((START_TIMEOUT * 10)) ]; do
    if ! alive; then break; fi
    if [ "$(timeout 2 redis-cli -h "$HOST" -p "$PORT" ping 2>/dev/null)" = PONG ]; then
        ready=1
        break
    fi
    sleep 0.1
    i=$((i + 1))
done
if [ $ready = 1 ]; then
    pass "aikv-server answers PING on $HOST:$PORT (pid $SERVER_PID)"
else
    if alive; then
        fail "aikv-server answers PING within ${START_TIMEOUT}s"
    else
        wait "$SERVER_PID"
        fail "aikv-server answers PING (it exited with status $?)"
    fi
    show_log
    summary
fi

# ------------------------------------------------------------------ one-shot commands
# expect NAME EXPECTED redis-cli-args...: the output must be exactly EXPECTED.
# (redis-cli not on a terminal prints raw replies: OK, bar, 1, "" for nil, and
# errors without the "(error)" prefix.)
expect() {
    name=$1 want=$2
    shift 2
    got=$(rcli "$@")
    rc=$?
    if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
        pass "$name"
    else
        fail "$name" "expected [$want], got [$got] (exit $rc)"
    fi
}

expect "SET foo bar" OK SET foo bar
expect "GET foo" bar GET foo
expect "GET of a missing key is nil" "" GET nosuchkey
expect "SET value with spaces" OK SET spaced "hello world"
expect "GET value with spaces" "hello world" GET spaced
expect "INCR counter (new)" 1 INCR counter
expect "INCR counter" 2 INCR counter
expect "INCRBY counter 40" 42 INCRBY counter 40
expect "EXISTS foo counter nosuchkey" 2 EXISTS foo counter nosuchkey
expect "DEL foo" 1 DEL foo
expect "DEL foo again" 0 DEL foo
expect "EXISTS foo after DEL" 0 EXISTS foo
expect "INCR on a non-number is an error" "ERR value is not an integer or out of range" INCR spaced

# ------------------------------------------------------------------ commands on stdin
# Several commands on one connection, read from stdin.
got=$(printf 'SET piped 10\nINCRBY piped 5\nGET piped\nDEL piped\nEXISTS piped\nPING\n' | rcli)
rc=$?
want=$(printf 'OK\n15\n15\n1\n0\nPONG')
if [ $rc -eq 0 ] && [ "$got" = "$want" ]; then
    pass "commands piped into redis-cli"
else
    fail "commands piped into redis-cli" "expected [$want], got [$got] (exit $rc)"
fi

# ------------------------------------------------------------------ redis-benchmark
out=$(timeout "$BENCH_TIMEOUT" redis-benchmark -h "$HOST" -p "$PORT" -t get,set,incr,mset \
    -n 20000 -P 16 -q 2>&1)
rc=$?
# redis-benchmark exits 1 at the first error reply; look for error text too.
if [ $rc -ne 0 ]; then
    fail "redis-benchmark get,set,incr,mset -P 16" "exit $rc: $(printf '%s' "$out" | tr '\r' '\n' | tail -n 5)"
elif printf '%s' "$out" | grep -qi 'ERR\|error'; then
    fail "redis-benchmark get,set,incr,mset -P 16" "$(printf '%s' "$out" | tr '\r' '\n' | grep -i 'ERR\|error' | head -n 5)"
else
    n=0
    for t in SET GET INCR MSET; do
        printf '%s' "$out" | tr '\r' '\n' | grep -q "^$t.*requests per second" && n=$((n + 1))
    done
    if [ $n -eq 4 ]; then
        pass "redis-benchmark get,set,incr,mset -P 16"
        printf '%s\n' "$out" | tr '\r' '\n' | grep 'requests per second' | sed 's/^/     /'
    else
        fail "redis-benchmark reports 4 tests" "$(printf '%s' "$out" | tr '\r' '\n' | tail -n 8)"
    fi
fi
expect "PING after the benchmark" PONG PING

# ------------------------------------------------------------------ aikv-cli
acli() { timeout "$CMD_TIMEOUT" "$B/aikv-cli" -h "$HOST" -p "$PORT" "$@" 2>&1; }
got=$(acli SET clikey "cli value")
rc=$?
if [ $rc -eq 0 ] && [ "$got" = OK ]; then pass "aikv-cli SET"; else fail "aikv-cli SET" "expected [OK], got [$got] (exit $rc)"; fi
got=$(acli GET clikey)
rc=$?
if [ $rc -eq 0 ] && [ "$got" = "cli value" ]; then
    pass "aikv-cli GET"
else
    fail "aikv-cli GET" "expected [cli value], got [$got] (exit $rc)"
fi
expect "redis-cli sees aikv-cli's write" "cli value" GET clikey

# ------------------------------------------------------------------ SIGTERM
if ! alive; then
    wait "$SERVER_PID"
    fail "aikv-server still running before SIGTERM (exited with status $?)"
    show_log
    SERVER_PID=""
    summary
fi
kill -TERM "$SERVER_PID"
i=0
while alive && [ $i -lt $((STOP_TIMEOUT * 10)) ]; do
    sleep 0.1
    i=$((i + 1))
done
if alive; then
    fail "aikv-server exits within ${STOP_TIMEOUT}s of SIGTERM"
    kill -KILL "$SERVER_PID" 2>/dev/null
    wait "$SERVER_PID" 2>/dev/null
    show_log
else
    wait "$SERVER_PID"
    rc=$?
    if [ $rc -eq 0 ]; then
        pass "aikv-server exits 0 on SIGTERM"
    else
        fail "aikv-server exits 0 on SIGTERM (status $rc)"
        show_log
    fi
fi
SERVER_PID=""

summary
