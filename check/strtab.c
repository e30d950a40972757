/*
 * strtab.c: string interning (see strtab.h). Strings live in one growing byte buffer; an
 * open-addressing table of ids (load factor <= 1/2) finds them by XXH3 hash (compiled inline).
 */
#include "strtab.h"

#include <stdlib.h>
#include <string.h>
/* XXH3 inline rather than through the shared library: the readers intern one string a line,
 * mostly a few bytes long, for which the call cost as much as the hash. */
#define XXH_INLINE_ALL
#include <xxhash.h>

void strtab_init(struct strtab *t, const struct strtab *parent)
{
    memset(t, 0, sizeof *t);
    t->parent = parent;
    t->base_id = parent != NULL ? strtab_total(parent) : 0;
}

void strtab_free(struct strtab *t)
{
    free(t->slots);
    free(t->offsets);
    free(t->sizes);
    free(t->hashes);
    free(t->bytes);
    memset(t, 0, sizeof *t);
}

uint32_t strtab_total(const struct strtab *t)
{
    return t->base_id + t->count;
}

uint64_t strtab_bytes(const struct strtab *t)
{
    return t->bytes_cap + (uint64_t)t->cap * (8 + 4 + 8) + ((uint64_t)t->slot_mask + 1) * 4;
}

static bool strtab_find_local(const struct strtab *t, const char *s, uint32_t size, uint64_t hash,
                              uint32_t *id_out)
{
    if (t->slots == NULL)
        return false;
    for (uint32_t i = (uint32_t)hash & t->slot_mask;; i = (i + 1) & t->slot_mask) {
        uint32_t v = t->slots[i];
        if (v == 0)
            return false;
        uint32_t local = v - 1;
        if (t->hashes[local] == hash && t->sizes[local] == size &&
            (size == 0 || memcmp(t->bytes + t->offsets[local], s, size) == 0)) {
            *id_out = t->base_id + local;
            return true;
        }
    }
}

static bool strtab_find(const struct strtab *t, const char *s, uint32_t size, uint64_t hash,
                        uint32_t *id_out)
{
    for (; t != NULL; t = t->parent)
        if (strtab_find_local(t, s, size, hash, id_out))
            return true;
    return false;
}

static int strtab_grow_slots(struct strtab *t)
{
    uint32_t n = t->slots == NULL ? 64 : (t->slot_mask + 1) * 2;
    uint32_t *slots = calloc(n, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (uint32_t local = 0; local < t->count; local++) {
        uint32_t i = (uint32_t)t->hashes[local] & (n - 1);
        while (slots[i] != 0)
            i = (i + 1) & (n - 1);
        slots[i] = local + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->slot_mask = n - 1;
    return 0;
}

static int strtab_reserve(struct strtab *t, uint32_t size)
{
    if (t->count == t->cap) {
        uint32_t cap = t->cap == 0 ? 32 : t->cap * 2;
        uint64_t *offsets = realloc(t->offsets, cap * sizeof *offsets);
        if (offsets != NULL)
            t->offsets = offsets;
        uint32_t *sizes = realloc(t->sizes, cap * sizeof *sizes);
        if (sizes != NULL)
            t->sizes = sizes;
        uint64_t *hashes = realloc(t->hashes, cap * sizeof *hashes);
        if (hashes != NULL)
            t->hashes = hashes;
        if (offsets == NULL || sizes == NULL || hashes == NULL)
            return -1;
        t->cap = cap;
    }
    if (t->bytes_used + size > t->bytes_cap) {
        uint64_t cap = t->bytes_cap == 0 ? 256 : t->bytes_cap;
        while (cap < t->bytes_used + size)
            cap *= 2;
        char *bytes = realloc(t->bytes, cap);
        if (bytes == NULL)
            return -1;
        t->bytes = bytes;
        t->bytes_cap = cap;
    }
    if ((uint64_t)(t->count + 1) * 2 > (uint64_t)t->slot_mask + 1 || t->slots == NULL)
        return strtab_grow_slots(t);
    return 0;
}

int strtab_presize(struct strtab *t, uint32_t count, uint64_t bytes)
{
    if (t->count != 0 || t->slots != NULL)
        return 0;
    count = count < STRTAB_PRESIZE_COUNT_MAX ? count : STRTAB_PRESIZE_COUNT_MAX;
    bytes = bytes < STRTAB_PRESIZE_BYTES_MAX ? bytes : STRTAB_PRESIZE_BYTES_MAX;
    uint32_t cap = 32, slot_count = 64;
    while (cap < count)
        cap *= 2;
    while (slot_count < 2 * cap)
        slot_count *= 2;
    uint64_t bytes_cap = 256;
    while (bytes_cap < bytes)
        bytes_cap *= 2;
    /* Each array is taken as soon as it is allocated, so that strtab_free releases it. */
    if ((t->offsets = malloc(cap * sizeof *t->offsets)) == NULL ||
        (t->sizes = malloc(cap * sizeof *t->sizes)) == NULL ||
        (t->hashes = malloc(cap * sizeof *t->hashes)) == NULL)
        return -1;
    t->cap = cap;
    if ((t->bytes = malloc(bytes_cap)) == NULL)
        return -1;
    t->bytes_cap = bytes_cap;
    if ((t->slots = calloc(slot_count, sizeof *t->slots)) == NULL)
        return -1;
    t->slot_mask = slot_count - 1;
    return 0;
}

int strtab_intern(struct strtab *t, const char *s, uint32_t size, uint32_t *id_out)
{
    uint64_t hash = XXH3_64bits(s, size);
    if (strtab_find(t, s, size, hash, id_out))
        return 0;
    if (strtab_total(t) == UINT32_MAX || strtab_reserve(t, size) != 0)
        return -1;
    uint32_t local = t->count++;
    t->offsets[local] = t->bytes_used;
    t->sizes[local] = size;
    t->hashes[local] = hash;
    if (size > 0)
        memcpy(t->bytes + t->bytes_used, s, size);
    t->bytes_used += size;
    uint32_t i = (uint32_t)hash & t->slot_mask;
    while (t->slots[i] != 0)
        i = (i + 1) & t->slot_mask;
    t->slots[i] = local + 1;
    *id_out = t->base_id + local;
    return 0;
}

