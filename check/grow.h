/*
 * grow.h: a uint32_t array that grows to cover an index, new slots zeroed (procmap's dense
 * process array, the rope's per-string prefix table).
 */
#ifndef RAST_CHECK_GROW_H
#define RAST_CHECK_GROW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Makes *array (*count slots) hold index: doubles from 64, zeroes the new slots. False when out
 * of memory or when index is past what a doubling uint32_t count can reach (*array unchanged). */
static inline bool grow_u32_zeroed(uint32_t **array, uint32_t *count, uint64_t index)
{
    if (index < *count)
        return true;
    if (index >= UINT32_MAX / 2)
        return false;
    uint32_t n = *count == 0 ? 64 : *count;
    while (n <= index)
        n *= 2;
    uint32_t *p = realloc(*array, (size_t)n * sizeof *p);
    if (p == NULL)
        return false;
    memset(p + *count, 0, (size_t)(n - *count) * sizeof *p);
    *array = p;
    *count = n;
    return true;
}

#endif /* RAST_CHECK_GROW_H */
