/* term.h - the console: is it a terminal, raw mode for the line editor, its
 * width, and (Windows) VT sequences and UTF-8 code pages. The terminal is
 * always restored: term_raw_disable() is safe to call more than once and is
 * also run at exit and on fatal signals. */
#ifndef NATTER_PLATFORM_TERM_H
#define NATTER_PLATFORM_TERM_H

#include <stdbool.h>

bool term_stdin_is_tty(void);
bool term_stdout_is_tty(void);

/* Windows: UTF-8 console code pages and ENABLE_VIRTUAL_TERMINAL_PROCESSING
 * so ANSI sequences work in cmd.exe and PowerShell. A no-op on POSIX.
 * Returns 0, or -1 if VT sequences are not available. */
int term_prepare_output(void);

/* Raw input: no echo, no line buffering, no signal keys (Ctrl-C arrives as
 * byte 3), VT input sequences for arrow keys on Windows. Returns 0 or -1. */
int term_raw_enable(void);
void term_raw_disable(void);

/* Columns of the terminal, or 80 when unknown. */
int term_columns(void);

/* True once after the terminal was resized (SIGWINCH on POSIX; on Windows
 * the width is polled). */
bool term_resized(void);

#endif
