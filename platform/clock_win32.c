/* clock_win32.c - clock.h on Windows: QueryPerformanceCounter for timers and
 * rates, GetLocalTime for the stamps people read, Sleep for short waits. */
#include "platform/clock.h"

#include <stdio.h>
#include <string.h>
#include <windows.h>

/* Counter ticks scaled to units per second, split into whole seconds and the
 * rest so that ticks * units cannot overflow 64 bits on a long uptime. */
static uint64_t performance_counter_in(uint64_t units_per_second)
{
    LARGE_INTEGER count, freq;
    uint64_t ticks, hz;
    QueryPerformanceCounter(&count);
    QueryPerformanceFrequency(&freq);
    ticks = (uint64_t)count.QuadPart;
    hz = (uint64_t)freq.QuadPart;
    if (hz == 0)
        return 0;
    return ticks / hz * units_per_second + ticks % hz * units_per_second / hz;
}

uint64_t clock_monotonic_ms(void)
{
    return performance_counter_in(1000u);
}

uint64_t clock_monotonic_us(void)
{
    return performance_counter_in(1000000u);
}

void clock_local_hms(char *out, size_t len)
{
    SYSTEMTIME t;
    if (out == NULL || len == 0)
        return;
    GetLocalTime(&t);
    snprintf(out, len, "%02u:%02u:%02u", (unsigned)t.wHour, (unsigned)t.wMinute,
             (unsigned)t.wSecond);
}

void clock_local_datetime(char *out, size_t len)
{
    SYSTEMTIME t;
    if (out == NULL || len == 0)
        return;
    GetLocalTime(&t);
    snprintf(out, len, "%04u-%02u-%02u %02u:%02u:%02u", (unsigned)t.wYear, (unsigned)t.wMonth,
             (unsigned)t.wDay, (unsigned)t.wHour, (unsigned)t.wMinute, (unsigned)t.wSecond);
}

int64_t clock_wall_seconds(void)
{
    FILETIME ft;
    ULARGE_INTEGER v;
    GetSystemTimeAsFileTime(&ft);
    v.LowPart = ft.dwLowDateTime;
    v.HighPart = ft.dwHighDateTime;
    /* FILETIME counts 100 ns since 1601-01-01. */
    return (int64_t)(v.QuadPart / 10000000u) - 11644473600LL;
}

void clock_local_date_hms(int64_t t, char date[11], char hms[9])
{
    FILETIME ft;
    SYSTEMTIME utc, local;
    ULARGE_INTEGER v;
    v.QuadPart = (ULONGLONG)(t + 11644473600LL) * 10000000u;
    ft.dwLowDateTime = v.LowPart;
    ft.dwHighDateTime = v.HighPart;
    if (!FileTimeToSystemTime(&ft, &utc) || !SystemTimeToTzSpecificLocalTime(NULL, &utc, &local))
        memset(&local, 0, sizeof local);
    snprintf(date, 11, "%04u-%02u-%02u", (unsigned)local.wYear % 10000,
             (unsigned)local.wMonth % 100, (unsigned)local.wDay % 100);
    snprintf(hms, 9, "%02u:%02u:%02u", (unsigned)local.wHour % 100, (unsigned)local.wMinute % 100,
             (unsigned)local.wSecond % 100);
}

/* Sleep() counts in scheduler ticks (~15.6 ms) and may wake a little early,
 * so sleep again until the monotonic clock says ms have really passed. */
void clock_sleep_ms(long ms)
{
    uint64_t deadline, now;
    if (ms <= 0)
        return;
    deadline = clock_monotonic_ms() + (uint64_t)ms;
    for (now = clock_monotonic_ms(); now < deadline; now = clock_monotonic_ms())
        Sleep((DWORD)(deadline - now));
}

void clock_sleep_us(uint64_t us)
{
    /* Sleep() counts whole milliseconds and the scheduler's tick. */
    if (us > 0)
        clock_sleep_ms((long)((us + 999) / 1000));
}
