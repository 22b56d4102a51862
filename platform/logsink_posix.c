/* logsink_posix.c - logsink_internal.h on POSIX: a pthread, a mutex and a
 * condition variable (timed waits on CLOCK_REALTIME, the one every system
 * has for pthread_cond_timedwait), write(2) to descriptor 1 retried on
 * EINTR, and SIGPIPE ignored so a closed pipe comes back as EPIPE. */
#include "platform/logsink_internal.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

struct logsink_os {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t thread;
    bool started;
    void (*fn)(void *);
    void *arg;
};

logsink_os *logsink_os_create(void)
{
    logsink_os *os = calloc(1, sizeof *os);
    if (os == NULL)
        return NULL;
    if (pthread_mutex_init(&os->lock, NULL) != 0) {
        free(os);
        return NULL;
    }
    if (pthread_cond_init(&os->cond, NULL) != 0) {
        pthread_mutex_destroy(&os->lock);
        free(os);
        return NULL;
    }
    return os;
}

void logsink_os_destroy(logsink_os *os)
{
    pthread_cond_destroy(&os->cond);
    pthread_mutex_destroy(&os->lock);
    free(os);
}

static void *thread_main(void *arg)
{
    logsink_os *os = arg;
    os->fn(os->arg);
    return NULL;
}

int logsink_os_start(logsink_os *os, void (*fn)(void *), void *arg)
{
    sigset_t all, old;
    int rc;
    os->fn = fn;
    os->arg = arg;
    /* Signals (Ctrl-C, SIGTERM) belong to the loop's thread, where they
     * interrupt select(); the writer blocks them all. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    rc = pthread_create(&os->thread, NULL, thread_main, os);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -1;
    os->started = true;
    return 0;
}

void logsink_os_join(logsink_os *os)
{
    if (os->started)
        pthread_join(os->thread, NULL);
    os->started = false;
}

void logsink_os_lock(logsink_os *os)
{
    pthread_mutex_lock(&os->lock);
}

void logsink_os_unlock(logsink_os *os)
{
    pthread_mutex_unlock(&os->lock);
}

void logsink_os_wait(logsink_os *os, long timeout_ms)
{
    struct timespec until;
    if (timeout_ms < 0) {
        pthread_cond_wait(&os->cond, &os->lock);
        return;
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += (time_t)(timeout_ms / 1000);
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&os->cond, &os->lock, &until);
}

void logsink_os_broadcast(logsink_os *os)
{
    pthread_cond_broadcast(&os->cond);
}

void logsink_os_prepare(void)
{
    signal(SIGPIPE, SIG_IGN);
}

int logsink_os_write_stdout(const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1; /* EPIPE: the reader is gone; anything else: give up too */
        data += n;
        len -= (size_t)n;
    }
    return 0;
}
