/* clock_posix.c - clock.h on POSIX: CLOCK_MONOTONIC for timers and rates,
 * localtime_r for the stamps people read, nanosleep for short waits. */
#include "platform/clock.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>

static struct timespec monotonic_now(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        ts.tv_sec = 0;
        ts.tv_nsec = 0;
    }
    return ts;
}

uint64_t clock_monotonic_ms(void)
{
    struct timespec ts = monotonic_now();
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

uint64_t clock_monotonic_us(void)
{
    struct timespec ts = monotonic_now();
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The broken-down local time now; all zeros if the OS cannot tell. */
static struct tm local_now(void)
{
    struct tm tm_now = {0};
    time_t t = time(NULL);
    if (t == (time_t)-1 || localtime_r(&t, &tm_now) == NULL) {
        struct tm zero = {0};
        tm_now = zero;
    }
    return tm_now;
}

void clock_local_hms(char *out, size_t len)
{
    struct tm t = local_now();
    if (out == NULL || len == 0)
        return;
    snprintf(out, len, "%02d:%02d:%02d", t.tm_hour, t.tm_min, t.tm_sec);
}

void clock_local_datetime(char *out, size_t len)
{
    struct tm t = local_now();
    if (out == NULL || len == 0)
        return;
    snprintf(out, len, "%04d-%02d-%02d %02d:%02d:%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday,
             t.tm_hour, t.tm_min, t.tm_sec);
}

int64_t clock_wall_seconds(void)
{
    time_t t = time(NULL);
    return t == (time_t)-1 ? 0 : (int64_t)t;
}

void clock_local_date_hms(int64_t t, char date[11], char hms[9])
{
    struct tm tm_at = {0};
    time_t when = (time_t)t;
    if (localtime_r(&when, &tm_at) == NULL) {
        struct tm zero = {0};
        tm_at = zero;
    }
    /* The modulos only tell the compiler each field fits its digits. */
    snprintf(date, 11, "%04u-%02u-%02u", (unsigned)(tm_at.tm_year + 1900) % 10000u,
             (unsigned)(tm_at.tm_mon + 1) % 100u, (unsigned)tm_at.tm_mday % 100u);
    snprintf(hms, 9, "%02u:%02u:%02u", (unsigned)tm_at.tm_hour % 100u,
             (unsigned)tm_at.tm_min % 100u, (unsigned)tm_at.tm_sec % 100u);
}

/* nanosleep reports the time left when a signal cuts it short; sleeping
 * that remainder keeps the promise of at least ms milliseconds. */
void clock_sleep_ms(long ms)
{
    struct timespec want, left;
    if (ms <= 0)
        return;
    want.tv_sec = (time_t)(ms / 1000);
    want.tv_nsec = (ms % 1000) * 1000000L;
    while (nanosleep(&want, &left) != 0 && errno == EINTR)
        want = left;
}

void clock_sleep_us(uint64_t us)
{
    struct timespec want, left;
    if (us == 0)
        return;
    want.tv_sec = (time_t)(us / 1000000u);
    want.tv_nsec = (long)(us % 1000000u) * 1000L;
    while (nanosleep(&want, &left) != 0 && errno == EINTR)
        want = left;
}
