/*
 * procmap.c: process id -> outstanding op, for pairing completions with invocations. Small
 * process ids index an array that doubles as needed (one load a line instead of a hash and a
 * probe); larger ones live in an open-addressing table (load <= 1/2). A slot with value 0 is
 * a process with nothing outstanding.
 */
#include "grow.h"
#include "jepsen.h"
#include "model.h"

#include <stdlib.h>
#include <string.h>

void procmap_free(struct procmap *m)
{
    free(m->dense);
    free(m->keys);
    free(m->values);
    memset(m, 0, sizeof *m);
}

static bool procmap_grow(struct procmap *m)
{
    uint32_t n = m->keys == NULL ? 64 : (m->mask + 1) * 2;
    uint64_t *keys = calloc(n, sizeof *keys);
    uint32_t *values = calloc(n, sizeof *values);
    uint8_t *used = calloc(n, 1);
    if (keys == NULL || values == NULL || used == NULL) {
        free(keys);
        free(values);
        free(used);
        return false;
    }
    for (uint32_t i = 0; m->keys != NULL && i <= m->mask; i++) {
        if (m->values[i] == UINT32_MAX)
            continue;
        uint32_t j = (uint32_t)model_hash_words(&m->keys[i], 1) & (n - 1);
        while (used[j])
            j = (j + 1) & (n - 1);
        used[j] = 1;
        keys[j] = m->keys[i];
        values[j] = m->values[i];
    }
    for (uint32_t j = 0; j < n; j++)
        if (!used[j])
            values[j] = UINT32_MAX;
    free(used);
    free(m->keys);
    free(m->values);
    m->keys = keys;
    m->values = values;
    m->mask = n - 1;
    return true;
}

uint32_t *procmap_slot_slow(struct procmap *m, uint64_t process)
{
    if (process < PROCMAP_DENSE_MAX)
        return grow_u32_zeroed(&m->dense, &m->dense_count, process) ? &m->dense[process] : NULL;
    if ((m->count + 1) * 2 > m->mask + 1 || m->keys == NULL)
        if (!procmap_grow(m))
            return NULL;
    uint32_t j = (uint32_t)model_hash_words(&process, 1) & m->mask;
    for (; m->values[j] != UINT32_MAX; j = (j + 1) & m->mask)
        if (m->keys[j] == process)
            return &m->values[j];
    m->keys[j] = process;
    m->values[j] = 0;
    m->count++;
    return &m->values[j];
}
