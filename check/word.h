/*
 * word.h: unaligned loads of 8 and 4 bytes as one word (through memcpy: no alignment or
 * aliasing assumed), for the readers' templates and word-at-a-time scans (jepsen_template.h,
 * jepsen_fast.c, porcupine_fast.c, rope.c's byte compares).
 *
 * Those users take the first bytes in memory to be a word's low bytes (a mask of the low n
 * bytes keeps the first n; the lowest set byte of a match mask is the first match), which
 * holds on little-endian targets only: a big-endian one stops here instead of misreading.
 */
#ifndef RAST_CHECK_WORD_H
#define RAST_CHECK_WORD_H

#include <stdint.h>
#include <string.h>

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "check/word.h: the readers' word scans assume a little-endian target"
#endif

static inline uint64_t check_load8(const char *p)
{
    uint64_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

static inline uint32_t check_load4(const char *p)
{
    uint32_t x;
    memcpy(&x, p, sizeof x);
    return x;
}

#endif /* RAST_CHECK_WORD_H */
