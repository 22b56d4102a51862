/* conout_win32.c - console output on Windows: UTF-8 written as UTF-16
 * through WriteConsoleW (every character shows whatever the code page), and,
 * for consoles that do not interpret VT sequences, the sequences natter
 * writes carried out with console calls: cursor left/right/up/down and
 * position, erase in line and in display, and SGR colours. Any other
 * sequence is dropped rather than shown. Such consoles are older Windows
 * (before Windows 10) and wine, whose console accepts
 * ENABLE_VIRTUAL_TERMINAL_PROCESSING but stores ESC [ K as three characters
 * (see docs/client.md, "Windows console"). */
#include "platform/conout_internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_PARAMS 16

/* Process-wide by nature, like the console itself. */
static bool emulating;
static WORD default_attr = FOREGROUND_RED | FOREGROUND_GREEN | FOREGROUND_BLUE;

/* SGR state: colours are ANSI indexes 0-7, or -1 for the default. */
static int sgr_fg = -1, sgr_bg = -1;
static bool sgr_bold, sgr_dim;

static int write_wide(HANDLE out, const wchar_t *w, int wlen)
{
    int off = 0;
    while (off < wlen) {
        DWORD n = 0, chunk = (DWORD)(wlen - off > 8192 ? 8192 : wlen - off);
        if (!WriteConsoleW(out, w + off, chunk, &n, NULL) || n == 0)
            return -1;
        off += (int)n;
    }
    return 0;
}

/* Text without escape sequences (control characters such as \r and \n are
 * the console's: ENABLE_PROCESSED_OUTPUT is on). */
static int write_text(HANDLE out, const char *data, size_t len)
{
    wchar_t small[512];
    wchar_t *w = small;
    int wlen, result;

    if (len == 0)
        return 0;
    if (len > 0x7fffffff)
        return -1;
    wlen = MultiByteToWideChar(CP_UTF8, 0, data, (int)len, NULL, 0);
    if (wlen <= 0)
        return 0;   /* not UTF-8: the callers never write such text */
    if ((size_t)wlen > sizeof small / sizeof small[0]) {
        w = (wchar_t *)malloc((size_t)wlen * sizeof *w);
        if (!w)
            return -1;
    }
    MultiByteToWideChar(CP_UTF8, 0, data, (int)len, w, wlen);
    result = write_wide(out, w, wlen);
    if (w != small)
        free(w);
    return result;
}

bool conout_vt_works(HANDLE out)
{
    static const wchar_t probe[] = {0x1b, L'7'};
    CONSOLE_SCREEN_BUFFER_INFO before, after;
    CHAR_INFO cells[2];
    COORD size = {2, 1}, origin = {0, 0};
    SMALL_RECT rect;
    DWORD n;
    BOOL saved;

    if (!GetConsoleScreenBufferInfo(out, &before))
        return false;
    rect.Left = before.dwCursorPosition.X;
    rect.Top = rect.Bottom = before.dwCursorPosition.Y;
    rect.Right = (SHORT)(rect.Left + 1);
    saved = ReadConsoleOutputW(out, cells, size, origin, &rect);
    if (!WriteConsoleW(out, probe, 2, &n, NULL) || !GetConsoleScreenBufferInfo(out, &after))
        return false;
    if (after.dwCursorPosition.X == before.dwCursorPosition.X &&
        after.dwCursorPosition.Y == before.dwCursorPosition.Y)
        return true;
    /* Shown as two characters: put back what they covered. */
    if (saved)
        WriteConsoleOutputW(out, cells, size, origin, &rect);
    SetConsoleCursorPosition(out, before.dwCursorPosition);
    return false;
}

void conout_emulate_vt(HANDLE out)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    emulating = true;
    if (GetConsoleScreenBufferInfo(out, &info))
        default_attr = info.wAttributes;
    sgr_fg = sgr_bg = -1;
    sgr_bold = sgr_dim = false;
}

/* ---- SGR ---------------------------------------------------------------- */

/* ANSI colour index (red = 1, green = 2, blue = 4) to console bits (blue =
 * 1, green = 2, red = 4). */
static WORD ansi_colour(int index)
{
    WORD bits = 0;
    if (index & 1)
        bits |= FOREGROUND_RED;
    if (index & 2)
        bits |= FOREGROUND_GREEN;
    if (index & 4)
        bits |= FOREGROUND_BLUE;
    if (index & 8)
        bits |= FOREGROUND_INTENSITY;
    return bits;
}

/* The attributes for the SGR state: bold is the bright colour, dim the
 * dark grey a console has instead. */
static WORD sgr_attributes(void)
{
    WORD fg = sgr_fg >= 0 ? ansi_colour(sgr_fg) : (WORD)(default_attr & 0x0F);
    WORD bg = sgr_bg >= 0 ? (WORD)(ansi_colour(sgr_bg) << 4) : (WORD)(default_attr & 0xF0);
    if (sgr_dim && !sgr_bold && sgr_fg < 0)
        fg = FOREGROUND_INTENSITY;
    if (sgr_bold)
        fg |= FOREGROUND_INTENSITY;
    return (WORD)((default_attr & 0xFF00) | bg | fg);
}

static void sgr_one(int code)
{
    if (code == 0) {
        sgr_fg = sgr_bg = -1;
        sgr_bold = sgr_dim = false;
    } else if (code == 1) {
        sgr_bold = true;
    } else if (code == 2) {
        sgr_dim = true;
    } else if (code == 22) {
        sgr_bold = sgr_dim = false;
    } else if (code >= 30 && code <= 37) {
        sgr_fg = code - 30;
    } else if (code >= 90 && code <= 97) {
        sgr_fg = code - 90 + 8;
    } else if (code == 39) {
        sgr_fg = -1;
    } else if (code >= 40 && code <= 47) {
        sgr_bg = code - 40;
    } else if (code >= 100 && code <= 107) {
        sgr_bg = code - 100 + 8;
    } else if (code == 49) {
        sgr_bg = -1;
    }
}

static void sgr(HANDLE out, const int *p, int np)
{
    int i;
    if (np == 0)
        sgr_one(0);
    for (i = 0; i < np; i++)
        sgr_one(p[i]);
    SetConsoleTextAttribute(out, sgr_attributes());
}

/* ---- cursor and erasing ------------------------------------------------- */

static SHORT clamp(int v, int lo, int hi)
{
    return (SHORT)(v < lo ? lo : v > hi ? hi : v);
}

static void fill(HANDLE out, const CONSOLE_SCREEN_BUFFER_INFO *info, COORD from, DWORD count)
{
    DWORD n;
    FillConsoleOutputCharacterW(out, L' ', count, from, &n);
    FillConsoleOutputAttribute(out, info->wAttributes, count, from, &n);
}

/* ESC [ K (0: to the end of the row, 1: to its start, 2: all of it). */
static void erase_line(HANDLE out, const CONSOLE_SCREEN_BUFFER_INFO *info, int mode)
{
    COORD at = info->dwCursorPosition;
    int width = info->dwSize.X;
    if (mode == 0) {
        fill(out, info, at, (DWORD)(width - at.X));
    } else {
        DWORD count = mode == 1 ? (DWORD)at.X + 1 : (DWORD)width;
        at.X = 0;
        fill(out, info, at, count);
    }
}

/* ESC [ J over the visible window (0: from the cursor, 1: up to it, 2: all). */
static void erase_display(HANDLE out, const CONSOLE_SCREEN_BUFFER_INFO *info, int mode)
{
    int width = info->dwSize.X;
    COORD top = {0, info->srWindow.Top};
    DWORD cursor = (DWORD)(info->dwCursorPosition.Y - info->srWindow.Top) * (DWORD)width +
                   (DWORD)info->dwCursorPosition.X;
    DWORD all = (DWORD)(info->srWindow.Bottom - info->srWindow.Top + 1) * (DWORD)width;
    if (mode == 0)
        fill(out, info, info->dwCursorPosition, all - cursor);
    else if (mode == 1)
        fill(out, info, top, cursor + 1);
    else
        fill(out, info, top, all);
}

/* One CSI sequence; private ones (ESC [ ? ...) are dropped. */
static void csi(HANDLE out, bool private_mark, const int *p, int np, char final)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    COORD at;
    int n = np > 0 && p[0] > 0 ? p[0] : 1;
    int last_x, top, bottom;

    if (private_mark)
        return;
    if (final == 'm') {
        sgr(out, p, np);
        return;
    }
    if (!GetConsoleScreenBufferInfo(out, &info))
        return;
    at = info.dwCursorPosition;
    last_x = info.dwSize.X - 1;
    top = info.srWindow.Top;
    bottom = info.srWindow.Bottom;
    switch (final) {
    case 'C': at.X = clamp(at.X + n, 0, last_x); break;
    case 'D': at.X = clamp(at.X - n, 0, last_x); break;
    case 'A': at.Y = clamp(at.Y - n, top, bottom); break;
    case 'B': at.Y = clamp(at.Y + n, top, bottom); break;
    case 'G': at.X = clamp(n - 1, 0, last_x); break;
    case 'H':
    case 'f':
        at.Y = clamp(top + n - 1, top, bottom);
        at.X = clamp((np > 1 && p[1] > 0 ? p[1] : 1) - 1, 0, last_x);
        break;
    case 'K': erase_line(out, &info, np > 0 ? p[0] : 0); return;
    case 'J': erase_display(out, &info, np > 0 ? p[0] : 0); return;
    default: return;
    }
    SetConsoleCursorPosition(out, at);
}

/* Parse one sequence starting at s[0] == ESC; returns its length, or len
 * when it is cut off (then it is dropped). */
static size_t escape(HANDLE out, const char *s, size_t len)
{
    int p[MAX_PARAMS];
    int np = 0;
    bool private_mark = false, digits = false;
    size_t i = 2;

    if (len < 2)
        return len;
    if (s[1] != '[')
        return 2;   /* ESC 7, ESC c ...: nothing natter needs */
    if (i < len && s[i] >= 0x3C && s[i] <= 0x3F) {
        private_mark = true;
        i++;
    }
    p[0] = 0;
    for (; i < len; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch >= '0' && ch <= '9') {
            if (np < MAX_PARAMS && p[np] < 10000)
                p[np] = p[np] * 10 + (ch - '0');
            digits = true;
        } else if (ch == ';') {
            if (np < MAX_PARAMS - 1)
                p[++np] = 0;
            digits = true;
        } else if (ch >= 0x40 && ch <= 0x7E) {
            csi(out, private_mark, p, digits ? np + 1 : 0, (char)ch);
            return i + 1;
        } else if (ch < 0x20 || ch > 0x3F) {
            return i;   /* not a sequence after all: drop what was read */
        }
    }
    return len;
}

int conout_write(HANDLE out, const char *data, size_t len)
{
    size_t start = 0, i = 0;

    if (!emulating)
        return write_text(out, data, len);
    while (i < len) {
        if (data[i] != 0x1b) {
            i++;
            continue;
        }
        if (write_text(out, data + start, i - start) != 0)
            return -1;
        i += escape(out, data + i, len - i);
        start = i;
    }
    return write_text(out, data + start, len - start);
}
