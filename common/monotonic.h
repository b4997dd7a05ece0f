/* monotonic.h: milliseconds (and microseconds, to time short waits) on
 * CLOCK_MONOTONIC, for timeouts, backoff and expiry. Never for what goes in the log: that reads the broker's
 * clock (DESIGN invariant 5), which a virtual clock may replace. */
#ifndef DUBAN_MONOTONIC_H
#define DUBAN_MONOTONIC_H

#include <stdint.h>

int64_t dbn_monotonic_ms(void);
int64_t dbn_monotonic_us(void);

#endif
