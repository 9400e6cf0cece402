/* clock.h -- wall and monotonic clocks in the units the library uses. */
#ifndef AK_CLOCK_H
#define AK_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Wall clock, ms / us since the Unix epoch (expiry times are absolute). */
static inline int64_t ak_mstime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static inline int64_t ak_ustime(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Monotonic microseconds, for durations. */
static inline int64_t ak_monotonic_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

#endif
