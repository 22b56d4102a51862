#!/bin/sh
# run-comparison.sh - issue 5's performance runs, natter-server and
# `ncat --chat` side by side on loopback, printed as the Markdown table of
# docs/performance.md. Linux only (reads /proc for server CPU, memory and
# descriptors). Each run gets a freshly started server.
#
# Usage: apps/bench/run-comparison.sh [BUILD_DIR]
#   BUILD_DIR holds bin/natter-server and bin/natter-bench from a Release
#   build (default: build/default, the "default" CMake preset).
# Environment: NATTER_PORT (default 19923), NCAT_PORT (19924),
#   RUN1_MESSAGES (20000), RUN3_MESSAGES (1000), KEEP=1 keeps the JSON files,
#   SUSTAINED=0 leaves out the sustained-load table (fixed-rate senders,
#   server CPU per delivery, a --send-budget sweep, 10,000 clients),
#   TLS=0 leaves out the TLS table (natter plain beside natter over TLS,
#   with throwaway certificates from tests/support/make_test_certs.sh;
#   needs the openssl command and a build with TLS).
set -eu

BUILD=${1:-build/default}
BENCH=$BUILD/bin/natter-bench
SERVER=$BUILD/bin/natter-server
NATTER_PORT=${NATTER_PORT:-19923}
NCAT_PORT=${NCAT_PORT:-19924}
RUN1_MESSAGES=${RUN1_MESSAGES:-20000}
RUN3_MESSAGES=${RUN3_MESSAGES:-1000}
OUT=$(mktemp -d "${TMPDIR:-/tmp}/natter-perf.XXXXXX")
TICKS=$(getconf CLK_TCK)
SERVER_PID=

for f in "$BENCH" "$SERVER"; do
    [ -x "$f" ] || { echo "run-comparison: $f not found (build first)" >&2; exit 2; }
done
command -v ncat >/dev/null || { echo "run-comparison: ncat not installed" >&2; exit 2; }

stop_server() {
    if [ -n "$SERVER_PID" ]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=
    fi
}
cleanup() {
    stop_server
    if [ "${KEEP:-0}" = 1 ]; then echo "JSON results kept in $OUT" >&2; else rm -rf "$OUT"; fi
}
trap cleanup EXIT INT TERM

# Wait until something listens on 127.0.0.1:$1 (state 0A in /proc/net/tcp).
wait_listening() {
    hex=$(printf '%04X' "$1")
    i=0
    while ! grep -q "0100007F:$hex 00000000:0000 0A" /proc/net/tcp 2>/dev/null &&
          ! grep -q "00000000:$hex 00000000:0000 0A" /proc/net/tcp 2>/dev/null &&
          ! grep -q ":$hex 00000000000000000000000000000000:0000 0A" /proc/net/tcp6 2>/dev/null; do
        i=$((i + 1))
        [ $i -lt 100 ] || { echo "run-comparison: nothing listens on port $1" >&2; exit 1; }
        sleep 0.1
    done
}

# start_server natter|ncat: sets SERVER_PID and PORT, HELLO (the --hello
# argument the server needs to let a client talk).
start_server() {
    stop_server
    case $1 in
    natter)
        PORT=$NATTER_PORT
        HELLO=b%d
        # shellcheck disable=SC2086 # NATTER_ARGS: extra options, split on purpose
        "$SERVER" --bind 127.0.0.1 --port "$PORT" --irc-port 0 --rate 0 --quiet \
            ${NATTER_ARGS:-} >/dev/null 2>&1 &
        ;;
    natter-tls)
        PORT=$NATTER_PORT
        HELLO=b%d
        "$SERVER" --bind 127.0.0.1 --port 0 --irc-port 0 --irc-tls-port 0 --tls-port "$PORT" \
            --tls-cert "$OUT/certs/server.pem" --tls-key "$OUT/certs/server.key" \
            --rate 0 --quiet >/dev/null 2>&1 &
        ;;
    ncat)
        PORT=$NCAT_PORT
        HELLO=
        # ncat's default limit is 100 connections.
        ncat -l --chat --max-conns 2000 127.0.0.1 "$PORT" >/dev/null 2>&1 &
        ;;
    esac
    SERVER_PID=$!
    wait_listening "$PORT"
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$SERVER_PID/stat"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER_PID/status"; }
fd_count() { ls "/proc/$SERVER_PID/fd" | wc -l; }

# field FILE KEY: a number or boolean from natter-bench's one-line JSON.
field() { sed -n "s/.*\"$2\":\([^,}]*\).*/\1/p" "$1"; }

# bench NAME SERVER ARGS...: one natter-bench run against a fresh server;
# JSON in $OUT/NAME.json, server CPU seconds in $OUT/NAME.cpu.
bench() {
    name=$1 kind=$2
    shift 2
    start_server "$kind"
    before=$(cpu_ticks)
    set -- --port "$PORT" --json "$@"
    [ -n "$HELLO" ] && set -- "$@" --hello "$HELLO"
    [ "$kind" = natter-tls ] && set -- "$@" --tls --ca "$OUT/certs/ca.pem"
    # Fixed-rate runs: the server's CPU over the message phase only.
    case " $* " in *" --rate "*) set -- "$@" --server-pid "$SERVER_PID" ;; esac
    echo "  $kind: natter-bench $*" >&2
    "$BENCH" "$@" >"$OUT/$name.json" || true
    after=$(cpu_ticks)
    echo "$before $after $TICKS" | awk '{printf "%.3f\n", ($2 - $1) / $3}' >"$OUT/$name.cpu"
    stop_server
}

# idle_rss NAME SERVER: server RSS with no clients, then with 1000 idle
# clients connected (and the joining chatter over).
idle_rss() {
    name=$1 kind=$2
    start_server "$kind"
    rss0=$(rss_kib)
    fds0=$(fd_count)
    set -- --port "$PORT" --clients 1000 --messages 0 --hold 8 --duration-limit 120 --json
    [ -n "$HELLO" ] && set -- "$@" --hello "$HELLO"
    echo "  $kind: natter-bench $* (RSS sampled while held)" >&2
    "$BENCH" "$@" >"$OUT/$name.json" &
    bench_pid=$!
    i=0
    while [ "$(fd_count)" -lt $((fds0 + 1000)) ] && [ $i -lt 1200 ]; do
        i=$((i + 1))
        sleep 0.1
    done
    sleep 2
    rss1=$(rss_kib)
    wait "$bench_pid" || true
    echo "$rss0 $rss1" >"$OUT/$name.rss"
    stop_server
}

for kind in natter ncat; do
    echo "run 1 (50 clients, 5 senders, window 16, 16-byte text):" >&2
    bench "run1-$kind" "$kind" --clients 50 --senders 5 --window 16 --size 16 --messages "$RUN1_MESSAGES"
    echo "run 2 (1000 clients, 10 senders, window 16):" >&2
    bench "run2-$kind" "$kind" --clients 1000 --senders 10 --window 16 --size 16 --messages 1000 --duration-limit 120
    echo "run 3 (50 clients, 1 sender at 100 messages/s):" >&2
    bench "run3-$kind" "$kind" --clients 50 --senders 1 --rate 100 --size 16 --messages "$RUN3_MESSAGES"
    echo "run 4 (server memory, 1000 idle clients):" >&2
    idle_rss "idle-$kind" "$kind"
done

SUSTAINED=${SUSTAINED:-1}
if [ "$SUSTAINED" = 1 ]; then
    # Issue 12: a steady stream, each message on its own.
    for kind in natter ncat; do
        echo "sustained 1 (50 clients, 5 senders at 4000 messages/s each, 5 s):" >&2
        bench "s1-$kind" "$kind" --clients 50 --senders 5 --rate 4000 --size 16 --messages 20000
    done
    echo "sustained 1 again, natter with other --send-budget values:" >&2
    for budget in 0 100000 25000; do
        NATTER_ARGS="--send-budget $budget" bench "s1-natter-b$budget" natter \
            --clients 50 --senders 5 --rate 4000 --size 16 --messages 20000
    done
    echo "sustained 2 (50 clients, 1 sender at 100 messages/s, 10 s):" >&2
    for kind in natter ncat; do
        bench "s2-$kind" "$kind" --clients 50 --senders 1 --rate 100 --size 16 --messages 1000
    done
    NATTER_ARGS="--send-budget 0" bench "s2-natter-b0" natter \
        --clients 50 --senders 1 --rate 100 --size 16 --messages 1000
    echo "sustained 3 (10,000 clients, 10 senders at 10 messages/s, 10 s; natter only):" >&2
    bench "s3-natter" natter --clients 10000 --senders 10 --rate 10 --size 16 --messages 100 \
        --duration-limit 120
fi

TLS=${TLS:-1}
if [ "$TLS" = 1 ]; then
    sh "$(dirname "$0")/../../tests/support/make_test_certs.sh" openssl "$OUT/certs" ||
        { echo "run-comparison: cannot make certificates (TLS=0 skips the TLS runs)" >&2; exit 2; }
    echo "run 1 over TLS:" >&2
    bench "run1-natter-tls" natter-tls --clients 50 --senders 5 --window 16 --size 16 --messages "$RUN1_MESSAGES"
    echo "run 2 over TLS (1000 clients connect, each with a full handshake):" >&2
    bench "run2-natter-tls" natter-tls --clients 1000 --senders 10 --window 16 --size 16 --messages 1000 --duration-limit 120
fi

# ---- the table -------------------------------------------------------------

ms() { awk -v us="$1" 'BEGIN { if (us == "") print "-"; else printf "%.3f", us / 1000 }'; }
rate() { awk -v r="$1" 'BEGIN { if (r == "") print "-"; else printf "%.0f", r }'; }
per_million() {  # cpu seconds per 10^6 deliveries
    awk -v c="$(cat "$OUT/$1.cpu")" -v d="$(field "$OUT/$1.json" delivered)" \
        'BEGIN { if (d > 0) printf "%.3f", c / (d / 1e6); else print "-" }'
}
counts() {  # lost / duplicated / out of order / disconnected, then "timed out"
    f=$OUT/$1.json
    [ -s "$f" ] || { echo "no result"; return; }
    s="$(field "$f" lost) / $(field "$f" duplicates) / $(field "$f" out_of_order) / $(field "$f" disconnected)"
    [ "$(field "$f" timed_out)" = true ] && s="$s (hit the time limit)"
    echo "$s"
}
lat() {  # p50 / p99 / max in ms
    f=$OUT/$1.json
    echo "$(ms "$(field "$f" p50)") / $(ms "$(field "$f" p99)") / $(ms "$(field "$f" max)")"
}
row() { printf '| %s | %s | %s | %s |\n' "$1" "$2" "$3" "$4"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

n1=$(field "$OUT/run1-natter.json" deliveries_per_s)
c1=$(field "$OUT/run1-ncat.json" deliveries_per_s)
ratio=$(awk -v a="$n1" -v b="$c1" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }')
read -r natter_rss0 natter_rss1 <"$OUT/idle-natter.rss"
read -r ncat_rss0 ncat_rss1 <"$OUT/idle-ncat.rss"

echo
echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') on $(uname -sr), $(nproc) CPUs; $("$BENCH" --version); $(ncat --version 2>&1 | head -n 1)"
echo
row "Run" "Measure" "natter" "ncat --chat"
row "---" "---" "---:" "---:"
row "1. 50 clients, 5 senders, window 16, 16 B" "deliveries/s" "$(rate "$n1")" "$(rate "$c1")"
row "" "natter / ncat" "${ratio}x" ""
row "" "latency p50 / p99 / max (ms)" "$(lat run1-natter)" "$(lat run1-ncat)"
row "" "lost / dup / reordered / disconnected" "$(counts run1-natter)" "$(counts run1-ncat)"
row "" "server CPU s per 10^6 deliveries" "$(per_million run1-natter)" "$(per_million run1-ncat)"
row "2. 1000 clients, 10 senders, window 16" "deliveries/s" "$(rate "$(field "$OUT/run2-natter.json" deliveries_per_s)")" "$(rate "$(field "$OUT/run2-ncat.json" deliveries_per_s)")"
row "" "latency p50 / p99 / max (ms)" "$(lat run2-natter)" "$(lat run2-ncat)"
row "" "lost / dup / reordered / disconnected" "$(counts run2-natter)" "$(counts run2-ncat)"
row "" "connecting 1000 clients (s)" "$(awk -v m="$(field "$OUT/run2-natter.json" connect_wall_ms)" 'BEGIN { printf "%.2f", m / 1000 }')" "$(awk -v m="$(field "$OUT/run2-ncat.json" connect_wall_ms)" 'BEGIN { printf "%.2f", m / 1000 }')"
row "" "server CPU s per 10^6 deliveries" "$(per_million run2-natter)" "$(per_million run2-ncat)"
row "3. 50 clients, 1 sender at 100 msg/s" "latency p50 / p99 / max (ms)" "$(lat run3-natter)" "$(lat run3-ncat)"
row "" "lost / dup / reordered / disconnected" "$(counts run3-natter)" "$(counts run3-ncat)"
row "4. server memory" "RSS idle, no clients (MiB)" "$(mib "$natter_rss0")" "$(mib "$ncat_rss0")"
row "" "RSS with 1000 idle clients (MiB)" "$(mib "$natter_rss1")" "$(mib "$ncat_rss1")"

if [ "$SUSTAINED" = 1 ]; then
    # ms of server CPU per 1000 deliveries (natter-bench --server-pid)
    cpu_k() {
        awk -v c="$(field "$OUT/$1.json" server_cpu_s)" -v d="$(field "$OUT/$1.json" delivered)" \
            'BEGIN { if (d > 0 && c != "") printf "%.3f", 1e6 * c / d; else print "-" }'
    }
    cores() {  # server CPU seconds per second of the run
        awk -v c="$(field "$OUT/$1.json" server_cpu_s)" -v t="$(field "$OUT/$1.json" run_s)" \
            'BEGIN { if (t > 0 && c != "") printf "%.2f", c / t; else print "-" }'
    }
    echo
    echo "Sustained load (fixed-rate senders; server CPU over the message phase, from /proc):"
    echo
    row "Run" "Measure" "natter" "ncat --chat"
    row "---" "---" "---:" "---:"
    row "S1. 50 clients, 5 senders at 4000 msg/s, 16 B" "deliveries/s" "$(rate "$(field "$OUT/s1-natter.json" deliveries_per_s)")" "$(rate "$(field "$OUT/s1-ncat.json" deliveries_per_s)")"
    row "" "server CPU ms per 1k deliveries" "$(cpu_k s1-natter)" "$(cpu_k s1-ncat)"
    row "" "natter / ncat CPU per delivery" "$(awk -v a="$(cpu_k s1-natter)" -v b="$(cpu_k s1-ncat)" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')" ""
    row "" "server cores busy" "$(cores s1-natter)" "$(cores s1-ncat)"
    row "" "latency p50 / p99 / max (ms)" "$(lat s1-natter)" "$(lat s1-ncat)"
    row "" "lost / dup / reordered / disconnected" "$(counts s1-natter)" "$(counts s1-ncat)"
    row "S2. 50 clients, 1 sender at 100 msg/s" "latency p50 / p99 / max (ms)" "$(lat s2-natter)" "$(lat s2-ncat)"
    row "" "lost / dup / reordered / disconnected" "$(counts s2-natter)" "$(counts s2-ncat)"
    row "S3. 10,000 clients, 10 senders at 10 msg/s" "deliveries/s" "$(rate "$(field "$OUT/s3-natter.json" deliveries_per_s)")" "not run"
    row "" "server cores busy" "$(cores s3-natter)" ""
    row "" "latency p50 / p99 / max (ms)" "$(lat s3-natter)" ""
    row "" "lost / dup / reordered / disconnected" "$(counts s3-natter)" ""
    echo
    echo "natter's --send-budget on S1 and S2 (50000 is the default; 0 sends every line at once):"
    echo
    printf '| %s | %s | %s | %s |\n' "--send-budget" "S1 CPU ms per 1k deliveries" "S1 p50 / p99 / max (ms)" "S2 p50 / p99 / max (ms)"
    printf '| %s | %s | %s | %s |\n' "---:" "---:" "---:" "---:"
    printf '| %s | %s | %s | %s |\n' 0 "$(cpu_k s1-natter-b0)" "$(lat s1-natter-b0)" "$(lat s2-natter-b0)"
    printf '| %s | %s | %s | %s |\n' 100000 "$(cpu_k s1-natter-b100000)" "$(lat s1-natter-b100000)" ""
    printf '| %s | %s | %s | %s |\n' "50000 (default)" "$(cpu_k s1-natter)" "$(lat s1-natter)" "$(lat s2-natter)"
    printf '| %s | %s | %s | %s |\n' 25000 "$(cpu_k s1-natter-b25000)" "$(lat s1-natter-b25000)" ""
fi

[ "$TLS" = 1 ] || exit 0
secs() { awk -v m="$(field "$OUT/$1.json" connect_wall_ms)" 'BEGIN { printf "%.2f", m / 1000 }'; }
per_second() { awk -v m="$(field "$OUT/$1.json" connect_wall_ms)" 'BEGIN { if (m > 0) printf "%.0f", 1000 * 1000 / m; else print "-" }'; }
t1=$(field "$OUT/run1-natter-tls.json" deliveries_per_s)
echo
echo "natter plain beside natter over TLS ($(openssl version | cut -d' ' -f1-2), EC P-256 certificate, TLS 1.3):"
echo
row "Run" "Measure" "natter plain" "natter over TLS"
row "---" "---" "---:" "---:"
row "1. 50 clients, 5 senders, window 16, 16 B" "deliveries/s" "$(rate "$n1")" "$(rate "$t1")"
row "" "TLS / plain" "" "$(awk -v a="$t1" -v b="$n1" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')"
row "" "latency p50 / p99 / max (ms)" "$(lat run1-natter)" "$(lat run1-natter-tls)"
row "" "lost / dup / reordered / disconnected" "$(counts run1-natter)" "$(counts run1-natter-tls)"
row "" "server CPU s per 10^6 deliveries" "$(per_million run1-natter)" "$(per_million run1-natter-tls)"
row "2. 1000 clients connecting, one after another" "connecting 1000 clients (s)" "$(secs run2-natter)" "$(secs run2-natter-tls)"
row "" "connections (handshakes) per second" "$(per_second run2-natter)" "$(per_second run2-natter-tls)"
row "" "then 10 senders, window 16: deliveries/s" "$(rate "$(field "$OUT/run2-natter.json" deliveries_per_s)")" "$(rate "$(field "$OUT/run2-natter-tls.json" deliveries_per_s)")"
row "" "lost / dup / reordered / disconnected" "$(counts run2-natter)" "$(counts run2-natter-tls)"
