/* term.h - the console: is it a terminal, raw mode for the line editor, its
 * width, writing to it, and (Windows) VT sequences and UTF-8 code pages. The
 * terminal is always restored: term_raw_disable() is safe to call more than
 * once and is also run at exit and on fatal signals (SIGSEGV, SIGABRT...;
 * the client handles SIGINT/SIGTERM/SIGHUP itself through stop.h and
 * restores the terminal on its way out). */
#ifndef NATTER_PLATFORM_TERM_H
#define NATTER_PLATFORM_TERM_H

#include <stdbool.h>
#include <stddef.h>

bool term_stdin_is_tty(void);
bool term_stdout_is_tty(void);

/* Windows: UTF-8 console code pages and ENABLE_VIRTUAL_TERMINAL_PROCESSING
 * so ANSI sequences work in cmd.exe and PowerShell (the previous code pages
 * and modes come back at exit); a console that does not interpret them
 * (older Windows, wine) has the ones term_write() gets carried out with
 * console calls. A no-op on POSIX. Returns 0, or -1 if the console's mode
 * cannot be read. */
int term_prepare_output(void);

/* Raw input: no echo, no line buffering, no signal keys (Ctrl-C arrives as
 * byte 3), arrow keys as VT sequences (ESC [ A...) on every OS. Output
 * processing stays as it was. Also starts watching the terminal width.
 * Returns 0 or -1. */
int term_raw_enable(void);
void term_raw_disable(void);

/* Columns of the terminal on standard output, or 80 when unknown. */
int term_columns(void);

/* True once after the terminal was resized (SIGWINCH on POSIX; on Windows
 * the width is polled, so call this regularly). */
bool term_resized(void);

/* Write all of data (UTF-8, whole characters and whole VT sequences) to
 * standard output, unbuffered: on a Windows console as UTF-16 through
 * WriteConsoleW, elsewhere as bytes.
 * Returns 0, or -1 when the output is gone (closed pipe, hung-up terminal). */
int term_write(const char *data, size_t len);

#endif
