/* console_win32.c - standard input on Windows, made selectable.
 *
 * select() takes only sockets, so a reader thread reads stdin and writes the
 * bytes into one end of a socket pair; the client selects on the other end.
 * A pipe or file is copied as it is. A console in raw mode is read as input
 * records: characters become UTF-8 (surrogate pairs joined), cursor keys
 * become the VT sequences a Unix terminal would send (ESC [ D ...), so the
 * line editor sees the same bytes everywhere. A console in line mode (stdin
 * a console, stdout redirected) is read a line at a time with ReadConsoleW;
 * Ctrl-Z at the start of a line is the end of input. When input ends the
 * thread closes its end, which the client reads as end of input. */
#include "platform/console.h"

#include <process.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>

struct console_input {
    net_socket sock;          /* our end: non-blocking, selectable */
};

typedef struct reader {
    net_socket sock;          /* the thread's end, blocking */
    HANDLE in;
    wchar_t high_surrogate;   /* first half of a pair, waiting for the second */
} reader;

static int send_all(net_socket s, const char *p, size_t n)
{
    while (n > 0) {
        long r = net_send(s, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int send_units(reader *r, const wchar_t *units, int count)
{
    char out[4 * 512];
    int len = WideCharToMultiByte(CP_UTF8, 0, units, count, out, (int)sizeof out, NULL, NULL);
    return len > 0 ? send_all(r->sock, out, (size_t)len) : 0;
}

/* UTF-16 units to UTF-8, holding back a high surrogate whose partner has
 * not arrived yet (a key event carries one unit). Unpaired halves are
 * dropped. Returns -1 when the client has gone. */
static int send_wide(reader *r, const wchar_t *w, int n)
{
    wchar_t units[512];
    int count = 0, i;

    for (i = 0; i < n; i++) {
        wchar_t c = w[i];
        if (c >= 0xD800 && c <= 0xDBFF) {
            r->high_surrogate = c;
            continue;
        }
        if (c >= 0xDC00 && c <= 0xDFFF) {
            if (r->high_surrogate) {
                units[count++] = r->high_surrogate;
                units[count++] = c;
            }
        } else {
            units[count++] = c;
        }
        r->high_surrogate = 0;
        if (count >= 510) {
            if (send_units(r, units, count) != 0)
                return -1;
            count = 0;
        }
    }
    return count > 0 ? send_units(r, units, count) : 0;
}

/* The VT sequence for a key that has no character, or NULL. */
static const char *key_sequence(WORD vk, DWORD state)
{
    bool ctrl = (state & (LEFT_CTRL_PRESSED | RIGHT_CTRL_PRESSED)) != 0;
    switch (vk) {
    case VK_LEFT: return ctrl ? "\x1b[1;5D" : "\x1b[D";
    case VK_RIGHT: return ctrl ? "\x1b[1;5C" : "\x1b[C";
    case VK_UP: return "\x1b[A";
    case VK_DOWN: return "\x1b[B";
    case VK_HOME: return "\x1b[H";
    case VK_END: return "\x1b[F";
    case VK_DELETE: return "\x1b[3~";
    default: return NULL;
    }
}

/* One key event as bytes. Characters typed with Alt (but not AltGr, which
 * is Ctrl+Alt) get an ESC prefix, as terminals send them. */
static int send_key(reader *r, const KEY_EVENT_RECORD *k)
{
    wchar_t ch = k->uChar.UnicodeChar;
    WORD repeat = k->wRepeatCount ? k->wRepeatCount : 1;
    DWORD state = k->dwControlKeyState;
    bool alt = (state & LEFT_ALT_PRESSED) && !(state & (LEFT_CTRL_PRESSED | RIGHT_CTRL_PRESSED));
    const char *seq;

    /* Alt+numpad composition delivers its character on the Alt key-up. */
    if (!k->bKeyDown && !(k->wVirtualKeyCode == VK_MENU && ch != 0))
        return 0;
    while (repeat-- > 0) {
        if (ch == 0) {
            seq = key_sequence(k->wVirtualKeyCode, state);
            if (seq && send_all(r->sock, seq, strlen(seq)) != 0)
                return -1;
            continue;
        }
        if (alt && k->bKeyDown && send_all(r->sock, "\x1b", 1) != 0)
            return -1;
        if (send_wide(r, &ch, 1) != 0)
            return -1;
    }
    return 0;
}

/* Returns false at the end of input or when the client has gone. */
static bool read_console_keys(reader *r)
{
    INPUT_RECORD recs[64];
    DWORD n, i;
    if (!ReadConsoleInputW(r->in, recs, 64, &n))
        return false;
    for (i = 0; i < n; i++)
        if (recs[i].EventType == KEY_EVENT && send_key(r, &recs[i].Event.KeyEvent) != 0)
            return false;
    return true;
}

/* Raw mode (set by term_raw_enable) reads keys; line mode reads lines.
 * Returns false at the end of input or when the client has gone. */
static bool read_console_once(reader *r)
{
    DWORD mode = 0, n = 0;
    wchar_t line[1024];

    if (GetConsoleMode(r->in, &mode) && !(mode & ENABLE_LINE_INPUT))
        return read_console_keys(r);
    if (!ReadConsoleW(r->in, line, 1024, &n, NULL))
        return false;
    if (n > 0 && line[0] == 0x1A)   /* Ctrl-Z Enter */
        return false;
    return send_wide(r, line, (int)n) == 0;
}

static unsigned __stdcall reader_main(void *arg)
{
    reader *r = (reader *)arg;
    DWORD mode;

    if (r->in != NULL && r->in != INVALID_HANDLE_VALUE) {
        if (GetConsoleMode(r->in, &mode)) {
            while (read_console_once(r)) {
            }
        } else {
            char buf[4096];
            DWORD n;
            while (ReadFile(r->in, buf, sizeof buf, &n, NULL) && n > 0)
                if (send_all(r->sock, buf, n) != 0)
                    break;
        }
    }
    net_close(r->sock);
    free(r);
    return 0;
}

console_input *console_input_open(void)
{
    net_socket pair[2];
    char err[128];
    console_input *in = (console_input *)malloc(sizeof *in);
    reader *r = (reader *)calloc(1, sizeof *r);
    uintptr_t thread;

    if (!in || !r || net_socket_pair(pair, err, sizeof err) != 0) {
        free(in);
        free(r);
        return NULL;
    }
    in->sock = pair[0];
    r->sock = pair[1];
    r->in = GetStdHandle(STD_INPUT_HANDLE);
    net_set_nonblocking(r->sock, false);
    /* The thread owns r and its socket: it may still be blocked in a read
     * when the client closes, and it cleans up once it notices. */
    thread = _beginthreadex(NULL, 0, reader_main, r, 0, NULL);
    if (thread == 0) {
        net_close(pair[0]);
        net_close(pair[1]);
        free(in);
        free(r);
        return NULL;
    }
    CloseHandle((HANDLE)thread);
    return in;
}

void console_input_close(console_input *in)
{
    if (!in)
        return;
    net_close(in->sock);
    free(in);
}

net_socket console_input_handle(const console_input *in)
{
    return in->sock;
}

long console_input_read(console_input *in, char *buf, size_t len)
{
    long n = net_recv(in->sock, buf, len);
    /* A reset from the thread's end means the same as its close. */
    return n == NET_ERROR && net_error_connection_reset(net_last_error()) ? 0 : n;
}
