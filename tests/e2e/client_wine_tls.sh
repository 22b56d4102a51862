#!/bin/sh
# client_wine_tls.sh - the Windows client's TLS (Schannel, under wine)
# against the Linux server: natter-server from the native build runs on the
# host with a throwaway CA's certificate; `wine natter.exe --ca` chats with
# a Linux natter client over TLS, and without --ca it must refuse the
# certificate with one line. Registered by tests/CMakeLists.txt in the mingw
# build; CTest runs it on the Linux host. Every wait polls with a deadline.
#
# Usage: client_wine_tls.sh WINE BIN_DIR HOST_BIN_DIR OPENSSL WORK_DIR
#   BIN_DIR: the mingw build's bin (natter.exe); HOST_BIN_DIR: a native
#   build's bin (natter-server, natter), e.g. build/test/bin.
set -u
if [ "$#" -ne 5 ]; then
    echo "usage: $0 WINE BIN_DIR HOST_BIN_DIR OPENSSL WORK_DIR" >&2
    exit 2
fi
WINE=$1 BIN=$2 HOST=$3 OPENSSL=$4 WORK=$5
WAIT=${NATTER_TEST_WAIT:-30}
export WINEDEBUG=-all WINEDLLOVERRIDES=winedbg.exe=d

fail() {
    echo "FAIL: $*"
    for f in server.log win.out win.err linux.out linux.err; do
        [ -f "$WORK/$f" ] && { echo "--- $f:"; tr -d '\r' <"$WORK/$f"; }
    done
    exit 1
}
for f in "$HOST/natter-server" "$HOST/natter"; do
    [ -x "$f" ] || fail "$f not found: build the native preset first (cmake --workflow --preset test)"
done
[ -f "$BIN/natter.exe" ] || fail "$BIN/natter.exe not found"

rm -rf "$WORK"
mkdir -p "$WORK" || exit 1
sh "$(dirname "$0")/../support/make_test_certs.sh" "$OPENSSL" "$WORK/certs" ||
    fail "cannot make test certificates"

pids=
cleanup() { for p in $pids; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

# until SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
until_ok() {
    n=$(($1 * 10))
    shift
    while ! "$@"; do
        n=$((n - 1))
        [ "$n" -gt 0 ] || return 1
        sleep 0.1
    done
}
in_file() { tr -d '\r' <"$1" 2>/dev/null | grep -q -- "$2"; }
gone() { ! kill -0 "$1" 2>/dev/null; }

# The server: its TLS port must be given (0 turns it off), so try a few.
port=
for try in 1 2 3 4 5 6 7 8; do
    p=$((20000 + ($$ * 7 + try * 1013) % 40000))
    "$HOST/natter-server" --bind 127.0.0.1 --port 0 --irc-port 0 --irc-tls-port 0 \
        --tls-port "$p" --tls-cert "$WORK/certs/server.pem" --tls-key "$WORK/certs/server.key" \
        </dev/null >"$WORK/server.log" 2>&1 &
    spid=$!
    if until_ok 10 in_file "$WORK/server.log" "(natter over TLS)"; then
        port=$p
        pids="$pids $spid"
        break
    fi
    kill "$spid" 2>/dev/null
done
[ -n "$port" ] || fail "natter-server did not start with a TLS port"

# A Linux user over TLS, who stays until the Windows user has spoken.
mkfifo "$WORK/linux.in"
"$HOST/natter" --name linus --ca "$WORK/certs/ca.pem" 127.0.0.1 "$port" \
    <"$WORK/linux.in" >"$WORK/linux.out" 2>"$WORK/linux.err" &
pids="$pids $!"
exec 3>"$WORK/linux.in"
until_ok "$WAIT" in_file "$WORK/linux.out" "Now talking in #lobby" || fail "the Linux client did not join"

# The Windows client, verifying the certificate against the CA file.
printf 'hello from windows over TLS\n' |
    timeout 60 "$WINE" "$BIN/natter.exe" --name winuser --ca "$WORK/certs/ca.pem" 127.0.0.1 "$port" \
        >"$WORK/win.out" 2>"$WORK/win.err"
code=$?
[ "$code" = 0 ] || fail "natter.exe --ca exited $code"
in_file "$WORK/win.out" "You are winuser" || fail "natter.exe did not get its name"
until_ok "$WAIT" in_file "$WORK/linux.out" "<winuser> hello from windows over TLS" ||
    fail "the Linux user did not hear the Windows user"
in_file "$WORK/server.log" "TLS handshake" && fail "the server logged a failed handshake"

# Without --ca the system's store does not know the test CA: one line, exit 1.
printf 'never sent\n' |
    timeout 60 "$WINE" "$BIN/natter.exe" --name mallory --tls 127.0.0.1 "$port" \
        >"$WORK/win.out" 2>"$WORK/win.err"
code=$?
[ "$code" = 1 ] || fail "natter.exe --tls without --ca exited $code, not 1"
in_file "$WORK/win.err" "^natter: TLS: certificate verify failed (.*); use --ca FILE to trust it$" ||
    fail "natter.exe did not say why it refused the certificate"
in_file "$WORK/linux.out" "mallory" && fail "mallory got in"

printf '/quit\n' >&3
exec 3>&-
echo "ok: natter.exe (Schannel, wine) chatted over TLS with natter on Linux, and refused an unknown CA"
exit 0
