/* term_win32.c - the Windows console: UTF-8 code pages, VT output processing
 * (ANSI sequences in cmd.exe, PowerShell and Windows Terminal; carried out
 * by conout_win32.c where the console does not do it), raw input (no line
 * editing, no echo, Ctrl-C as a key) and UTF-16 output through
 * WriteConsoleW. The console is shared with the shell that started us, so
 * every mode and code page changed here is put back at exit. */
#include "platform/term.h"
#include "platform/conout_internal.h"

#include <signal.h>
#include <stdlib.h>
#include <windows.h>

#ifndef ENABLE_VIRTUAL_TERMINAL_PROCESSING
#define ENABLE_VIRTUAL_TERMINAL_PROCESSING 0x0004
#endif

/* The console's state before we touched it (process-wide by nature). */
static DWORD saved_in_mode, saved_out_mode;
static UINT saved_in_cp, saved_out_cp;
static int out_mode_saved, code_pages_saved, raw_active, restore_registered;
static int last_columns;

static HANDLE std_in(void) { return GetStdHandle(STD_INPUT_HANDLE); }
static HANDLE std_out(void) { return GetStdHandle(STD_OUTPUT_HANDLE); }

static bool is_console(HANDLE h)
{
    DWORD mode;
    return h != NULL && h != INVALID_HANDLE_VALUE && GetConsoleMode(h, &mode) != 0;
}

bool term_stdin_is_tty(void) { return is_console(std_in()); }
bool term_stdout_is_tty(void) { return is_console(std_out()); }

void term_raw_disable(void)
{
    if (raw_active) {
        SetConsoleMode(std_in(), saved_in_mode);
        raw_active = 0;
    }
}

static void restore_console(void)
{
    term_raw_disable();
    if (out_mode_saved) {
        SetConsoleMode(std_out(), saved_out_mode);
        out_mode_saved = 0;
    }
    if (code_pages_saved) {
        SetConsoleOutputCP(saved_out_cp);
        SetConsoleCP(saved_in_cp);
        code_pages_saved = 0;
    }
}

/* A crash must not leave cmd.exe with echo off: restore, then let the
 * default action run. */
static void on_fatal_signal(int sig)
{
    restore_console();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void register_restore(void)
{
    if (restore_registered)
        return;
    restore_registered = 1;
    atexit(restore_console);
    signal(SIGABRT, on_fatal_signal);
    signal(SIGSEGV, on_fatal_signal);
    signal(SIGILL, on_fatal_signal);
    signal(SIGFPE, on_fatal_signal);
}

int term_prepare_output(void)
{
    HANDLE out = std_out();
    DWORD mode;

    register_restore();
    if (!code_pages_saved) {
        saved_in_cp = GetConsoleCP();
        saved_out_cp = GetConsoleOutputCP();
        code_pages_saved = 1;
        SetConsoleOutputCP(CP_UTF8);
        SetConsoleCP(CP_UTF8);
    }
    if (!is_console(out))
        return 0;   /* a pipe or file needs no VT processing */
    if (!out_mode_saved) {
        if (!GetConsoleMode(out, &saved_out_mode))
            return -1;
        out_mode_saved = 1;
        /* A console that refuses the VT mode (before Windows 10), or takes
         * it and still prints the sequences as text (wine), gets them
         * carried out with console calls instead. */
        mode = saved_out_mode | ENABLE_PROCESSED_OUTPUT | ENABLE_VIRTUAL_TERMINAL_PROCESSING;
        if (!SetConsoleMode(out, mode) || !conout_vt_works(out)) {
            SetConsoleMode(out, saved_out_mode | ENABLE_PROCESSED_OUTPUT);
            conout_emulate_vt(out);
        }
    }
    return 0;
}

int term_raw_enable(void)
{
    HANDLE in = std_in();
    DWORD mode;

    if (raw_active)
        return 0;
    if (!GetConsoleMode(in, &saved_in_mode))
        return -1;
    register_restore();
    /* Keys arrive as input records that console_win32.c turns into bytes
     * (VT sequences for the cursor keys), so no VT input mode is needed and
     * consoles older than Windows 10 work too. */
    mode = saved_in_mode & ~(DWORD)(ENABLE_LINE_INPUT | ENABLE_ECHO_INPUT | ENABLE_PROCESSED_INPUT);
    if (!SetConsoleMode(in, mode))
        return -1;
    raw_active = 1;
    last_columns = term_columns();
    return 0;
}

int term_columns(void)
{
    CONSOLE_SCREEN_BUFFER_INFO info;
    if (GetConsoleScreenBufferInfo(std_out(), &info))
        return info.srWindow.Right - info.srWindow.Left + 1;
    return 80;
}

/* No SIGWINCH: compare the window width with the last one seen. */
bool term_resized(void)
{
    int cols;
    if (!raw_active)
        return false;
    cols = term_columns();
    if (cols == last_columns)
        return false;
    last_columns = cols;
    return true;
}

static int write_bytes(HANDLE out, const char *data, size_t len)
{
    while (len > 0) {
        DWORD chunk = len > 0x10000 ? 0x10000 : (DWORD)len, n = 0;
        if (!WriteFile(out, data, chunk, &n, NULL) || n == 0)
            return -1;
        data += n;
        len -= n;
    }
    return 0;
}

int term_write(const char *data, size_t len)
{
    HANDLE out = std_out();
    if (len == 0)
        return 0;
    if (is_console(out))
        return conout_write(out, data, len);
    return write_bytes(out, data, len);
}
