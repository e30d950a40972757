/*
 * log.h: the in-memory Raft log of one node.
 *
 * Entries live in fixed-size chunks of LOG_CHUNK_ENTRIES headers; their data is copied into
 * a data arena made of large blocks. Neither ever moves once written, so a pointer to an
 * entry or its data stays valid until that entry is truncated away: outputs can point into
 * the log without copies. Growth is amortized (one chunk per 4096 entries; data blocks of
 * 64 KiB, each twice the last, up to 1 MiB, so that a short-lived node, in the simulator or
 * a fuzz input, does not hold a mebibyte per boot); nothing is allocated per entry.
 *
 * Invariants:
 *  - entries are indexes 1..last_index, with no gaps (no snapshots yet: memory grows with the
 *    log; see docs/architecture.md "Memory");
 *  - terms are non-decreasing with the index (Raft's log property), which lets lookups by
 *    term use binary search.
 */
#ifndef RAST_CORE_LOG_H
#define RAST_CORE_LOG_H

#include "rast.h"

#define LOG_CHUNK_ENTRIES 4096u
#define LOG_BLOCK_BYTES_FIRST (64u << 10)
#define LOG_BLOCK_BYTES       (1u << 20) /* the largest block (unless one entry is larger) */

struct rast_log {
    struct rast_entry **chunks;
    uint32_t chunk_count;
    uint32_t chunk_capacity;
    uint64_t last_index;
    uint64_t last_term; /* cached term of last_index, 0 when empty */
    uint8_t **blocks;
    uint32_t *block_sizes;
    uint32_t block_count;
    uint32_t block_capacity;
    uint32_t block_used_bytes; /* in blocks[block_count - 1] */
    uint64_t data_bytes_held;
};

void log_init(struct rast_log *log);
void log_free(struct rast_log *log);
/* Empties the log and keeps its memory for the entries to come: every chunk of headers and
 * the first data block (the others are freed, so that one long life does not pin its peak).
 * For a node rebuilt in place (rast_node_recreate). */
void log_reset(struct rast_log *log);

static inline struct rast_entry *log_slot(const struct rast_log *log, uint64_t index)
{
    uint64_t offset = index - 1;
    return &log->chunks[offset / LOG_CHUNK_ENTRIES][offset % LOG_CHUNK_ENTRIES];
}

static inline uint64_t log_last_term(const struct rast_log *log)
{
    return log->last_term;
}

/* Term at index; 0 for index 0 or index > last_index. */
static inline uint64_t log_term_at(const struct rast_log *log, uint64_t index)
{
    if (index == 0 || index > log->last_index)
        return 0;
    return log_slot(log, index)->term;
}

/* The entry at index, or NULL when out of range. */
static inline const struct rast_entry *log_entry_at(const struct rast_log *log, uint64_t index)
{
    if (index == 0 || index > log->last_index)
        return NULL;
    return log_slot(log, index);
}

/* Appends one entry with a copy of its data. RAST_OK or RAST_E_NOMEM (log unchanged). */
int log_append(struct rast_log *log, uint64_t term, const uint8_t *data, uint32_t size);

/* Appends count entries with copies of their data, in the given term (or, when term is 0,
 * each entry's own term). RAST_OK, or RAST_E_NOMEM with a prefix appended. */
int log_append_entries(struct rast_log *log, const struct rast_entry *entries, uint32_t count,
                       uint64_t term);

/* Drops every entry at index >= first_index (first_index >= 1). */
void log_truncate_from(struct rast_log *log, uint64_t first_index);

/* How many entries from index (inclusive) are contiguous in memory, at most count_max and
 * at most up to last_index. */
uint32_t log_contiguous_count(const struct rast_log *log, uint64_t index, uint32_t count_max);

/* Last index in [1, index_max] whose term is <= term, or 0. O(log n). */
uint64_t log_last_index_with_term_at_most(const struct rast_log *log, uint64_t index_max,
                                          uint64_t term);
/* First index whose term equals the term at index (index must be in the log). O(log n). */
uint64_t log_first_index_of_term(const struct rast_log *log, uint64_t index);

/* Bytes allocated for entry headers and data (whole chunks and blocks). */
uint64_t log_bytes_held(const struct rast_log *log);

#endif /* RAST_CORE_LOG_H */
