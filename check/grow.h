/*
 * grow.h: a uint32_t array that grows to cover an index, new slots zeroed (procmap's dense
 * process array, the rope's per-string prefix table, which may be reused: grow_u32_zeroed_in).
 */
#ifndef RAST_CHECK_GROW_H
#define RAST_CHECK_GROW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Makes *array (*count slots) hold index: doubles from 64, zeroes the new slots. *room is the
 * slots allocated (>= *count): a reused array grows within it without a realloc, and the slots
 * past *count are zeroed all the same, whatever they held. False when out of memory or when
 * index is past what a doubling uint32_t count can reach (*array unchanged). */
static inline bool grow_u32_zeroed_in(uint32_t **array, uint32_t *count, uint32_t *room,
                                      uint64_t index)
{
    if (index < *count)
        return true;
    if (index >= UINT32_MAX / 2)
        return false;
    uint32_t n = *count == 0 ? 64 : *count;
    while (n <= index)
        n *= 2;
    if (n > *room) {
        uint32_t *p = realloc(*array, (size_t)n * sizeof *p);
        if (p == NULL)
            return false;
        *array = p;
        *room = n;
    }
    memset(*array + *count, 0, (size_t)(n - *count) * sizeof **array);
    *count = n;
    return true;
}

/* grow_u32_zeroed_in for an array allocated to exactly *count slots. */
static inline bool grow_u32_zeroed(uint32_t **array, uint32_t *count, uint64_t index)
{
    uint32_t room = *count;
    return grow_u32_zeroed_in(array, count, &room, index);
}

#endif /* RAST_CHECK_GROW_H */
