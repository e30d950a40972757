/*
 * memo.c: the configuration memo (see memo.h for the layout and invariants).
 */
#include "memo.h"

#include <stdlib.h>
#include <string.h>

#define MEMO_CHUNK_ENTRIES 1024u
#define MEMO_SLOTS_MIN 256u

void memo_init(struct memo *m, uint32_t bitset_words, uint32_t state_words, uint64_t bytes_max)
{
    memset(m, 0, sizeof *m);
    m->bitset_words = bitset_words;
    m->state_words = state_words;
    m->exact.entry_words = bitset_words + state_words;
    m->bytes_max = bytes_max;
}

static void memo_table_free(struct memo_table *t)
{
    for (uint32_t i = 0; i < t->chunk_count; i++)
        free(t->chunks[i]);
    free(t->chunks);
    free(t->slots);
}

void memo_free(struct memo *m)
{
    memo_table_free(&m->exact);
    memset(m, 0, sizeof *m);
}

static uint64_t *memo_entry(const struct memo_table *t, uint32_t index)
{
    return t->chunks[index / MEMO_CHUNK_ENTRIES] +
           (uint64_t)(index % MEMO_CHUNK_ENTRIES) * t->entry_words;
}

static bool memo_grow_slots(struct memo *m, struct memo_table *t)
{
    uint64_t n = t->slots == NULL ? MEMO_SLOTS_MIN : ((uint64_t)t->mask + 1) * 2;
    uint64_t bytes = n * sizeof(struct memo_slot);
    uint64_t old_bytes = t->slots == NULL ? 0 : ((uint64_t)t->mask + 1) * sizeof(struct memo_slot);
    if (n > (UINT64_C(1) << 31) || m->bytes_used - old_bytes + bytes > m->bytes_max)
        return false;
    struct memo_slot *slots = calloc(n, sizeof *slots);
    if (slots == NULL)
        return false;
    uint32_t mask = (uint32_t)(n - 1);
    for (uint64_t i = 0; t->slots != NULL && i <= t->mask; i++) {
        if (t->slots[i].index == 0)
            continue;
        uint32_t j = t->slots[i].tag & mask;
        while (slots[j].index != 0)
            j = (j + 1) & mask;
        slots[j] = t->slots[i];
    }
    free(t->slots);
    t->slots = slots;
    t->mask = mask;
    m->bytes_used = m->bytes_used - old_bytes + bytes;
    return true;
}

/* Makes room for one more entry (slots and arena). */
static bool memo_reserve(struct memo *m, struct memo_table *t)
{
    if (t->slots == NULL || (uint64_t)(t->count + 1) * 2 > (uint64_t)t->mask + 1)
        if (!memo_grow_slots(m, t))
            return false;
    if (t->count < t->chunk_count * MEMO_CHUNK_ENTRIES)
        return t->count < UINT32_MAX - 1;
    uint64_t bytes = (uint64_t)MEMO_CHUNK_ENTRIES * t->entry_words * sizeof(uint64_t);
    if (m->bytes_used + bytes > m->bytes_max)
        return false;
    if (t->chunk_count == t->chunk_cap) {
        uint32_t cap = t->chunk_cap == 0 ? 16 : t->chunk_cap * 2;
        uint64_t **chunks = realloc(t->chunks, cap * sizeof *chunks);
        if (chunks == NULL)
            return false;
        t->chunks = chunks;
        t->chunk_cap = cap;
    }
    uint64_t *chunk = malloc(bytes);
    if (chunk == NULL)
        return false;
    t->chunks[t->chunk_count++] = chunk;
    m->bytes_used += bytes;
    return true;
}

/* Adds an entry at slot j (found empty by the caller's probe); returns it. */
static uint64_t *memo_add(struct memo_table *t, uint32_t j, uint64_t hash)
{
    uint64_t *e = memo_entry(t, t->count);
    t->slots[j].tag = (uint32_t)hash;
    t->slots[j].index = ++t->count;
    return e;
}

/* Probes t for hash: returns the slot of an entry for which same(entry) holds, or the empty
 * slot where it would go (with *found false). */
static uint32_t memo_probe_exact(const struct memo *m, uint64_t hash, const uint64_t *bitset,
                                 const uint64_t *state, bool *found)
{
    const struct memo_table *t = &m->exact;
    uint32_t bw = m->bitset_words, sw = m->state_words;
    uint32_t j = (uint32_t)hash & t->mask, tag = (uint32_t)hash;
    *found = false;
    for (; t->slots[j].index != 0; j = (j + 1) & t->mask) {
        if (t->slots[j].tag != tag)
            continue;
        const uint64_t *e = memo_entry(t, t->slots[j].index - 1);
        bool same = true;
        for (uint32_t w = 0; w < bw && same; w++)
            same = e[w] == bitset[w];
        for (uint32_t w = 0; w < sw && same; w++)
            same = e[bw + w] == state[w];
        if (same) {
            *found = true;
            break;
        }
    }
    return j;
}

int memo_insert(struct memo *m, uint64_t hash, const uint64_t *bitset, const uint64_t *state)
{
    bool found;
    if (m->exact.slots == NULL && !memo_reserve(m, &m->exact))
        return MEMO_FULL;
    uint32_t j = memo_probe_exact(m, hash, bitset, state, &found);
    if (found)
        return MEMO_PRESENT;
    uint32_t mask = m->exact.mask;
    if (!memo_reserve(m, &m->exact))
        return MEMO_FULL;
    if (mask != m->exact.mask)
        j = memo_probe_exact(m, hash, bitset, state, &found);
    uint64_t *e = memo_add(&m->exact, j, hash);
    memcpy(e, bitset, m->bitset_words * sizeof *e);
    memcpy(e + m->bitset_words, state, m->state_words * sizeof *e);
    return MEMO_INSERTED;
}
