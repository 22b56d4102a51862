/* stop_posix.c - stop.h on POSIX: SIGINT, SIGTERM and SIGHUP call the
 * registered callback. Installed without SA_RESTART, so a select() that is
 * waiting returns (EINTR) and the loop sees the request at once. */
#include "platform/stop.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

static const int stop_signals[] = {SIGINT, SIGTERM, SIGHUP};
#define STOP_SIGNAL_COUNT (sizeof stop_signals / sizeof stop_signals[0])

/* The one piece of global state: a signal handler has nowhere else to look. */
static volatile stop_callback hook_fn;
static void *volatile hook_arg;
static volatile stop_callback reload_fn; /* SIGHUP, when set */
static void *volatile reload_arg;

static void on_stop_signal(int sig)
{
    int saved = errno;
    stop_callback fn = hook_fn;
    void *arg = hook_arg;
    if (sig == SIGHUP && reload_fn != NULL) {
        fn = reload_fn;
        arg = reload_arg;
    }
    if (fn != NULL)
        fn(arg);
    errno = saved;
}

static bool is_ignored(int sig)
{
    struct sigaction current;
    return sigaction(sig, NULL, &current) == 0 && current.sa_handler == SIG_IGN;
}

/* A signal that was ignored when we started stays ignored: that is how
 * nohup (SIGHUP) and shells starting background jobs (SIGINT) ask a
 * program not to be stopped by the terminal. */
/* Our handler, with every stop signal blocked while it runs: one stop (or
 * reload) at a time. */
static void handler_action(struct sigaction *action)
{
    action->sa_handler = on_stop_signal;
    action->sa_flags = 0;
    sigemptyset(&action->sa_mask);
    for (size_t i = 0; i < STOP_SIGNAL_COUNT; i++)
        sigaddset(&action->sa_mask, stop_signals[i]);
}

int stop_hook_install(stop_callback fn, void *arg)
{
    struct sigaction action;
    size_t i;
    if (fn == NULL)
        return -1;
    hook_arg = arg;
    hook_fn = fn;
    handler_action(&action);
    for (i = 0; i < STOP_SIGNAL_COUNT; i++) {
        if (is_ignored(stop_signals[i]))
            continue;
        if (sigaction(stop_signals[i], &action, NULL) != 0) {
            stop_hook_remove();
            return -1;
        }
    }
    return 0;
}

int stop_hook_set_reload(stop_callback fn, void *arg)
{
    struct sigaction action;
    if (fn == NULL)
        return -1;
    reload_arg = arg;
    reload_fn = fn;
    handler_action(&action);
    return sigaction(SIGHUP, &action, NULL) == 0 ? 0 : -1;
}

/* Only signals that are still ours go back to SIG_DFL; ignored ones (and any
 * handler someone installed since) are left as they are. */
void stop_hook_remove(void)
{
    struct sigaction action, current;
    size_t i;
    action.sa_handler = SIG_DFL;
    action.sa_flags = 0;
    sigemptyset(&action.sa_mask);
    for (i = 0; i < STOP_SIGNAL_COUNT; i++) {
        if (sigaction(stop_signals[i], NULL, &current) == 0 && current.sa_handler == on_stop_signal)
            sigaction(stop_signals[i], &action, NULL);
    }
    hook_fn = NULL;
    hook_arg = NULL;
    reload_fn = NULL;
    reload_arg = NULL;
}

void stop_hook_done(void)
{
}
