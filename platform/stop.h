/* stop.h - a portable "stop requested" hook: SIGINT/SIGTERM (and SIGHUP) on
 * POSIX, SetConsoleCtrlHandler (Ctrl-C, Ctrl-Break, console close, log-off,
 * shut-down) on Windows. The callback runs in a signal handler (POSIX) or on a
 * console-control thread (Windows), so it must only do async-signal-safe work:
 * set a flag and write a byte to a wake-up socket. This file owns the one
 * piece of global state in the project: the registered callback. */
#ifndef NATTER_PLATFORM_STOP_H
#define NATTER_PLATFORM_STOP_H

typedef void (*stop_callback)(void *arg);

/* Register fn(arg) for stop requests. Returns 0 or -1. */
int stop_hook_install(stop_callback fn, void *arg);
/* POSIX: from now on SIGHUP calls fn(arg) ("reload") instead of stopping,
 * even when SIGHUP was ignored at start (nohup): a reload cannot end the
 * program. Call after stop_hook_install. Windows has no SIGHUP: a no-op
 * there. Returns 0 or -1. */
int stop_hook_set_reload(stop_callback fn, void *arg);

/* Restore the default handlers. */
void stop_hook_remove(void);

/* Windows only (a no-op elsewhere): a console close / shut-down event kills
 * the process when the handler returns, so the handler waits until the
 * program calls this (bounded by a few seconds) to give it time to flush. */
void stop_hook_done(void);

#endif
