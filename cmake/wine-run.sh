#!/bin/sh
# Runs one Windows test program under wine for CTest (the cross build's
# CMAKE_CROSSCOMPILING_EMULATOR).
#
# Why a script and not plain `wine`: on a loaded machine wine now and then
# fails to start a program at all - it exits non-zero within milliseconds,
# having printed nothing, before the program's main() ran (seen in CI on two
# pure model tests), or having printed only wine's own complaint about its
# wineserver (`wine client error:0: recvmsg: Connection reset by peer`, seen
# once on a socket test in 0.03 s). That is the harness failing, not the
# test, so such a run is repeated, at most twice, with a note on stderr. A
# program that printed anything of its own is never repeated: its exit
# status is the verdict, as with plain wine.
WINEDEBUG=-all
WINEDLLOVERRIDES=winedbg.exe=d
export WINEDEBUG WINEDLLOVERRIDES
wine="$1"
shift
out=$(mktemp "${TMPDIR:-/tmp}/wine-run.XXXXXX") || exit 1
trap 'rm -f "$out"' EXIT
attempt=1
while :; do
  "$wine" "$@" >"$out" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ] || grep -v '^wine client error:' "$out" | grep -q '[^[:space:]]' ||
    [ "$attempt" -ge 3 ]; then
    cat "$out"
    exit "$rc"
  fi
  echo "wine-run: $1 exited $rc before printing anything but wine's own errors (attempt $attempt):" >&2
  cat "$out" >&2
  echo "wine-run: running it again" >&2
  attempt=$((attempt + 1))
done
