/* stop_win32.c - stop.h on Windows: a console control handler for Ctrl-C,
 * Ctrl-Break, closing the console window, log-off and shut-down. The handler
 * runs on a thread the system creates, while the main loop keeps running.
 * Ctrl-C on a console that reads raw keys is passed on as a key. */
#include "platform/stop.h"

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <windows.h>

/* How long a close / log-off / shut-down waits for stop_hook_done(); Windows
 * kills the process about 5 s after a close event whatever we do. */
#define STOP_FLUSH_WAIT_MS 3000

/* The one piece of global state: the control handler gets no argument. The
 * event is created once and never closed, so a handler thread still waiting
 * on it can never see a closed (or reused) handle. */
static struct {
    stop_callback fn;
    void *arg;
    HANDLE done;
    bool registered; /* SetConsoleCtrlHandler stacks duplicate entries */
} hook;

/* The handler runs on its own thread. It calls the callback while holding
 * this lock, and stop_hook_remove takes it too, so once remove returns no
 * handler is still using the old argument (which the program may then free). */
static SRWLOCK hook_lock = SRWLOCK_INIT;

static bool ends_the_process(DWORD type)
{
    return type == CTRL_CLOSE_EVENT || type == CTRL_LOGOFF_EVENT || type == CTRL_SHUTDOWN_EVENT;
}

/* With ENABLE_PROCESSED_INPUT off (raw mode, term.h) Windows delivers
 * Ctrl-C as a key, which the client takes as "leave politely". Wine in a
 * Unix terminal raises CTRL_C_EVENT all the same (the terminal keeps ISIG),
 * so in that mode the event becomes the key it stands for, written to the
 * console input. Returns false when the event should stop the program. */
static bool pass_on_as_key(DWORD type)
{
    HANDLE in = GetStdHandle(STD_INPUT_HANDLE);
    INPUT_RECORD rec[2];
    DWORD mode, n = 0;

    if (type != CTRL_C_EVENT || !GetConsoleMode(in, &mode) || (mode & ENABLE_PROCESSED_INPUT))
        return false;
    memset(rec, 0, sizeof rec);
    rec[0].EventType = KEY_EVENT;
    rec[0].Event.KeyEvent.bKeyDown = TRUE;
    rec[0].Event.KeyEvent.wRepeatCount = 1;
    rec[0].Event.KeyEvent.wVirtualKeyCode = 'C';
    rec[0].Event.KeyEvent.uChar.UnicodeChar = 3;
    rec[0].Event.KeyEvent.dwControlKeyState = LEFT_CTRL_PRESSED;
    rec[1] = rec[0];
    rec[1].Event.KeyEvent.bKeyDown = FALSE;
    return WriteConsoleInputW(in, rec, 2, &n) && n == 2;
}

static BOOL WINAPI on_console_control(DWORD type)
{
    bool handled = false;
    AcquireSRWLockExclusive(&hook_lock);
    if (hook.fn != NULL) {
        if (!pass_on_as_key(type))
            hook.fn(hook.arg);
        handled = true;
    }
    ReleaseSRWLockExclusive(&hook_lock);
    if (!handled)
        return FALSE;
    /* Returning lets Windows end the process, so give the program a moment
     * to say goodbye to its clients first. */
    if (ends_the_process(type) && hook.done != NULL)
        WaitForSingleObject(hook.done, STOP_FLUSH_WAIT_MS);
    return TRUE;
}

int stop_hook_install(stop_callback fn, void *arg)
{
    if (fn == NULL)
        return -1;
    if (hook.done == NULL)
        hook.done = CreateEventA(NULL, TRUE, FALSE, NULL);
    else
        ResetEvent(hook.done);
    AcquireSRWLockExclusive(&hook_lock);
    hook.arg = arg;
    hook.fn = fn;
    ReleaseSRWLockExclusive(&hook_lock);
    if (!hook.registered) {
        if (!SetConsoleCtrlHandler(on_console_control, TRUE)) {
            stop_hook_remove();
            return -1;
        }
        hook.registered = true;
    }
    return 0;
}

void stop_hook_remove(void)
{
    if (hook.registered)
        SetConsoleCtrlHandler(on_console_control, FALSE);
    hook.registered = false;
    AcquireSRWLockExclusive(&hook_lock);
    hook.fn = NULL;
    hook.arg = NULL;
    ReleaseSRWLockExclusive(&hook_lock);
}

void stop_hook_done(void)
{
    if (hook.done != NULL)
        SetEvent(hook.done);
}

int stop_hook_set_reload(stop_callback fn, void *arg)
{
    /* No SIGHUP on Windows. */
    (void)fn;
    (void)arg;
    return 0;
}
