/*
 * memo.h: the search's memo of visited configurations (linearized set, model state), after
 * Lowe's improvement of Wing & Gong.
 *
 * Exact table: a configuration is keyed by a 64-bit hash: the Zobrist hash of the linearized
 * set (the XOR of one random word per linearized op, maintained incrementally by the search)
 * XOR the model state's hash. Slots of an open-addressing table (load <= 1/2, linear probing)
 * hold 32 bits of the hash and the entry's index; entries (bitset words then state words,
 * fixed size) live in an arena of equal-size chunks, so the table can grow without moving
 * them. A hit is confirmed by an exact comparison of bitset and state.
 *
 * Every byte is counted against bytes_max: exceeding it is an explicit result,
 * never an allocation failure.
 *
 * Insertion (probe, and the add when no allocation is due) is inline in this header, as the
 * search inserts on almost every step from each instance of its loop; growing stays in memo.c.
 *
 * Large memos (whole-map searches reach tens of MiB) live in 2 MiB-aligned mappings advised
 * as transparent huge pages: the slot table once it reaches 2 MiB, and the arena's chunks,
 * once it holds MEMO_HUGE_AFTER_BYTES, carved from such blocks. Random probes then miss the TLB
 * far less and the memory costs one page fault per 2 MiB instead of one per 4 KiB. What is
 * counted against bytes_max does not change (slots and chunks, not the blocks' unused tails).
 */
#ifndef RAST_CHECK_MEMO_H
#define RAST_CHECK_MEMO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define MEMO_CHUNK_ENTRIES 1024u /* entries per arena chunk */

struct memo_slot {
    uint32_t tag;   /* the low 32 bits of the hash (the slot is tag & mask) */
    uint32_t index; /* entry index + 1 (0 = empty) */
};

struct memo_table {
    struct memo_slot *slots; /* one cache line holds 8: probing touches little memory */
    uint64_t slots_room;     /* slots allocated (more than mask + 1 if taken from a spare) */
    uint32_t mask;
    uint32_t count;
    uint32_t alloc_at; /* count at which the next insertion may allocate (0 before any) */
    uint32_t entry_words;
    uint64_t **chunks;
    uint32_t chunk_count;
    uint32_t chunk_cap;
    uint32_t chunks_malloced; /* chunks[0..chunks_malloced) are malloc'd, the rest carved */
    uint32_t block_count;
    void **blocks;        /* huge-page blocks the later chunks are carved from */
    uint64_t block_bytes; /* size of each block */
    uint64_t block_left;  /* bytes not yet carved from the last block */
};

/*
 * Memory one memo leaves to the next on the same thread (search.c's cache): its last slot table
 * (if calloc'd) and its malloc'd chunks, which the next memo takes instead of allocating: a
 * partition of a few dozen ops otherwise spends more on its memo's first table and chunk than
 * on its search. What a memo counts against bytes_max does not change: the slots and chunks it
 * uses, not the size of a larger table it was handed.
 */
struct memo_spare {
    struct memo_slot *slots; /* calloc'd, slot_room slots, or NULL */
    uint64_t slot_room;
    uint64_t **chunks; /* chunk_count chunks of chunk_bytes each */
    uint32_t chunk_count;
    uint32_t chunk_cap;
    uint64_t chunk_bytes;
};

struct memo {
    struct memo_table exact; /* entries: bitset, state */
    uint32_t bitset_words;
    uint32_t state_words;
    uint64_t bytes_used;
    uint64_t bytes_max;
    struct memo_spare *spare; /* takes from and gives back to it, or NULL (set after memo_init) */
};

enum { MEMO_INSERTED = 1, MEMO_PRESENT = 0, MEMO_FULL = -1 };

void memo_init(struct memo *m, uint32_t bitset_words, uint32_t state_words, uint64_t bytes_max);
/* Frees m's memory, or gives its table and chunks to m->spare. */
void memo_free(struct memo *m);
void memo_spare_free(struct memo_spare *spare);
/* Starts loading the slot where hash would be probed (a hint: no effect on the result). */
static inline void memo_prefetch(const struct memo *m, uint64_t hash)
{
    if (m->exact.slots != NULL)
        __builtin_prefetch(&m->exact.slots[(uint32_t)hash & m->exact.mask]);
}
/* Whether the next insertion may allocate (grow the slots or start a chunk): the only moment
 * bytes_max is looked at, so a caller sharing the budget need only update it then. Inline: the
 * search asks on every step. */
static inline bool memo_may_allocate(const struct memo *m)
{
    return m->exact.count >= m->exact.alloc_at;
}

/* Makes room for one more entry (slots and arena); false when over bytes_max. */
bool memo_reserve_exact(struct memo *m);

/*
 * memo_insert and what it uses are inline: the search calls it on every step from more than one
 * place (its loop's instances, search.c), and gcc inlined an out-of-line memo_insert into one
 * caller only; the table's growth stays out of line (memo_reserve_exact).
 */
static inline uint64_t *memo_entry(const struct memo_table *t, uint32_t index)
{
    return t->chunks[index / MEMO_CHUNK_ENTRIES] +
           (uint64_t)(index % MEMO_CHUNK_ENTRIES) * t->entry_words;
}

/* count words from `from` to `to` with memcpy (memo_copy_words' large case: out of line, where
 * gcc cannot take a caller's one-word `from` for its source, as it did inlined into a test). */
void memo_copy_many(uint64_t *to, const uint64_t *from, uint32_t count);

/* One key's entry is three words: a loop of a few words costs less than a call to memcpy, whose
 * size is not known at compile time. */
static inline void memo_copy_words(uint64_t *to, const uint64_t *from, uint32_t count)
{
    if (count > 4) {
        memo_copy_many(to, from, count);
        return;
    }
    for (uint32_t i = 0; i < count; i++)
        to[i] = from[i];
}

/* Whether count words at a and b are equal: a loop for a few, memcmp (vector compares) for a
 * whole map's dozens of state words, where the word loop was a fifth of the search's work. */
static inline bool memo_words_equal(const uint64_t *a, const uint64_t *b, uint32_t count)
{
    if (count > 4)
        return memcmp(a, b, count * sizeof *a) == 0;
    bool same = true;
    for (uint32_t i = 0; i < count && same; i++)
        same = a[i] == b[i];
    return same;
}

/* Adds an entry at slot j (found empty by the caller's probe); returns it. */
static inline uint64_t *memo_add(struct memo_table *t, uint32_t j, uint64_t hash)
{
    uint64_t *e = memo_entry(t, t->count);
    t->slots[j].tag = (uint32_t)hash;
    t->slots[j].index = ++t->count;
    return e;
}

/* Probes t for hash: returns the slot of an entry for which same(entry) holds, or the empty
 * slot where it would go (with *found false). one: the state is one key's two words (the
 * search's one-key loop), compared without a call. */
static inline __attribute__((always_inline)) uint32_t
memo_probe_exact(const struct memo *m, uint64_t hash, const uint64_t *bitset,
                 const uint64_t *state, bool *found, bool one)
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
        if (one) {
            for (uint32_t w = 0; w < bw && same; w++)
                same = e[w] == bitset[w];
            same = same && e[bw] == state[0] && e[bw + 1] == state[1];
        } else {
            same = memo_words_equal(e, bitset, bw) && memo_words_equal(e + bw, state, sw);
        }
        if (same) {
            *found = true;
            break;
        }
    }
    return j;
}

/* Adds (bitset, state) unless present. Returns MEMO_INSERTED, MEMO_PRESENT or MEMO_FULL (over
 * bytes_max). one: as memo_probe_exact's (then state_words must be 2). */
static inline __attribute__((always_inline)) int
memo_insert_at(struct memo *m, uint64_t hash, const uint64_t *bitset, const uint64_t *state,
               bool one)
{
    bool found;
    if (m->exact.slots == NULL && !memo_reserve_exact(m))
        return MEMO_FULL;
    uint32_t j = memo_probe_exact(m, hash, bitset, state, &found, one);
    if (found)
        return MEMO_PRESENT;
    if (m->bitset_words == 1 && m->state_words == 2 && !memo_may_allocate(m)) {
        uint64_t *e = memo_add(&m->exact, j, hash); /* one key's entry: three stores */
        e[0] = bitset[0];
        e[1] = state[0];
        e[2] = state[1];
        return MEMO_INSERTED;
    }
    if (memo_may_allocate(m)) { /* else memo_reserve_exact has nothing to do */
        uint32_t mask = m->exact.mask;
        if (!memo_reserve_exact(m))
            return MEMO_FULL;
        if (mask != m->exact.mask)
            j = memo_probe_exact(m, hash, bitset, state, &found, one);
    }
    uint64_t *e = memo_add(&m->exact, j, hash);
    memo_copy_words(e, bitset, m->bitset_words);
    memo_copy_words(e + m->bitset_words, state, m->state_words);
    return MEMO_INSERTED;
}

static inline int memo_insert(struct memo *m, uint64_t hash, const uint64_t *bitset,
                              const uint64_t *state)
{
    return memo_insert_at(m, hash, bitset, state, false);
}

#endif /* RAST_CHECK_MEMO_H */
