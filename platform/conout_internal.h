/* conout_internal.h - writing to a Windows console, shared by term_win32.c
 * and conout_win32.c. A console either interprets VT sequences itself
 * (Windows 10 and later with ENABLE_VIRTUAL_TERMINAL_PROCESSING) or shows
 * them as text (older Windows; wine, which accepts the mode but ignores
 * it). In the second case the few sequences natter writes are carried out
 * here with console calls, so the line editor works on both. */
#ifndef NATTER_PLATFORM_CONOUT_INTERNAL_H
#define NATTER_PLATFORM_CONOUT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <windows.h>

/* Does the console interpret VT sequences? Writes a sequence that draws
 * nothing (ESC 7, save cursor) and sees whether the cursor moved; if it
 * did, the cells and the cursor are put back. */
bool conout_vt_works(HANDLE out);

/* From now on carry out VT sequences with console calls; the console's
 * current colours are the defaults that SGR 0 returns to. */
void conout_emulate_vt(HANDLE out);

/* Write UTF-8 text with VT sequences to the console, as UTF-16 through
 * WriteConsoleW. Each call must hold whole sequences (a cut one at the end
 * is dropped). Returns 0 or -1. */
int conout_write(HANDLE out, const char *data, size_t len);

#endif
