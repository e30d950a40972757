/*
 * memo.c: the configuration memo (see memo.h for the layout and invariants).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS, madvise */
#include "memo.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MEMO_SLOTS_MIN        256u
#define MEMO_HUGE_BYTES       (UINT64_C(2) << 20) /* a transparent huge page */
#define MEMO_HUGE_AFTER_BYTES (UINT64_C(4) << 20)
#define MEMO_BLOCK_BYTES      (UINT64_C(8) << 20)

/* A zeroed mapping of bytes (a multiple of MEMO_HUGE_BYTES) aligned to MEMO_HUGE_BYTES and
 * advised as huge pages, or NULL. Free with munmap(p, bytes). */
static void *memo_huge_map(uint64_t bytes)
{
    size_t span = (size_t)(bytes + MEMO_HUGE_BYTES);
    char *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    uintptr_t at = ((uintptr_t)p + MEMO_HUGE_BYTES - 1) & ~(uintptr_t)(MEMO_HUGE_BYTES - 1);
    size_t head = (size_t)(at - (uintptr_t)p), tail = span - head - (size_t)bytes;
    if (head != 0)
        munmap(p, head);
    if (tail != 0)
        munmap((char *)at + bytes, tail);
#ifdef MADV_HUGEPAGE
    madvise((void *)at, (size_t)bytes, MADV_HUGEPAGE); /* only advice: failure is harmless */
#endif
    return (void *)at;
}

/* A zeroed slot table of n slots: mapped once it is as large as a huge page, else the spare's if
 * it has room, else calloc'd. Sets *room to the slots allocated. */
static struct memo_slot *memo_slots_alloc(struct memo_spare *spare, uint64_t n, uint64_t *room)
{
    uint64_t bytes = n * sizeof(struct memo_slot);
    *room = n;
    if (bytes >= MEMO_HUGE_BYTES)
        return memo_huge_map(bytes);
    if (spare != NULL && spare->slots != NULL && spare->slot_room >= n) {
        struct memo_slot *slots = spare->slots;
        *room = spare->slot_room;
        spare->slots = NULL;
        memset(slots, 0, (size_t)bytes);
        return slots;
    }
    return calloc((size_t)n, sizeof(struct memo_slot));
}

/* Frees a table of n slots (room allocated), or keeps it as the spare's if that is smaller. */
static void memo_slots_free(struct memo_spare *spare, struct memo_slot *slots, uint64_t n,
                            uint64_t room)
{
    uint64_t bytes = n * sizeof(struct memo_slot);
    if (slots != NULL && bytes >= MEMO_HUGE_BYTES) {
        munmap(slots, (size_t)bytes);
    } else if (spare != NULL && slots != NULL &&
               (spare->slots == NULL || spare->slot_room < room)) {
        free(spare->slots);
        spare->slots = slots;
        spare->slot_room = room;
    } else {
        free(slots);
    }
}

/* Room for a chunk of bytes: malloc'd while the arena is small, then carved from huge-page
 * blocks (see memo.h). */
static uint64_t *memo_chunk_alloc(struct memo_table *t, struct memo_spare *spare, uint64_t bytes)
{
    if (t->block_count == 0 && (uint64_t)t->chunk_count * bytes < MEMO_HUGE_AFTER_BYTES) {
        bool spared = spare != NULL && spare->chunk_bytes == bytes && spare->chunk_count > 0;
        uint64_t *chunk = spared ? spare->chunks[--spare->chunk_count] : malloc((size_t)bytes);
        t->chunks_malloced += chunk != NULL;
        return chunk;
    }
    if (t->block_left < bytes) {
        uint64_t block_bytes = MEMO_BLOCK_BYTES;
        while (block_bytes < bytes)
            block_bytes += MEMO_HUGE_BYTES;
        if (t->block_count != 0 && block_bytes != t->block_bytes)
            return NULL; /* chunks have one size: cannot happen */
        void **blocks = realloc(t->blocks, ((size_t)t->block_count + 1) * sizeof *blocks);
        if (blocks == NULL)
            return NULL;
        t->blocks = blocks;
        void *block = memo_huge_map(block_bytes);
        if (block == NULL)
            return NULL;
        t->blocks[t->block_count++] = block;
        t->block_bytes = block_bytes;
        t->block_left = block_bytes;
    }
    char *chunk = (char *)t->blocks[t->block_count - 1] + (t->block_bytes - t->block_left);
    t->block_left -= bytes;
    return (uint64_t *)chunk;
}

void memo_init(struct memo *m, uint32_t bitset_words, uint32_t state_words, uint64_t bytes_max)
{
    memset(m, 0, sizeof *m);
    m->bitset_words = bitset_words;
    m->state_words = state_words;
    m->exact.entry_words = bitset_words + state_words;
    m->bytes_max = bytes_max;
}

/* Gives the malloc'd chunks (of bytes each) to spare, which drops chunks of another size;
 * frees those it cannot hold. */
static void memo_chunks_give(struct memo_spare *spare, struct memo_table *t, uint64_t bytes)
{
    uint32_t i = 0;
    if (t->chunks_malloced == 0)
        return; /* nothing to give: keep the spare's chunks */
    if (spare != NULL && spare->chunk_bytes != bytes) {
        for (uint32_t k = 0; k < spare->chunk_count; k++)
            free(spare->chunks[k]);
        spare->chunk_count = 0;
        spare->chunk_bytes = bytes;
    }
    if (spare != NULL && spare->chunk_cap - spare->chunk_count < t->chunks_malloced) {
        uint32_t cap = spare->chunk_count + t->chunks_malloced;
        uint64_t **chunks = realloc(spare->chunks, (size_t)cap * sizeof *chunks);
        if (chunks != NULL) {
            spare->chunks = chunks;
            spare->chunk_cap = cap;
        }
    }
    for (; spare != NULL && i < t->chunks_malloced && spare->chunk_count < spare->chunk_cap; i++)
        spare->chunks[spare->chunk_count++] = t->chunks[i];
    for (; i < t->chunks_malloced; i++)
        free(t->chunks[i]);
}

static void memo_table_free(struct memo *m, struct memo_table *t)
{
    memo_chunks_give(m->spare, t, (uint64_t)MEMO_CHUNK_ENTRIES * t->entry_words * sizeof(uint64_t));
    for (uint32_t i = 0; i < t->block_count; i++)
        munmap(t->blocks[i], (size_t)t->block_bytes);
    free(t->blocks);
    free(t->chunks);
    memo_slots_free(m->spare, t->slots, t->slots == NULL ? 0 : (uint64_t)t->mask + 1,
                    t->slots_room);
}

void memo_free(struct memo *m)
{
    memo_table_free(m, &m->exact);
    memset(m, 0, sizeof *m);
}

void memo_spare_free(struct memo_spare *spare)
{
    free(spare->slots);
    for (uint32_t k = 0; k < spare->chunk_count; k++)
        free(spare->chunks[k]);
    free(spare->chunks);
    memset(spare, 0, sizeof *spare);
}

static bool memo_grow_slots(struct memo *m, struct memo_table *t)
{
    uint64_t n = t->slots == NULL ? MEMO_SLOTS_MIN : ((uint64_t)t->mask + 1) * 2;
    uint64_t bytes = n * sizeof(struct memo_slot);
    uint64_t old_bytes = t->slots == NULL ? 0 : ((uint64_t)t->mask + 1) * sizeof(struct memo_slot);
    if (n > (UINT64_C(1) << 31) || m->bytes_used - old_bytes + bytes > m->bytes_max)
        return false;
    uint64_t room;
    struct memo_slot *slots = memo_slots_alloc(m->spare, n, &room);
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
    memo_slots_free(m->spare, t->slots, t->slots == NULL ? 0 : (uint64_t)t->mask + 1,
                    t->slots_room);
    t->slots = slots;
    t->slots_room = room;
    t->mask = mask;
    m->bytes_used = m->bytes_used - old_bytes + bytes;
    return true;
}

/* The entry count at which the next insertion may allocate (memo_may_allocate): when the slots
 * pass half full, or the arena's chunks are full. */
static uint32_t memo_alloc_at(const struct memo_table *t)
{
    uint64_t slots_at = t->slots == NULL ? 0 : ((uint64_t)t->mask + 1) / 2;
    uint64_t chunks_at = (uint64_t)t->chunk_count * MEMO_CHUNK_ENTRIES;
    uint64_t at = slots_at < chunks_at ? slots_at : chunks_at;
    return at < UINT32_MAX ? (uint32_t)at : UINT32_MAX;
}

static bool memo_reserve_do(struct memo *m, struct memo_table *t);

/* Makes room for one more entry (slots and arena). */
static bool memo_reserve(struct memo *m, struct memo_table *t)
{
    bool ok = memo_reserve_do(m, t);
    t->alloc_at = memo_alloc_at(t);
    return ok;
}

static bool memo_reserve_do(struct memo *m, struct memo_table *t)
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
    uint64_t *chunk = memo_chunk_alloc(t, m->spare, bytes);
    if (chunk == NULL)
        return false;
    t->chunks[t->chunk_count++] = chunk;
    m->bytes_used += bytes;
    return true;
}

bool memo_reserve_exact(struct memo *m)
{
    return memo_reserve(m, &m->exact);
}

__attribute__((noinline)) void memo_copy_many(uint64_t *to, const uint64_t *from, uint32_t count)
{
    memcpy(to, from, count * sizeof *to);
}
