/* logsink_win32.c - logsink_internal.h on Windows: CreateThread, an SRW lock
 * and a condition variable (Vista and later), and WriteFile on the standard
 * output handle, which in a console blocks while a QuickEdit selection is
 * active: only this thread waits then, never the server loop. */
#include "platform/logsink_internal.h"

#include <stdlib.h>
#include <windows.h>

struct logsink_os {
    SRWLOCK lock;
    CONDITION_VARIABLE cond;
    HANDLE thread;
    void (*fn)(void *);
    void *arg;
};

logsink_os *logsink_os_create(void)
{
    logsink_os *os = calloc(1, sizeof *os);
    if (os == NULL)
        return NULL;
    InitializeSRWLock(&os->lock);
    InitializeConditionVariable(&os->cond);
    return os;
}

void logsink_os_destroy(logsink_os *os)
{
    if (os->thread != NULL)
        CloseHandle(os->thread);
    free(os);
}

static DWORD WINAPI thread_main(LPVOID arg)
{
    logsink_os *os = arg;
    os->fn(os->arg);
    return 0;
}

int logsink_os_start(logsink_os *os, void (*fn)(void *), void *arg)
{
    os->fn = fn;
    os->arg = arg;
    os->thread = CreateThread(NULL, 0, thread_main, os, 0, NULL);
    return os->thread != NULL ? 0 : -1;
}

void logsink_os_join(logsink_os *os)
{
    if (os->thread != NULL)
        WaitForSingleObject(os->thread, INFINITE);
}

void logsink_os_lock(logsink_os *os)
{
    AcquireSRWLockExclusive(&os->lock);
}

void logsink_os_unlock(logsink_os *os)
{
    ReleaseSRWLockExclusive(&os->lock);
}

void logsink_os_wait(logsink_os *os, long timeout_ms)
{
    SleepConditionVariableSRW(&os->cond, &os->lock,
                              timeout_ms < 0 ? INFINITE : (DWORD)timeout_ms, 0);
}

void logsink_os_broadcast(logsink_os *os)
{
    WakeAllConditionVariable(&os->cond);
}

void logsink_os_prepare(void)
{
}

int logsink_os_write_stdout(const char *data, size_t len)
{
    HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
    if (out == NULL || out == INVALID_HANDLE_VALUE)
        return -1;
    while (len > 0) {
        DWORD chunk = len > 65536 ? 65536 : (DWORD)len, written = 0;
        if (!WriteFile(out, data, chunk, &written, NULL) || written == 0)
            return -1; /* ERROR_NO_DATA / ERROR_BROKEN_PIPE: the reader is gone */
        data += written;
        len -= written;
    }
    return 0;
}
