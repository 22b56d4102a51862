/* clock.h - time: a monotonic clock for timers and rates, and local wall-clock
 * time for the [HH:MM:SS] stamps people read. */
#ifndef NATTER_PLATFORM_CLOCK_H
#define NATTER_PLATFORM_CLOCK_H

#include <stddef.h>
#include <stdint.h>

/* Milliseconds since an arbitrary start; never goes backwards. */
uint64_t clock_monotonic_ms(void);
/* Same, in microseconds (for latency measurements). */
uint64_t clock_monotonic_us(void);

/* Local time now as "HH:MM:SS" into out (at least 9 bytes). */
void clock_local_hms(char *out, size_t len);

/* Local date and time now as "YYYY-MM-DD HH:MM:SS" (at least 20 bytes). */
void clock_local_datetime(char *out, size_t len);

/* Wall-clock seconds since 1970-01-01 UTC (event times, history). */
int64_t clock_wall_seconds(void);

/* The local date "YYYY-MM-DD" and time "HH:MM:SS" of wall-clock time t. */
void clock_local_date_hms(int64_t t, char date[11], char hms[9]);

/* Sleep the calling thread for ms milliseconds. */
void clock_sleep_ms(long ms);
/* Sleep for us microseconds, as precisely as the OS allows (nanosleep on
 * POSIX; Windows rounds up to its timer tick, 1-16 ms). */
void clock_sleep_us(uint64_t us);

#endif
