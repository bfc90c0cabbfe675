/* units.h: sizes, durations and CPU counts as users write them. */
#ifndef BERTH_UNITS_H
#define BERTH_UNITS_H

#include <stdint.h>

/* "256m", "1g", "512k", "1.5g", "100" (bytes), "2GB", "64MiB";
 * case-insensitive; binary multiples as docker uses them. 0 on success,
 * -1 when malformed, out of range, or negative. */
int parse_size(const char *s, int64_t *bytes);
/* "90s", "10m", "2h", "1d", "500ms", "1h30m"; a bare number is seconds.
 * Result in milliseconds, at most UNITS_DURATION_MAX_MS: a longer one is
 * refused here, so that a caller adding to it (now + lifetime) cannot
 * overflow. */
#define UNITS_DURATION_MAX_MS (INT64_C(36500) * 86400 * 1000) /* 100 years */
int parse_duration_ms(const char *s, int64_t *ms);
/* "1.5" CPUs -> 1500000000 nano-CPUs; must be > 0. */
int parse_cpus(const char *s, int64_t *nano_cpus);

#endif
