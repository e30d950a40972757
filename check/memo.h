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
/* Adds (bitset, state) unless present. Returns MEMO_INSERTED, MEMO_PRESENT or MEMO_FULL (over
 * bytes_max). */
int memo_insert(struct memo *m, uint64_t hash, const uint64_t *bitset, const uint64_t *state);
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

#endif /* RAST_CHECK_MEMO_H */
