/* logsink_internal.h - private to platform/: the OS primitives the log sink
 * (logsink_common.c, the same on every OS) needs: one thread, one lock, one
 * condition variable, a clock-bounded wait, and an unbuffered write to
 * standard output. logsink_posix.c uses pthreads and write(2),
 * logsink_win32.c CreateThread, SRW locks and WriteFile. */
#ifndef NATTER_PLATFORM_LOGSINK_INTERNAL_H
#define NATTER_PLATFORM_LOGSINK_INTERNAL_H

#include "platform/logsink.h"

typedef struct logsink_os logsink_os;

/* Create the lock and condition variable (NULL when that fails). */
logsink_os *logsink_os_create(void);
void logsink_os_destroy(logsink_os *os);

/* Run fn(arg) on a new thread. Returns 0 or -1. */
int logsink_os_start(logsink_os *os, void (*fn)(void *), void *arg);
/* Wait for the thread to end (it must be ending). */
void logsink_os_join(logsink_os *os);

void logsink_os_lock(logsink_os *os);
void logsink_os_unlock(logsink_os *os);
/* With the lock held: wait for a signal (or timeout_ms, < 0 forever). */
void logsink_os_wait(logsink_os *os, long timeout_ms);
/* Wake every waiter (call with the lock held). */
void logsink_os_broadcast(logsink_os *os);

/* Make a broken stdout an error, not a fatal signal (POSIX: SIGPIPE). */
void logsink_os_prepare(void);
/* Write all of data to stdout, without stdio (a thread stuck in fwrite
 * would hold stdout's lock and hang exit()). Returns 0, or -1 when stdout is
 * broken (the reader went away) or fails. */
int logsink_os_write_stdout(const char *data, size_t len);

#endif
