#!/bin/sh
# client_wine_tmux.sh - the Windows client's console path, seen working: tmux
# runs `wine natter.exe` in a pane (so it gets a real wine console), the
# script types with send-keys and reads the screen with capture-pane, against
# natter-server.exe under wine on an ephemeral loopback port; a second
# natter.exe in pipe mode is the other user. Registered by tests/CMakeLists.txt
# in the mingw build (CTest runs it on the Linux host). Every wait polls with
# a deadline; nothing sleeps a fixed time.
#
# Usage: client_wine_tmux.sh WINE TMUX BIN_DIR WORK_DIR
set -u
if [ "$#" -ne 4 ]; then
    echo "usage: $0 WINE TMUX BIN_DIR WORK_DIR" >&2
    exit 2
fi
WINE=$1
TMUX_BIN=$2
BIN=$3
WORK=$4
WAIT=${NATTER_TEST_WAIT:-30}   # seconds for each wait

export WINEDEBUG=-all WINEDLLOVERRIDES=winedbg.exe=d
# wine's console writes to the terminal in the locale's charset.
export LC_ALL=C.UTF-8
unset TMUX   # not nested in whatever tmux may run the tests

rm -rf "$WORK"
mkdir -p "$WORK" || exit 1
SOCK=$WORK/tmux.sock
SERVER_LOG=$WORK/server.log
server_pid=
bob_pid=

tm() { "$TMUX_BIN" -u -S "$SOCK" -f /dev/null "$@"; }
screen() { tm capture-pane -p -t 0 2>/dev/null | sed 's/ *$//'; }
cursor_x() { tm display-message -p -t 0 '#{cursor_x}'; }
cursor_y() { tm display-message -p -t 0 '#{cursor_y}'; }
server_lines() { tr -d '\r' < "$SERVER_LOG"; }

stop_pid() {
    [ -n "$1" ] || return 0
    kill "$1" 2>/dev/null || return 0
    i=0
    while kill -0 "$1" 2>/dev/null && [ "$i" -lt 50 ]; do
        sleep 0.1
        i=$((i + 1))
    done
    kill -9 "$1" 2>/dev/null
    return 0
}

cleanup() {
    tm kill-server >/dev/null 2>&1
    stop_pid "$bob_pid"
    stop_pid "$server_pid"
}
trap cleanup EXIT
trap 'exit 1' HUP INT TERM

fail() {
    echo "FAIL: $*"
    echo "--- screen (cursor $(cursor_x 2>/dev/null),$(cursor_y 2>/dev/null)):"
    screen | sed 's/^/|/'
    echo "--- server log:"
    server_lines 2>/dev/null
    exit 1
}

# wait_until WHAT COMMAND...: run COMMAND until it succeeds, or fail after $WAIT s.
wait_until() {
    what=$1
    shift
    end=$(($(date +%s) + WAIT))
    until "$@"; do
        [ "$(date +%s)" -ge "$end" ] && fail "timed out after ${WAIT}s waiting for $what"
        sleep 0.1
    done
}

on_screen() { screen | grep -E -q -- "$1"; }
in_server_log() { server_lines | grep -E -q -- "$1"; }
# Row number (0-based) of the last screen row matching the pattern, or -1.
last_row() { screen | awk -v re="$1" '$0 ~ re { r = NR - 1 } END { print (r == "" ? -1 : r) }'; }

# The input line, v1 `winuser> ` or v2 `winuser #lobby> `, from column 0.
PROMPT='^winuser( #[^ ]+)?>'

# The input line reads exactly TEXT, below everything else on the screen,
# with the cursor COLUMNS (TEXT's width) after the prompt. PROMPT_COLS is
# the prompt's width, trailing space included, once it is known.
PROMPT_COLS=
input_line_is() {
    row=$(last_row "$PROMPT( |\$)")
    [ "$row" -ge 0 ] || return 1
    line=$(screen | sed -n "$((row + 1))p")
    printf '%s\n' "$line" | grep -E -q -- "$PROMPT ?$1\$" || return 1
    [ "$(screen | awk 'NF { r = NR - 1 } END { print r }')" = "$row" ] || return 1
    [ "$(cursor_y)" = "$row" ] || return 1
    if [ -z "$PROMPT_COLS" ]; then
        # The empty line: the prompt is all there is ("winuser>" + space).
        [ "$(cursor_x)" = $((${#line} + 1)) ] && PROMPT_COLS=$((${#line} + 1))
        return
    fi
    [ "$(cursor_x)" = $((PROMPT_COLS + $2)) ]
}

name_prompt_ready() {
    row=$(last_row '^Your name:$')
    [ "$row" -ge 0 ] && [ "$(cursor_y)" = "$row" ] && [ "$(cursor_x)" = 11 ]
}

# --- the server ----------------------------------------------------------
: >"$SERVER_LOG"
"$WINE" "$BIN/natter-server.exe" --port 0 --irc-port 0 --bind 127.0.0.1 </dev/null >"$SERVER_LOG" 2>&1 &
server_pid=$!
wait_until "the server to listen" in_server_log '^listening on 127\.0\.0\.1:[0-9]+ \(natter\)$'
PORT=$(server_lines | sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\) (natter)$/\1/p')

# --- the client in a tmux pane ---------------------------------------------
# The terminal keeps ISIG under wine, so Ctrl-C also reaches this shell:
# it must outlive it to print the exit status. (A trap, not an ignored
# signal, which natter.exe would inherit.) If the script dies without its
# clean-up, the server goes with it and the client ends by itself.
cat >"$WORK/pane.sh" <<EOF
trap : INT
'$WINE' '$BIN/natter.exe' 127.0.0.1 $PORT
echo "EXIT=\$?"
exec sleep 180
EOF
# The tmux server would inherit our output (and hold CTest's pipes open).
tm new-session -d -x 80 -y 24 "sh '$WORK/pane.sh'" </dev/null >/dev/null 2>&1 ||
    fail "cannot start tmux"

# 1. Prompts start at column 0, the cursor right after them.
wait_until "the name prompt, cursor after it" name_prompt_ready
tm send-keys -t 0 -l winuser
tm send-keys -t 0 Enter
wait_until "the name to be accepted" on_screen '^\*\*\* You are winuser'
wait_until "the chat prompt at column 0, cursor after it" input_line_is '' 0

# 2. A half-typed line (with CJK) survives an incoming message.
tm send-keys -t 0 -l 'half 你好'
wait_until "the half-typed line" input_line_is 'half 你好' 9
printf 'bob\nhello from bob\n' |
    timeout 60 "$WINE" "$BIN/natter.exe" 127.0.0.1 "$PORT" >"$WORK/bob.log" 2>&1 &
bob_pid=$!
wait_until "bob's message" on_screen '<bob> hello from bob$'
wait_until "bob to leave" on_screen 'bob left'
wait_until "the half-typed line back below the messages" input_line_is 'half 你好' 9
tm send-keys -t 0 Enter
wait_until "the server to get the line" in_server_log '<winuser> half 你好$'
wait_until "the line on screen" on_screen '<winuser> half 你好$'

# 3. Backspace deletes a whole CJK character.
tm send-keys -t 0 -l '你好'
wait_until "CJK typed" input_line_is '你好' 4
tm send-keys -t 0 BSpace
wait_until "one CJK character left" input_line_is '你' 2
tm send-keys -t 0 Enter
wait_until "the server to get the CJK line" in_server_log '<winuser> 你$'

# 4. Ctrl-C clears the input line, says /quit and exits 0.
tm send-keys -t 0 -l 'never sent'
wait_until "the unsent line" input_line_is 'never sent' 10
tm send-keys -t 0 C-c
wait_until "the client to exit" on_screen '^EXIT=0$'
if on_screen 'never sent'; then fail "the input line was left on screen"; fi
wait_until "the server to see /quit" in_server_log 'winuser.*\(quit\)'
if in_server_log 'never sent'; then fail "the unsent line was sent"; fi

echo "PASS: the Windows console client under wine in tmux"
exit 0
